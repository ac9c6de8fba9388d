"""A handler module imported anew in a unit test, without leaking into later tests."""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator
from types import ModuleType


@contextlib.contextmanager
def fresh_import(name: str) -> Iterator[ModuleType]:
    """Import `name` anew (a cold start under the environment set now) and, afterwards, put back what `sys.modules`
    held: the local runtime imports each handler under its own function's environment once per process, so a module
    left here with a unit test's settings (a table that does not exist) would serve a later integration test."""
    saved = sys.modules.pop(name, None)
    try:
        yield importlib.import_module(name)
    finally:
        sys.modules.pop(name, None)
        if saved is not None:
            sys.modules[name] = saved
