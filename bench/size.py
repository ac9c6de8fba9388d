"""Deployment size: each Lambda asset zipped as the CDK stack packages it (infra/constructs/functions.py).

`functions/` is one asset shared by every function (each runs its own handler from it), and `layers/common` is
the shared code layer; both ship as infra.code_assets builds them (no bytecode of this machine, the Lambda
runtime's 3.13 bytecode beside each module), and neither may hold a third-party package: those are all in the
dependencies layer, built from the runtime lock for the functions' platform (infra.dependencies, with its Python
3.13 bytecode). Its SDK share (boto3, botocore, s3transfer) is measured apart: bundling boto3 is a choice
(README, "Dependencies").
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from infra import dependencies
from infra.catalog import FUNCTIONS, FUNCTIONS_DIR, LAYER_DIR, REPO_ROOT
from infra.code_assets import build_code_asset

# Lambda quotas: 50 MB zipped for a direct upload, 250 MB unzipped for a function and all its layers.
ZIPPED_QUOTA = 50 * 1024 * 1024
UNZIPPED_QUOTA = 250 * 1024 * 1024
FORBIDDEN = ("boto3", "botocore", "s3transfer", "aws_lambda_powertools", "pydantic", "aws_xray_sdk")
SDK = ("boto3", "botocore", "s3transfer")


def _excluded(path: Path) -> bool:
    return "__pycache__" in path.parts or path.suffix == ".pyc"


def zip_asset(
    directory: Path, *, with_bytecode: bool = False, level: int = 9, source: Path | None = None
) -> dict[str, Any]:
    """`level`: the deflate level (9, as the CDK zips an asset; a quick run zips faster and larger); `source`: the
    directory the asset is built from, named in the report (default: `directory`)."""
    files = sorted(
        p for p in directory.rglob("*") if p.is_file() and (with_bytecode or not _excluded(p.relative_to(directory)))
    )
    buffer = io.BytesIO()
    sdk_zipped = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for path in files:
            archive.write(path, path.relative_to(directory).as_posix())
        sdk_zipped = sum(info.compress_size for info in archive.infolist() if _is_sdk(Path(info.filename)))
    bundled = sorted({part for p in files for part in p.relative_to(directory).parts if part in FORBIDDEN})
    return {
        "directory": (source or directory).relative_to(REPO_ROOT).as_posix(),
        "files": len(files),
        "zipped_bytes": len(buffer.getvalue()),
        "unzipped_bytes": sum(p.stat().st_size for p in files),
        "bundled_sdks": bundled,
        "sdk_zipped_bytes": sdk_zipped,
        "sdk_unzipped_bytes": sum(p.stat().st_size for p in files if _is_sdk(p.relative_to(directory))),
    }


def _is_sdk(relative: Path) -> bool:
    parts = relative.parts
    return len(parts) > 1 and parts[0] == "python" and parts[1].split("-")[0] in SDK


def run(level: int = 9) -> dict[str, Any]:
    functions = zip_asset(
        build_code_asset(FUNCTIONS_DIR, "/var/task"), with_bytecode=True, level=level, source=FUNCTIONS_DIR
    )
    layer = zip_asset(build_code_asset(LAYER_DIR, "/opt"), with_bytecode=True, level=level, source=LAYER_DIR)
    deps = zip_asset(dependencies.build_layer(dependencies.LAMBDA), with_bytecode=True, level=level)
    per_function = {spec.id: functions["zipped_bytes"] for spec in FUNCTIONS}
    assets = (functions, layer, deps)
    return {
        "functions_asset": functions,
        "common_layer": layer,
        "dependencies_layer": deps,
        "per_function_zipped_bytes": per_function,
        "boto3_bundled": "boto3" in deps["bundled_sdks"],
        "sdk_in_code_assets": functions["bundled_sdks"] + layer["bundled_sdks"],
        "within_quotas": sum(a["zipped_bytes"] for a in assets) < ZIPPED_QUOTA
        and sum(a["unzipped_bytes"] for a in assets) < UNZIPPED_QUOTA,
    }
