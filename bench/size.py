"""Deployment size: each Lambda asset zipped as the CDK stack packages it (infra/constructs/functions.py).

`Code.from_asset(functions/)` is one asset shared by every function (each runs its own handler from it), and
`Code.from_asset(layers/common)` is the shared code layer; both exclude `**/__pycache__` and `*.pyc`. boto3
comes from the Lambda runtime and Powertools (with pydantic and the X-Ray SDK) from the public Powertools
layer, so neither may be in our assets: checked here.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from infra.catalog import FUNCTIONS, FUNCTIONS_DIR, LAYER_DIR, REPO_ROOT

# Lambda quotas: 50 MB zipped for a direct upload, 250 MB unzipped for a function and all its layers.
ZIPPED_QUOTA = 50 * 1024 * 1024
UNZIPPED_QUOTA = 250 * 1024 * 1024
FORBIDDEN = ("boto3", "botocore", "s3transfer", "aws_lambda_powertools", "pydantic", "aws_xray_sdk")


def _excluded(path: Path) -> bool:
    return "__pycache__" in path.parts or path.suffix == ".pyc"


def zip_asset(directory: Path) -> dict[str, Any]:
    files = sorted(p for p in directory.rglob("*") if p.is_file() and not _excluded(p.relative_to(directory)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            archive.write(path, path.relative_to(directory).as_posix())
    bundled = sorted({part for p in files for part in p.relative_to(directory).parts if part in FORBIDDEN})
    return {
        "directory": directory.relative_to(REPO_ROOT).as_posix(),
        "files": len(files),
        "zipped_bytes": len(buffer.getvalue()),
        "unzipped_bytes": sum(p.stat().st_size for p in files),
        "bundled_sdks": bundled,
    }


def run() -> dict[str, Any]:
    functions, layer = zip_asset(FUNCTIONS_DIR), zip_asset(LAYER_DIR)
    per_function = {spec.id: functions["zipped_bytes"] for spec in FUNCTIONS}
    return {
        "functions_asset": functions,
        "common_layer": layer,
        "per_function_zipped_bytes": per_function,
        "boto3_bundled": bool(functions["bundled_sdks"] or layer["bundled_sdks"]),
        "within_quotas": functions["zipped_bytes"] + layer["zipped_bytes"] < ZIPPED_QUOTA
        and functions["unzipped_bytes"] + layer["unzipped_bytes"] < UNZIPPED_QUOTA,
    }
