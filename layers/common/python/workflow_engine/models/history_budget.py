"""How many history events a run of a workflow can write, at worst, against the 25,000 a Standard execution holds.

A pure estimate over the step tree, per state kind, for a run where every step succeeds at its first attempt
and every map gets MAX_MAP_ITEMS items (nested maps multiply). The figures are the events Step Functions
writes per state, as AWS documents them (GetExecutionHistory); bench/blocks.py counts them in moto's
history of the compiled machines and reports both (moto writes the same events for each state kind):

- a Lambda step (a `lambda:invoke` Task): Entered, Scheduled, Started, Succeeded, Exited: 5;
- a Pass, Choice or Wait state: Entered, Exited: 2;
- a Map or Parallel state: Entered, Started, Succeeded, Exited: 4; each map iteration: IterationStarted,
  IterationSucceeded: 2, plus the states it runs;
- the engine's states: ExecutionStarted and ExecutionSucceeded (2), "$mark running" and "$record success"
  (DynamoDB tasks, 5 each).

Per block: a choice is its Choice and its rejoining Pass (2 + 2) plus its longest branch (+4 when wrapped in a
Parallel for retry or continue_on_error); a parallel is 4 plus all its branches; a map is its guard (2, asl.
map_guard), 4, and 1,000 iterations of 2 plus its steps. Retries are not counted: each retried attempt of a
Lambda step adds 3 more (Scheduled, Started, Failed), so a run retrying inside every iteration can pass an
estimate that held; the estimate refuses what fails on the success path.

A workflow step (asl.child) is a Parallel (4) of: the child workflow's lookup and the child's item (DynamoDB
tasks, 5 each), the depth Choice and the level Pass (2 each), the prepare Lambda (5) and the `.sync:2` start (6: a
`.sync` task also writes TaskSubmitted): CHILD_STEP_EVENTS, 29 (moto's history of a parent has exactly these).
The child's own steps are in the child's history, not the parent's.

Step kinds come from the step registry (models.step_types: every "lambda" kind is one Task); the native kinds
are counted here, in one table (`_NATIVE`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workflow_engine.models.block_configs import MAX_MAP_ITEMS
from workflow_engine.models.step_tree import StepNode, StepTree
from workflow_engine.models.step_types import STEP_TYPES

HISTORY_LIMIT = 25_000
TASK_EVENTS = 5
SIMPLE_STATE_EVENTS = 2  # Pass, Choice, Wait
BLOCK_STATE_EVENTS = 4  # Map, Parallel
ITERATION_EVENTS = 2
ENGINE_EVENTS = 2 + 2 * TASK_EVENTS  # the execution's start and end, "$mark running", "$record success"
CHILD_STEP_EVENTS = BLOCK_STATE_EVENTS + 4 * TASK_EVENTS + 1 + 2 * SIMPLE_STATE_EVENTS  # a workflow step (asl.child)


@dataclass(frozen=True)
class MapEstimate:
    """A map step's worst case: the events it can add, and the Lambda steps inside it (for the message)."""

    name: str
    events: int
    lambda_steps: int

    def refusal(self) -> str:
        return (
            f"map {self.name!r} could add {self.events:,} history events at {MAX_MAP_ITEMS:,} items "
            f"({self.lambda_steps} Lambda step{'s' if self.lambda_steps != 1 else ''} inside); a run's history "
            f"holds {HISTORY_LIMIT:,}: put fewer steps inside, or split the workflow"
        )


class HistoryEstimate:
    """The worst-case events of one workflow's run (`total`) and of each map in it (`maps`)."""

    def __init__(self, tree: StepTree) -> None:
        self._tree = tree
        self.maps: list[MapEstimate] = []
        self.total = ENGINE_EVENTS + self._list(tree.top)

    def _list(self, nodes: tuple[StepNode, ...]) -> int:
        return sum(self._step(node) for node in nodes)

    def _step(self, node: StepNode) -> int:
        step_type = STEP_TYPES[node.step.type]
        if step_type.name == "workflow":
            return CHILD_STEP_EVENTS
        if step_type.kind == "lambda":
            return TASK_EVENTS
        return _NATIVE[step_type.name](self, node)

    def _choice(self, node: StepNode) -> int:
        step = node.step
        wrapped = BLOCK_STATE_EVENTS if step.retry is not None or step.continue_on_error else 0
        branches = [self._list(nodes) for nodes in self._tree.lists_of(node)]
        return wrapped + 2 * SIMPLE_STATE_EVENTS + max(branches, default=0)

    def _parallel(self, node: StepNode) -> int:
        return BLOCK_STATE_EVENTS + sum(self._list(nodes) for nodes in self._tree.lists_of(node))

    def _map(self, node: StepNode) -> int:
        [nodes] = self._tree.lists_of(node)
        events = SIMPLE_STATE_EVENTS + BLOCK_STATE_EVENTS + MAX_MAP_ITEMS * (ITERATION_EVENTS + self._list(nodes))
        lambdas = sum(1 for inner in self._tree.descendants(node) if STEP_TYPES[inner.step.type].kind == "lambda")
        self.maps.append(MapEstimate(node.name, events, lambdas))
        return events

    def _wait(self, node: StepNode) -> int:
        return SIMPLE_STATE_EVENTS

    def over_budget(self) -> MapEstimate | None:
        """When the run could pass the budget, the map adding the most events (of nested maps, the outermost);
        None when it fits."""
        if self.total <= HISTORY_LIMIT:
            return None
        return max(self.maps, key=lambda estimate: estimate.events, default=None)


_NATIVE: dict[str, Callable[[HistoryEstimate, StepNode], int]] = {
    "wait": HistoryEstimate._wait,
    "choice": HistoryEstimate._choice,
    "parallel": HistoryEstimate._parallel,
    "map": HistoryEstimate._map,
}


def check_history_budget(tree: StepTree) -> None:
    """Refuse a workflow whose run could write more history events than an execution holds, naming the map."""
    estimate = HistoryEstimate(tree)
    culprit = estimate.over_budget()
    if culprit is not None:
        raise ValueError(culprit.refusal())
    if estimate.total > HISTORY_LIMIT:  # no map: 100 steps cannot get there, kept for a new kind that could
        raise ValueError(f"a run could write {estimate.total:,} history events; it holds {HISTORY_LIMIT:,}")
