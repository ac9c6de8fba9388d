#!/usr/bin/env python3
"""CDK entry point: synthesizes the WorkflowEngine stack (with the cdk-nag AwsSolutions checks) offline."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
for path in (ROOT, ROOT / "layers" / "common" / "python"):  # infra.*, and workflow_engine.platform.tables
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from infra.stack import build_app  # noqa: E402


def main() -> None:
    app, _ = build_app(outdir=os.environ.get("CDK_OUTDIR", "cdk.out"))
    app.synth()


if __name__ == "__main__":
    main()
