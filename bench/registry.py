"""What a bench section is, and what it is given: `python -m bench` runs every `Section` of `bench.__main__.SECTIONS`.

A section is one measurement: a title (the progress line), where its figures go in bench/results.json (`key`, a
path: `("batch", "local_stack")` is `results["batch"]["local_stack"]`), the phase it runs in, the bench module it
measures (so tests/integration/test_bench_smoke.py can tell a module nobody registered), and `measure(run)`.

`measure` reads its size from `run.size(full, quick)`: the full size for `make bench`, a tiny one for
`python -m bench --quick` (the smoke test in `make test`, whose figures mean nothing: it only proves that the
section still runs and reports).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import Enum
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from infra.local.provision import LocalResources
    from tests.support.connections_sink import RecordedConnections

T = TypeVar("T")
LocalStack = Callable[[], AbstractContextManager[dict[str, str]]]


class Phase(Enum):
    """In this order: processes first (a quiet machine), then moto in-process, then the local stack over HTTP
    (which must run outside the in-process mock)."""

    PROCESSES = "fresh processes, nothing else running"
    IN_PROCESS = "moto in-process (bench.harness.in_process_stack), the real handlers called directly"
    LOCAL_STACK = "the local stack as `make local` runs it, over HTTP"


@dataclass
class Run:
    """What a section is given. `resources` and `connections` are set in the IN_PROCESS phase only;
    `local_stack()` starts (or, in a quick run, shares) a local stack and yields its outputs."""

    quick: bool
    local_stack: LocalStack
    resources: LocalResources | None = None
    connections: RecordedConnections | None = None

    def size(self, full: T, quick: T) -> T:
        return quick if self.quick else full

    @property
    def stack(self) -> LocalResources:
        if self.resources is None:
            raise RuntimeError("the in-process stack is only there in the IN_PROCESS phase")
        return self.resources

    @property
    def gone(self) -> set[str]:
        """The connection ids the in-process `@connections` endpoint answers Gone for."""
        if self.connections is None:
            raise RuntimeError("the @connections endpoint is only there in the IN_PROCESS phase")
        return self.connections.gone


@dataclass(frozen=True)
class Section:
    title: str
    key: tuple[str, ...]
    phase: Phase
    module: ModuleType
    measure: Callable[[Run], Any]


def store(results: dict[str, Any], key: tuple[str, ...], value: Any) -> None:
    """results[key[0]]...[key[-1]] = value, creating the dictionaries on the way."""
    *parents, last = key
    for name in parents:
        results = results.setdefault(name, {})
    results[last] = value


def lookup(results: dict[str, Any], key: tuple[str, ...]) -> Any:
    for name in key:
        results = results[name]
    return results


def in_order(sections: list[Section]) -> Iterator[tuple[Phase, list[Section]]]:
    """The sections by phase, in phase order; the registry's order within a phase."""
    for phase in Phase:
        yield phase, [section for section in sections if section.phase is phase]
