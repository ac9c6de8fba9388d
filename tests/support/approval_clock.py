"""Approval timeouts in test time: inside `compressed_timeouts()`, a Task's TimeoutSeconds in moto's interpreter is
read as that many *minutes of test time*, i.e. divided by 60 (an approval's shortest, 60 s, becomes 1 s), so a
test can let a wait time out without sleeping a minute. moto measures TimeoutSeconds in real time, as AWS does;
this only rescales it, for the tests that ask."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

SCALE = 60.0


@contextlib.contextmanager
def compressed_timeouts(scale: float = SCALE) -> Iterator[None]:
    original = TimeoutSeconds._eval_seconds

    def scaled(self: TimeoutSeconds, env: object) -> float:
        seconds = original(self, env)  # type: ignore[arg-type]
        return seconds if self.is_default_value() else seconds / scale

    TimeoutSeconds._eval_seconds = scaled  # type: ignore[method-assign]
    try:
        yield
    finally:
        TimeoutSeconds._eval_seconds = original  # type: ignore[method-assign]
