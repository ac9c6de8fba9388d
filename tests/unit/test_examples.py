"""examples/: every step type and block has a ready-to-run file with a comment header and an input_example, and
each is a valid definition (the API's model; `@name` child references as wfe sends them: an id). Running them
against the local stack: tests/e2e/test_examples_e2e.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.catalog import REPO_ROOT
from wfe.references import resolve_names
from workflow_engine.models.step_tree import StepTree
from workflow_engine.models.step_types import STEP_TYPES
from workflow_engine.models.workflow import WorkflowDefinition

EXAMPLES = sorted((REPO_ROOT / "examples").glob("*.yaml"))
SOME_ID = "00000000-0000-4000-8000-000000000000"


def test_every_step_type_has_an_example_of_its_own() -> None:
    assert {path.stem for path in EXAMPLES} == {step_type.name for step_type in STEP_TYPES}


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_an_example_says_what_it_shows_and_is_valid(path: Path) -> None:
    text = path.read_text()
    assert text.startswith(f"# Example: {path.stem}."), "the header names the example"
    assert f"wfe workflows create -f examples/{path.name}" in text, "the header says how to run it"
    document = yaml.safe_load(text)
    assert document["name"] == f"Example: {path.stem}"
    definition = WorkflowDefinition.model_validate(resolve_names(document, lambda _: SOME_ID))
    assert isinstance(definition.input_example, dict)
    assert path.stem in {node.step.type for node in StepTree(definition.steps).walk()}
