"""infra/code_assets.py: our code copied with the target's bytecode, rebuilt only when a file changes."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from infra import code_assets, dependencies

HERE = dependencies.this_machine()  # compileall with this interpreter: no Pyodide needed for the unit test
TAG = sys.implementation.cache_tag


def _source(tmp_path: Path) -> Path:
    source = tmp_path / "functions"
    (source / "api" / "__pycache__").mkdir(parents=True)
    (source / "api" / "__init__.py").write_text("")
    (source / "api" / "handler.py").write_text("VALUE = 1\n")
    (source / "api" / "__pycache__" / "stale.cpython-399.pyc").write_bytes(b"not ours")
    return source


def test_an_asset_holds_the_sources_and_the_target_s_bytecode_only(tmp_path: Path) -> None:
    asset = code_assets.build_code_asset(_source(tmp_path), "/var/task", HERE, cache=tmp_path / "cache")
    files = sorted(path.relative_to(asset).as_posix() for path in asset.rglob("*") if path.is_file())
    assert files == [
        "api/__init__.py",
        f"api/__pycache__/__init__.{TAG}.pyc",
        f"api/__pycache__/handler.{TAG}.pyc",
        "api/handler.py",
    ]
    header = (asset / "api" / "__pycache__" / f"handler.{TAG}.pyc").read_bytes()[:8]
    assert int.from_bytes(header[4:8], "little") & 1  # hash-based: valid whatever the timestamps


def test_an_unchanged_tree_is_built_once_and_an_edit_builds_anew(tmp_path: Path) -> None:
    source, cache = _source(tmp_path), tmp_path / "cache"
    first = code_assets.build_code_asset(source, "/var/task", HERE, cache=cache)
    marker = first / "built-once"
    marker.write_text("")
    assert code_assets.build_code_asset(source, "/var/task", HERE, cache=cache) == first and marker.exists()
    assert code_assets.build_code_asset(source, "/opt", HERE, cache=cache) != first  # mounted elsewhere

    (source / "api" / "handler.py").write_text("VALUE = 2\n")
    second = code_assets.build_code_asset(source, "/var/task", HERE, cache=cache)
    assert second != first and (second / "api" / "handler.py").read_text() == "VALUE = 2\n"
    assert first.is_dir()  # a recent build stays: a concurrent synth may still be reading it


def test_builds_a_day_old_are_removed_when_a_new_one_is_built(tmp_path: Path) -> None:
    source, cache = _source(tmp_path), tmp_path / "cache"
    old = code_assets.build_code_asset(source, "/var/task", HERE, cache=cache)
    day_ago = time.time() - code_assets.KEEP_OLD_SECONDS - 60
    os.utime(old, (day_ago, day_ago))
    (source / "api" / "handler.py").write_text("VALUE = 3\n")
    code_assets.build_code_asset(source, "/var/task", HERE, cache=cache)
    assert not old.exists()
