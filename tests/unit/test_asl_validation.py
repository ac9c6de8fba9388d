"""Every compiled machine is one AWS accepts, checked by an independent validator (asl-validator, from npm).

moto accepts definitions Step Functions refuses (an unreachable state: MISSING_TRANSITION_TARGET), so the
compiler's output is checked here by asl-validator, installed by `make install` from package-lock.json, on
workflows hypothesis generates over every step type and option combination (and nested in a test-only block
kind: sub-machines), and on the golden files.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.catalog import REPO_ROOT
from tests.support.group_kind import GroupStep, register_group_kind
from workflow_engine.asl.compiler import CompileTarget, compile_workflow, reachable_states
from workflow_engine.asl.machine import path_keys
from workflow_engine.asl.names import ENGINE_PATH_KEYS
from workflow_engine.models.workflow import WorkflowDefinition

VALIDATOR = REPO_ROOT / "node_modules" / ".bin" / "asl-validator"
GOLDEN = Path(__file__).parent / "golden"
TARGET = CompileTarget(
    function_arns={t: f"arn:aws:lambda:us-east-1:123456789012:function:{t}" for t in ("transform", "http", "ai")},
    executions_table="executions",
)
CONFIGS = {
    "transform": st.sampled_from([{"expression": "input"}, {"expression": "{a: input.a, n: length(steps)}"}]),
    "http": st.sampled_from(
        [
            {"url": "https://example.com/x"},
            {"url": "https://example.com/{{input.id}}", "method": "post", "body": {}},
            # keys Step Functions would evaluate if they were keys of the machine (they travel as JSON text)
            {"url": "https://example.com/x", "headers": {"X-Role.$": "$$.Execution.RoleArn"}, "body": {"x.$": "$$"}},
        ]
    ),
    "ai": st.sampled_from([{"prompt": "Hello"}, {"prompt": "Sum {{input}}", "max_tokens": 10}]),
    "wait": st.sampled_from([{"seconds": 0}, {"seconds": 5}]),
}


@st.composite
def steps(draw, prefix=""):
    count = draw(st.integers(min_value=1, max_value=6))
    result = []
    for index in range(count):
        kind = draw(st.sampled_from(sorted(CONFIGS)))
        step = {"name": f"{prefix}Step {index} ({kind})", "type": kind, "config": draw(CONFIGS[kind])}
        if kind != "wait":
            if draw(st.booleans()):
                step["timeout_seconds"] = draw(st.integers(min_value=1, max_value=900))
            if draw(st.booleans()):
                step["retry"] = {
                    "max_attempts": draw(st.integers(min_value=1, max_value=4)),
                    "interval_seconds": draw(st.integers(min_value=1, max_value=5)),
                    "backoff_rate": draw(st.sampled_from([1.0, 1.5, 2.0])),
                }
            step["continue_on_error"] = draw(st.booleans())
        result.append(step)
    return result


def validate(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    assert VALIDATOR.exists(), f"{VALIDATOR} is missing: run `make install` (npm ci installs asl-validator)"
    arguments = [argument for path in paths for argument in ("--json-path", str(path))]
    return subprocess.run([str(VALIDATOR), *arguments], capture_output=True, text=True, timeout=120)


def compile_steps(raw: list[dict]) -> dict:
    definition = WorkflowDefinition(name="generated", steps=raw)
    return compile_workflow("11111111-1111-4111-8111-111111111111", "user-1", definition.steps, TARGET)


def test_golden_files_are_valid_asl():
    result = validate(sorted(GOLDEN.glob("*.asl.json")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_refuses_an_unreachable_state(tmp_path):
    """The check can fail: a machine with a state nothing leads to is refused, as Step Functions refuses it."""
    asl = compile_steps([{"name": "nap", "type": "wait", "config": {"seconds": 1}}])
    asl["States"]["orphan"] = {"Type": "Pass", "End": True}
    path = tmp_path / "orphan.asl.json"
    path.write_text(json.dumps(asl))
    result = validate([path])
    assert result.returncode != 0 and "MISSING_TRANSITION_TARGET" in result.stdout + result.stderr


collected: list[dict] = []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps())
def _collect(raw):
    asl = compile_steps(raw)
    assert reachable_states(asl["States"], asl["StartAt"]) == asl["States"]
    assert set(path_keys(asl)) <= ENGINE_PATH_KEYS
    collected.append(asl)


@pytest.mark.parametrize(
    "fixed",
    [
        [{"name": "only waits", "type": "wait", "config": {"seconds": 1}}],
        [
            {"name": "a", "type": "transform", "config": {"expression": "input"}, "continue_on_error": True},
            {"name": "b", "type": "ai", "config": {"prompt": "x"}, "continue_on_error": True},
        ],
    ],
    ids=["wait-only", "all-continue-on-error"],
)
def test_machines_without_a_failure_path_are_valid(tmp_path, fixed):
    asl = compile_steps(fixed)
    assert "$record failure" not in asl["States"] and "$record timeout" not in asl["States"]
    path = tmp_path / "machine.asl.json"
    path.write_text(json.dumps(asl))
    result = validate([path])
    assert result.returncode == 0, result.stdout + result.stderr


@st.composite
def grouped(draw):
    """Workflows whose steps the test-only group kind nests (tests/support/group_kind.py): sub-machines, nested
    path keys and the end state of a list whose last step continues past an error."""
    top = compile_ready(draw(steps(prefix="top ")))
    position = draw(st.integers(min_value=0, max_value=len(top)))
    lists = [compile_ready(draw(steps(prefix=f"g{j} "))) for j in range(draw(st.integers(min_value=1, max_value=3)))]
    return [*top[:position], GroupStep("the group", lists), *top[position:]]


def compile_ready(raw: list[dict]) -> list:
    return WorkflowDefinition(name="generated", steps=raw).steps


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grouped())
def _collect_grouped(tree):
    asl = compile_workflow("11111111-1111-4111-8111-111111111111", "user-1", tree, TARGET)
    assert set(path_keys(asl)) <= ENGINE_PATH_KEYS
    collected.append(asl)


def test_generated_workflows_compile_to_valid_asl(tmp_path):
    register_group_kind()
    collected.clear()
    _collect()
    _collect_grouped()
    assert len(collected) >= 45
    paths = []
    for index, asl in enumerate(collected):
        path = tmp_path / f"generated-{index}.asl.json"
        path.write_text(json.dumps(asl))
        paths.append(path)
    result = validate(paths)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def _leaf(name: str, **options) -> dict:
    return {"name": name, "type": "transform", "config": {"expression": "input"}, **options}


BLOCK_WORKFLOWS = [
    # a choice inside a map inside a parallel; inner steps continuing on error; a retried choice (wrapped)
    [
        _leaf("first"),
        {
            "name": "fan out",
            "type": "parallel",
            "retry": {"max_attempts": 2},
            "config": {
                "branches": [
                    {
                        "name": "per item",
                        "steps": [
                            {
                                "name": "each 'item'",
                                "type": "map",
                                "continue_on_error": True,
                                "config": {
                                    "items": "input.items",
                                    "max_concurrency": 3,
                                    "steps": [
                                        {
                                            "name": 'route "it"',
                                            "type": "choice",
                                            "config": {
                                                "branches": [
                                                    {
                                                        "when": {
                                                            "all": [
                                                                {"path": "item.n", "op": "gt", "value": 1},
                                                                {"not": {"path": "index", "op": "eq", "value": 0}},
                                                            ]
                                                        },
                                                        "steps": [_leaf("big", continue_on_error=True)],
                                                    }
                                                ],
                                                "otherwise": [_leaf("small")],
                                            },
                                        }
                                    ],
                                },
                            }
                        ],
                    },
                    {"name": "other", "steps": [_leaf("lane", continue_on_error=True)]},
                ]
            },
        },
        {
            "name": "after",
            "type": "choice",
            "retry": {"max_attempts": 3},
            "continue_on_error": True,
            "config": {
                "branches": [
                    {
                        "when": {"path": 'steps."first".output.kind', "op": "matches", "value": "a*"},
                        "steps": [_leaf("a1")],
                    }
                ]
            },
        },
        {
            "name": "no otherwise",
            "type": "choice",
            "config": {"branches": [{"when": {"path": "input.x", "op": "missing"}, "steps": [_leaf("b1")]}]},
        },
    ],
]


def test_block_workflows_compile_to_valid_asl(tmp_path):
    paths = []
    for index, raw in enumerate(BLOCK_WORKFLOWS):
        path = tmp_path / f"blocks-{index}.asl.json"
        path.write_text(json.dumps(compile_steps(raw)))
        paths.append(path)
    result = validate(paths)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
