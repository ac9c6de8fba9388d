"""The dependencies layer as synthesized: exactly the runtime lock, built for Lambda's Python 3.13 on arm64; and
our own code's assets, which ship that Python's bytecode too.

These tests open the staged asset in the cloud assembly (the directory `cdk deploy` zips and uploads), not the
build cache, so they check what would ship.
"""

from __future__ import annotations

import json
import re
from email.parser import HeaderParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from packaging.tags import compatible_tags, cpython_tags, parse_tag

from infra import dependencies
from infra.catalog import STACK_NAME

if TYPE_CHECKING:
    from aws_cdk import aws_lambda as lambda_
    from conftest import Synthesized

pytestmark = pytest.mark.xdist_group("infra")

ELF_MAGIC = b"\x7fELF"
EM_AARCH64 = 183  # ELF e_machine of AArch64
PYC_MAGIC_313 = (3571).to_bytes(2, "little") + b"\r\n"  # importlib.util.MAGIC_NUMBER of CPython 3.13
EXTENSION_NAME = re.compile(r"\.cpython-(?P<version>\d+)-(?P<platform>[\w-]+)\.so$")
UNZIPPED_LIMIT = 262_144_000  # Lambda: 250 MB for a function's code and all its layers, unzipped
TARGET_TAGS = {
    *cpython_tags(python_version=(3, 13), abis=["cp313"], platforms=list(dependencies.LAMBDA.platforms)),
    *compatible_tags(python_version=(3, 13), interpreter="cp313", platforms=list(dependencies.LAMBDA.platforms)),
}


def _asset_dir(synth: Synthesized, s3_key: object) -> Path:
    """The staged directory of the asset the template refers to by its S3 key (`<hash>.zip`)."""
    outdir = Path(synth.template_path).parent
    manifest = json.loads((outdir / f"{STACK_NAME}.assets.json").read_text())
    asset = manifest["files"][str(s3_key).removesuffix(".zip")]
    assert asset["source"]["packaging"] == "zip"
    return outdir / asset["source"]["path"]


def _layer_dir(synth: Synthesized, layer: lambda_.LayerVersion) -> Path:
    return _asset_dir(synth, synth.resource(layer)["Properties"]["Content"]["S3Key"])


@pytest.fixture(scope="module")
def site(synth: Synthesized) -> Path:
    """The dependencies layer's `python/` directory (on Lambda: /opt/python, on sys.path)."""
    return _layer_dir(synth, synth.stack.functions.dependencies_layer) / "python"


def _files(directory: Path) -> list[Path]:
    return [path for path in directory.rglob("*") if path.is_file()]


def test_layer_holds_exactly_the_locked_packages_at_their_locked_versions(site: Path) -> None:
    installed = {}
    for metadata in site.glob("*.dist-info/METADATA"):
        headers = HeaderParser().parsestr(metadata.read_text(encoding="utf-8"))
        installed[dependencies.normalize(headers["Name"])] = headers["Version"]

    locked = dependencies.locked_versions(dependencies.RUNTIME_LOCK)
    assert installed == locked
    # what the functions import is there, boto3 included (bundled: see README, "Dependencies")
    assert {"aws-lambda-powertools", "pydantic", "pydantic-core", "jmespath", "aws-xray-sdk", "boto3"} <= set(locked)


def test_every_wheel_was_built_for_python_313_on_linux_arm64(site: Path) -> None:
    for wheel in site.glob("*.dist-info/WHEEL"):
        tags = {tag for line in HeaderParser().parsestr(wheel.read_text()).get_all("Tag") for tag in parse_tag(line)}
        assert tags & TARGET_TAGS, f"{wheel.parent.name}: {sorted(map(str, tags))} do not run on cp313 arm64"


def test_every_compiled_extension_is_aarch64_cp313(site: Path) -> None:
    shared_objects = [path for path in _files(site) if path.name.endswith(".so") or ".so." in path.name]
    assert any(path.parent.name == "pydantic_core" for path in shared_objects), "pydantic_core's extension is missing"
    for path in shared_objects:
        header = path.read_bytes()[:20]
        assert header[:4] == ELF_MAGIC, path
        assert header[4] == 2 and header[5] == 1, f"{path}: not a 64-bit little-endian ELF"
        assert int.from_bytes(header[18:20], "little") == EM_AARCH64, f"{path}: not AArch64"
        tagged = EXTENSION_NAME.search(path.name)
        if tagged:
            assert tagged["version"] == "313" and tagged["platform"] == "aarch64-linux-gnu", path.name
        else:  # a stable-ABI extension, or a library bundled by auditwheel (e.g. pkg.libs/libfoo-1a2b.so.1)
            assert path.name.endswith(".abi3.so") or ".libs" in path.parent.name, path


def _assert_ships_313_bytecode(directory: Path, mounted_at: str, at_least: int) -> None:
    """Every module of `directory` has its CPython 3.13 hash-based .pyc, naming its file where Lambda mounts it,
    and no bytecode of another interpreter (this machine's) is there."""
    sources = [path for path in _files(directory) if path.suffix == ".py"]
    assert len(sources) >= at_least
    for source in sources:
        compiled = source.parent / "__pycache__" / f"{source.stem}.cpython-313.pyc"
        assert compiled.is_file(), f"{source}: no Python 3.13 bytecode"
        data = compiled.read_bytes()
        assert data[:4] == PYC_MAGIC_313, compiled
        # hash-based (PEP 552), so zip and extraction timestamps cannot make it stale
        assert int.from_bytes(data[4:8], "little") & 1, compiled
        assert f"{mounted_at}/{source.relative_to(directory).as_posix()}".encode() in data, compiled
    assert not [path for path in _files(directory) if path.suffix == ".pyc" and "cpython-313" not in path.name]


def test_every_module_ships_its_python_313_bytecode(site: Path) -> None:
    _assert_ships_313_bytecode(site, "/opt/python", at_least=100)


def test_our_code_ships_its_python_313_bytecode_too(synth: Synthesized) -> None:
    """Lambda's /var/task and /opt are read-only: without it, every cold start compiles each of our modules it
    imports (infra/code_assets.py)."""
    functions = synth.stack.functions
    code = synth.resource(next(iter(functions.functions.values())))["Properties"]["Code"]["S3Key"]
    _assert_ships_313_bytecode(_asset_dir(synth, code), "/var/task", at_least=20)
    _assert_ships_313_bytecode(_layer_dir(synth, functions.common_layer) / "python", "/opt/python", at_least=60)


def test_layers_do_not_overlap(synth: Synthesized, site: Path) -> None:
    common = _layer_dir(synth, synth.stack.functions.common_layer) / "python"
    ours = {path.name for path in common.iterdir()}
    assert ours == {"workflow_engine"}
    assert not ours & {path.name for path in site.iterdir()}


def test_code_and_layers_fit_lambdas_unzipped_limit(synth: Synthesized, record_property: pytest.RecordProperty) -> None:
    functions = synth.stack.functions
    sizes = {
        "dependencies layer": _layer_dir(synth, functions.dependencies_layer),
        "common layer": _layer_dir(synth, functions.common_layer),
        "function code": _asset_dir(
            synth, synth.resource(next(iter(functions.functions.values())))["Properties"]["Code"]["S3Key"]
        ),
    }
    unzipped = {name: sum(path.stat().st_size for path in _files(directory)) for name, directory in sizes.items()}
    total = sum(unzipped.values())
    figures = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in unzipped.items())
    record_property("figure", f"Lambda unzipped size: {total / 1e6:.1f} MB of 262.1 MB ({figures})")

    assert total < UNZIPPED_LIMIT
