"""The lock files cover the human-edited requirements, and the tests run the versions the functions ship.

A failure here after editing requirements*.txt means: run `make lock`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from infra import dependencies
from infra.catalog import REPO_ROOT

LAMBDA_ENVIRONMENT = {  # the functions' interpreter: what the runtime lock resolves for
    **default_environment(),
    "python_version": "3.13",
    "python_full_version": "3.13.0",
    "implementation_version": "3.13.0",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "aarch64",
    "os_name": "posix",
}


def _requirements(path: Path) -> list[Requirement]:
    """The requirements of a human-edited file, following `-r` includes."""
    result: list[Requirement] = []
    for raw in path.read_text().splitlines():
        line = raw.split(" #")[0].strip()
        if line.startswith("-r "):
            result += _requirements(path.parent / line.removeprefix("-r ").strip())
        elif line and not line.startswith(("#", "-")):
            result.append(Requirement(line))
    return result


def _pins(lock: Path, environment: dict[str, str]) -> dict[str, str]:
    """Name -> pinned version of a (possibly universal) lock, for the entries whose markers hold in `environment`."""
    pins: dict[str, str] = {}
    for line in lock.read_text().splitlines():
        if line and line[0] not in " #-":
            requirement = Requirement(line.rstrip("\\ "))
            if requirement.marker is None or requirement.marker.evaluate(environment):
                (specifier,) = requirement.specifier
                assert specifier.operator == "==", line
                assert canonicalize_name(requirement.name) not in pins, f"{requirement.name} pinned twice"
                pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def _uncovered(requirements: list[Requirement], pins: dict[str, str], environment: dict[str, str]) -> list[str]:
    return [
        str(requirement)
        for requirement in requirements
        if (requirement.marker is None or requirement.marker.evaluate(environment))
        and not (
            canonicalize_name(requirement.name) in pins
            and requirement.specifier.contains(pins[canonicalize_name(requirement.name)], prereleases=True)
        )
    ]


def test_runtime_lock_covers_every_runtime_requirement() -> None:
    pins = _pins(dependencies.RUNTIME_LOCK, LAMBDA_ENVIRONMENT)

    assert _uncovered(_requirements(REPO_ROOT / "requirements.txt"), pins, LAMBDA_ENVIRONMENT) == []


@pytest.mark.parametrize("environment", [default_environment(), LAMBDA_ENVIRONMENT], ids=["this machine", "lambda"])
def test_dev_lock_covers_every_requirement(environment: dict[str, str]) -> None:
    pins = _pins(dependencies.DEV_LOCK, environment)

    assert _uncovered(_requirements(REPO_ROOT / "requirements-dev.txt"), pins, environment) == []


def test_tests_run_the_versions_the_functions_ship() -> None:
    shipped = _pins(dependencies.RUNTIME_LOCK, LAMBDA_ENVIRONMENT)
    tested = _pins(dependencies.DEV_LOCK, LAMBDA_ENVIRONMENT)

    assert {name: tested.get(name) for name in shipped} == shipped
    assert dependencies.locked_versions(dependencies.RUNTIME_LOCK) == shipped


def test_every_locked_package_is_hash_pinned() -> None:
    for lock in (dependencies.RUNTIME_LOCK, dependencies.DEV_LOCK):
        entries = [line for line in lock.read_text().splitlines() if line and line[0] not in " #-"]
        assert entries
        for entry in entries:
            assert entry.endswith("\\"), f"{lock.name}: {entry} has no --hash"
