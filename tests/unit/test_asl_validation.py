"""Every compiled machine is one AWS accepts, checked by an independent validator (asl-validator, from npm).

moto accepts definitions Step Functions refuses (an unreachable state: MISSING_TRANSITION_TARGET), so the
compiler's output is checked here by asl-validator, installed by `make install` from package-lock.json, on
workflows hypothesis generates over every step type and option combination (and nested in a test-only block
kind: sub-machines), and on the golden files.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from infra.catalog import REPO_ROOT
from tests.support.group_kind import GroupStep, register_group_kind
from workflow_engine.asl.compiler import CompileTarget, compile_workflow, reachable_states
from workflow_engine.asl.machine import path_keys
from workflow_engine.asl.names import ENGINE_PATH_KEYS
from workflow_engine.models.conditions import Op
from workflow_engine.models.step_tree import StepTree
from workflow_engine.models.workflow import WorkflowDefinition
from workflow_engine.models.workflow_rules import depth

VALIDATOR = REPO_ROOT / "node_modules" / ".bin" / "asl-validator"
GOLDEN = Path(__file__).parent / "golden"
TARGET = CompileTarget(
    function_arns={
        t: f"arn:aws:lambda:us-east-1:123456789012:function:{t}"
        for t in ("transform", "http", "ai", "approval", "workflow")
    },
    executions_table="executions",
    workflows_table="workflows",
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
    "approval": st.sampled_from([{"message": "OK?"}, {"message": "Pay {{ input.amount }}?", "timeout_seconds": 60}]),
    "workflow": st.sampled_from(
        [
            {"workflow_id": "0b6f3c1e-2d4a-4f5b-9c8d-7e6f5a4b3c2d"},
            {"workflow_id": "0b6f3c1e-2d4a-4f5b-9c8d-7e6f5a4b3c2d", "input": {"order": "{{ input.order }}", "x.$": 1}},
        ]
    ),
}


@st.composite
def steps(draw, prefix=""):
    count = draw(st.integers(min_value=1, max_value=6))
    result = []
    for index in range(count):
        kind = draw(st.sampled_from(sorted(CONFIGS)))
        step = {"name": f"{prefix}Step {index} ({kind})", "type": kind, "config": draw(CONFIGS[kind])}
        if kind != "wait":
            if kind != "approval" and draw(st.booleans()):  # an approval's wait is bounded by its config
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


# --- nested blocks -------------------------------------------------------------------------------------------
# Names with spaces and both quotes, unique across the tree (a counter per example); field names with spaces.
MAX_NESTED_STEPS = 100
MAX_NESTING = 4
SCALARS = st.one_of(
    st.text(alphabet="ab *\\'\"é", max_size=6), st.integers(-5, 5), st.floats(-10, 10, allow_nan=False), st.booleans()
)
ORDERED = st.one_of(st.text(alphabet="ab z", max_size=4), st.integers(-5, 5), st.floats(-10, 10, allow_nan=False))
FIELDS = st.sampled_from(['"the total"', "n", 'order."line items"[0].sku', "x[2]", '"é ü"', "a.b"])


@dataclass
class Budget:
    """What a generated workflow may still add. `left`: steps not yet placed (the 100-step rule); `reserved`:
    of those, one per step list opened and still empty (each list holds a step); `names`: the last name's number."""

    left: int = MAX_NESTED_STEPS
    reserved: int = 0
    names: int = 0
    maps: int = 0  # one map per workflow, no map or parallel inside it: the history budget (models.history_budget)

    @property
    def spare(self) -> int:
        return self.left - self.reserved

    def name(self, kind: str) -> str:
        self.names += 1
        return f'{kind} {self.names} "q" it\'s'


def quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def field_path(draw, visible: tuple[str, ...], in_map: bool) -> str:
    roots = ["input"] + (["steps"] if visible else []) + (["item", "index"] if in_map else [])
    root = draw(st.sampled_from(roots))
    if root == "index":
        return "index"
    if root == "steps":
        return f"steps.{quoted(draw(st.sampled_from(visible)))}.output.{draw(FIELDS)}"
    return f"{root}.{draw(FIELDS)}"


@st.composite
def comparison(draw, visible: tuple[str, ...], in_map: bool) -> dict:
    op = draw(st.sampled_from(list(Op.__args__)))
    condition = {"path": draw(field_path(visible, in_map)), "op": op}
    if op in ("eq", "ne"):
        condition["value"] = draw(SCALARS)
    elif op in ("gt", "ge", "lt", "le"):
        condition["value"] = draw(ORDERED)
    elif op == "matches":
        condition["value"] = draw(st.text(alphabet="a*\\'\" ", min_size=1, max_size=6))
    return condition


def condition(visible: tuple[str, ...], in_map: bool) -> st.SearchStrategy[dict]:
    return st.recursive(
        comparison(visible, in_map),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda conditions: {"all": conditions}),
            st.lists(inner, min_size=1, max_size=3).map(lambda conditions: {"any": conditions}),
            inner.map(lambda condition: {"not": condition}),
        ),
        max_leaves=5,
    )


@st.composite
def nested_steps(draw, budget: Budget, depth: int, visible: tuple[str, ...], in_map: bool) -> list[dict]:
    """A step list at `depth` (blocks enclosing it): leaves and, above the deepest level, blocks. Its first step
    was reserved by the caller (Budget.reserved); later ones come from the spare steps."""
    result: list[dict] = []
    seen = list(visible)  # the steps an inner field path may read: those before it in this list or outside
    budget.reserved -= 1
    for position in range(draw(st.integers(min_value=1, max_value=4))):
        if position and budget.spare < 1:
            break
        budget.left -= 1
        blocks = [
            kind
            for kind, lists in BLOCK_LISTS.items()
            if depth < MAX_NESTING
            and budget.spare >= lists
            and not (kind == "map" and budget.maps)
            and not (in_map and kind != "choice")
        ]
        kind = draw(st.sampled_from(["leaf", "leaf", *blocks]))
        if kind == "leaf":
            leaf_kind = draw(st.sampled_from(sorted(kind for kind in CONFIGS if not (in_map and kind == "approval"))))
            step = {"name": budget.name(leaf_kind), "type": leaf_kind, "config": draw(CONFIGS[leaf_kind])}
            if leaf_kind != "wait":
                step["continue_on_error"] = draw(st.booleans())
        else:
            step = draw(block(kind, budget, depth, tuple(seen), in_map))
        result.append(step)
        if step["type"] != "wait":
            seen.append(step["name"])
    if all(step["type"] == "wait" for step in result):  # each list needs a step that leaves an output
        result[-1] = {**result[-1], "type": "transform", "config": {"expression": "input"}}
    return result


BLOCK_LISTS = {"choice": 1, "parallel": 2, "map": 1}  # the fewest step lists of each block


def lists_of(draw, budget: Budget, fewest: int, most: int) -> int:
    """How many step lists a block opens (within the spare steps), reserved at once."""
    count = draw(st.integers(min_value=fewest, max_value=max(fewest, min(most, budget.spare))))
    budget.reserved += count
    return count


@st.composite
def block(draw, kind: str, budget: Budget, depth: int, visible: tuple[str, ...], in_map: bool) -> dict:
    name = budget.name(kind)
    inner = depth + 1
    if kind == "choice":
        count = lists_of(draw, budget, 1, 4)  # with `otherwise` as the last one, or not
        otherwise = count > 1 and draw(st.booleans())
        branches = [
            {"when": draw(condition(visible, in_map)), "steps": draw(nested_steps(budget, inner, visible, in_map))}
            for _ in range(count - otherwise)
        ]
        config: dict = {"branches": branches}
        if otherwise:
            config["otherwise"] = draw(nested_steps(budget, inner, visible, in_map))
    elif kind == "parallel":
        count = lists_of(draw, budget, 2, 4)
        config = {
            "branches": [
                {"name": f"lane {j} of {budget.names}", "steps": draw(nested_steps(budget, inner, visible, in_map))}
                for j in range(count)
            ]
        }
    else:
        budget.maps += 1
        lists_of(draw, budget, 1, 1)
        config = {
            "items": draw(field_path(visible, in_map).filter(lambda path: path != "index")),
            "steps": draw(nested_steps(budget, inner, visible, True)),
        }
        if draw(st.booleans()):
            config["max_concurrency"] = draw(st.integers(min_value=1, max_value=40))
    step = {"name": name, "type": kind, "config": config}
    if draw(st.booleans()):
        step["retry"] = {"max_attempts": draw(st.integers(min_value=1, max_value=4))}
    step["continue_on_error"] = draw(st.booleans())
    return step


@st.composite
def nested_workflows(draw) -> list[dict]:
    budget = Budget(left=draw(st.integers(min_value=10, max_value=MAX_NESTED_STEPS)), reserved=1)
    return draw(nested_steps(budget, 0, (), False))


def shape(raw: list[dict]) -> tuple[int, int]:
    """(steps in all, deepest nesting) of a workflow, as models.workflow_rules counts them."""
    nodes = list(StepTree(WorkflowDefinition(name="shape", steps=raw).steps).walk())
    return len(nodes), max(depth(node) for node in nodes)


def largest_workflow() -> list[dict]:
    """100 steps, blocks 4 deep (a choice in a map in a parallel in a choice), each holding leaves: the limits
    (the map holds a choice of 3 Lambda steps per run of an iteration: within the history budget)."""
    names = iter(range(1, 101))

    def leaves(count: int) -> list[dict]:
        return [_leaf(f'leaf {next(names)} "q" it\'s') for _ in range(count)]

    deepest = {
        "name": 'route "it"',
        "type": "choice",
        "config": {
            "branches": [{"when": {"path": "item.n", "op": "gt", "value": 1}, "steps": leaves(1)}],
            "otherwise": leaves(2),
        },
    }
    each = {"name": "each", "type": "map", "config": {"items": "input.items", "steps": [deepest, *leaves(1)]}}
    lanes = [{"name": "deep", "steps": [each]}, {"name": "wide", "steps": leaves(10)}]
    outer = {
        "name": "route",
        "type": "choice",
        "config": {
            "branches": [
                {
                    "when": {"path": "input.n", "op": "gt", "value": 1},
                    "steps": [{"name": "fan", "type": "parallel", "config": {"branches": lanes}}],
                },
            ],
            "otherwise": leaves(10),
        },
    }
    raw = [*leaves(5), outer]
    raw.extend(leaves(MAX_NESTED_STEPS - shape(raw)[0]))
    return raw


nested_collected: list[dict] = []
nested_shapes: list[tuple[int, int]] = []


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(nested_workflows())
def _collect_nested(raw):
    try:
        WorkflowDefinition(name="budget", steps=raw)
    except ValidationError as error:  # a choice of many Lambda steps inside the map passes the history budget
        assume("history events" not in str(error))
        raise
    nested_shapes.append(shape(raw))  # the model accepts it: within 100 steps, depth 4, names unique, paths visible
    asl = compile_steps(raw)
    assert reachable_states(asl["States"], asl["StartAt"]) == asl["States"]
    nested_collected.append(asl)


def test_generated_nested_blocks_compile_to_valid_asl(tmp_path):
    """About 25 generated workflows (asl-validator takes about a second per nested machine), and the largest."""
    nested_collected.clear()
    nested_shapes.clear()
    _collect_nested()
    assert len(nested_collected) >= 20
    assert max(depth for _, depth in nested_shapes) == MAX_NESTING, nested_shapes  # most examples reach it
    largest = largest_workflow()
    assert shape(largest) == (MAX_NESTED_STEPS, MAX_NESTING)
    paths = []
    for index, asl in enumerate([*nested_collected, compile_steps(largest)]):
        path = tmp_path / f"nested-{index}.asl.json"
        path.write_text(json.dumps(asl))
        paths.append(path)
    result = validate(paths)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


README_EXAMPLE = re.compile(r"<!-- control-flow-example: (.*?) -->\n```json\n(.*?)\n```", re.DOTALL)


def readme_control_flow_examples() -> list[tuple[dict, dict]]:
    """README "Control flow": each example's workflow body and its run (`input_data`, `output_data`)."""
    text = (REPO_ROOT / "README.md").read_text()
    return [(json.loads(body), json.loads(run)) for run, body in README_EXAMPLE.findall(text)]


def test_readme_control_flow_examples(tmp_path):
    examples = readme_control_flow_examples()
    assert [body["steps"][0]["type"] for body, _ in examples] == ["choice", "parallel", "map"]
    paths = []
    for index, (body, _) in enumerate(examples):
        definition = WorkflowDefinition.model_validate(body)
        path = tmp_path / f"readme-{index}.asl.json"
        path.write_text(
            json.dumps(compile_workflow("11111111-1111-4111-8111-111111111111", "u", definition.steps, TARGET))
        )
        paths.append(path)
    result = validate(paths)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
