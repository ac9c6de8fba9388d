"""Our own code as Lambda runs it: the functions' code and the common layer, each with the runtime's bytecode.

Lambda's /var/task (a function's code) and /opt (its layers) are read-only, so a module shipped without its
`__pycache__/*.cpython-313.pyc` is compiled again on every cold start: importing `api.workflows` took 1.74x a
bare `import boto3` without our bytecode and 1.41x with it (this machine, 2026-12-06, the "lambda" environment
of bench/cold_start.py). So each asset is built like the dependencies layer (infra/dependencies.py):
- copied without any bytecode of this machine;
- compiled by `dependencies.compile_bytecode` (Pyodide, CPython 3.13, hash-based unchecked .pyc);
- cached under `.cache/code-assets/<name>-<key>`, where the key hashes every file of the source, the target
  and the recipe, so an unchanged tree is never compiled twice and any edit makes a new asset;
- built in a temporary directory renamed into place, so concurrent synths never see half an asset.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

from infra import dependencies
from infra.catalog import REPO_ROOT

CACHE_DIR = REPO_ROOT / ".cache" / "code-assets"
RECIPE_VERSION = 1  # bump when the way an asset is built changes
IGNORED = ("__pycache__", "*.pyc", ".DS_Store")
KEEP_OLD_SECONDS = 24 * 3600  # older assets of the same source are removed when a new one is built


def _files(source: Path) -> list[Path]:
    return sorted(
        path
        for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc" and path.name != ".DS_Store"
    )


def asset_key(source: Path, target: dependencies.Target = dependencies.LAMBDA, mounted_at: str = "/opt") -> str:
    """Every file's path and bytes, the target, where it is mounted, the recipe and the pinned Pyodide."""
    recipe = {
        "recipe": RECIPE_VERSION,
        "target": target.__dict__,
        "mounted_at": mounted_at,
        "pyodide": dependencies.bytecode_compiler_version(),
    }
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode())
    for path in _files(source):
        digest.update(path.relative_to(source).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def build_code_asset(
    source: Path,
    mounted_at: str,
    target: dependencies.Target = dependencies.LAMBDA,
    cache: Path = CACHE_DIR,
) -> Path:
    """`source` copied with the target's bytecode beside each module (`mounted_at`: /var/task or /opt)."""
    key = asset_key(source, target, mounted_at)
    prefix = f"{source.name}-{target.abi_tag}-"

    def fill(staging: Path) -> None:
        shutil.copytree(source, staging, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*IGNORED))
        dependencies.compile_bytecode(target, staging, mounted_at)

    asset = cache / f"{prefix}{key[:24]}"
    if not asset.is_dir():
        dependencies.build_once(asset, fill)
        _remove_stale(cache, prefix, keep=asset)
    return asset


def _remove_stale(cache: Path, prefix: str, keep: Path) -> None:
    """Earlier builds of the same source, a day old or more (a concurrent synth may still read a recent one)."""
    now = time.time()
    for old in cache.glob(f"{prefix}*"):
        if old != keep and old.is_dir() and now - old.stat().st_mtime > KEEP_OLD_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
