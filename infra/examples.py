"""`/examples.json`: the repository's ready-to-run workflow files (examples/*.yaml), for the web editor's "Start
from an example". The local stack serves it and the CDK web construct deploys it, both from this one function, so
the app offers the files the repository holds, as they are written (comments included)."""

from __future__ import annotations

from typing import Any

import yaml

from infra.catalog import REPO_ROOT

EXAMPLES_DIR = REPO_ROOT / "examples"
# The order a newcomer meets them in: plain steps first, then blocks, then people and other workflows.
ORDER = ("transform", "wait", "http", "ai", "choice", "parallel", "map", "approval", "workflow")


def examples_document() -> list[dict[str, Any]]:
    """Each example: its file, the workflow's name and description, and its text."""
    files = sorted(EXAMPLES_DIR.glob("*.yaml"), key=lambda path: (_rank(path.stem), path.stem))
    return [_example(path.name, path.read_text()) for path in files]


def _rank(stem: str) -> int:
    return ORDER.index(stem) if stem in ORDER else len(ORDER)


def _example(file: str, text: str) -> dict[str, Any]:
    document = yaml.safe_load(text)
    return {"file": file, "name": document["name"], "description": document.get("description"), "text": text}
