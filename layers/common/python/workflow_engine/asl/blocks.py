"""The block kinds: `choice` -> a native Choice, `parallel` -> a Parallel, `map` -> an inline Map (JSONPath ASL).

Every block leaves `$.results.<its key>.output` (DESIGN "Control flow"):

- choice: the Choice state is named by the step; each branch's steps chain inline in the same machine and
  rejoin at a Pass ("$chosen <key> b<i>") that writes `{"branch": i | "otherwise", "output": <its last step's
  output>}`; with no branch taken and no `otherwise`, a Pass writes `{"branch": null, "output": null}`. A
  choice with `retry` or `continue_on_error` runs inside a one-branch Parallel named by the step (its Choice is
  then "$choose <key>"), so the retry and the catch apply to the whole block.
- parallel: Branches are sub-machines; each ends with its last step's output (an `OutputPath` on its end
  states, so no branch carries its document back), and the ResultSelector names them:
  `{"<branch name>": <output>}` (the only `.$` keys built from user data: branch names, checked against
  models.block_configs.BRANCH_NAME and allowed one by one by `branch_output_keys`).
- map: ItemsPath is the `items` field path; each iteration's document is the context plus `item` and `index`
  (ItemSelector with `$$.Map.Item.Value`/`Index`); an iteration ends with its last step's output, so the
  Map's result is the list of outputs in item order. The step starts at its guard, "$items <key>"
  (asl.map_guard: more than 1,000 items, or not a list, fails the step before the Map runs).

Retry and continue_on_error on a parallel or map apply to the whole block (its state's Retry and Catch).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from workflow_engine.asl.conditions import condition_rule, json_path
from workflow_engine.asl.kinds import Scope, StepContext
from workflow_engine.asl.machine import reachable_states
from workflow_engine.asl.map_guard import guard_name, guard_states
from workflow_engine.asl.names import CHOOSE_PREFIX, CHOSEN_PREFIX, result_path
from workflow_engine.asl.registry import entry_state, kind_of, register_kind
from workflow_engine.asl.task import catchers, continued_states
from workflow_engine.models.field_paths import parse_field_path
from workflow_engine.models.step_tree import StepNode, StepTree
from workflow_engine.models.workflow_rules import visible_steps


def last_result_key(nodes: Sequence[StepNode]) -> str:
    """The key of the last step of a list that leaves a result (models.workflow refuses a list without one)."""
    return [node.key for node in nodes if kind_of(node.step).produces_result][-1]


def user_retriers(step: Any) -> list[dict[str, Any]]:
    """The step's own retry policy, for the whole block (the steps inside retry Lambda faults themselves)."""
    if not step.retry or step.retry.max_attempts <= 1:
        return []
    return [
        {
            "ErrorEquals": ["States.ALL"],
            "IntervalSeconds": step.retry.interval_seconds,
            "MaxAttempts": step.retry.max_attempts - 1,
            "BackoffRate": step.retry.backoff_rate,
        }
    ]


def output_machine(nodes: Sequence[StepNode], scope: Scope) -> dict[str, Any]:
    """A sub-machine running `nodes` whose output is its last step's output (not the whole document)."""
    states = scope.compiler.chain(nodes, scope.nested(), None)
    output = f"{result_path(last_result_key(nodes))}.output"
    for state in states.values():
        if state.get("End"):
            state["OutputPath"] = output
    start = entry_state(nodes[0])
    return {"StartAt": start, "States": reachable_states(states, start)}


def as_whole_block(context: StepContext, state: dict[str, Any]) -> dict[str, Any]:
    """`state` (a Parallel or Map) with the step's result path, retry and catch; plus its continue state."""
    state["ResultPath"] = result_path(context.key)
    retry = user_retriers(context.step)
    if retry:
        state["Retry"] = retry
    catch = catchers(context)
    if catch:
        state["Catch"] = catch
    return {context.step.name: context.continue_to(state), **continued_states(context)}


class ParallelKind:
    produces_result = True
    writes_logs = False

    def compile(self, context: StepContext) -> dict[str, Any]:
        lists = context.scope.tree.lists_of(context.node)
        names = [branch.name for branch in context.step.config.branches]
        state: dict[str, Any] = {
            "Type": "Parallel",
            "Branches": [output_machine(nodes, context.scope) for nodes in lists],
            "ResultSelector": {"output": {f"{name}.$": f"$[{index}]" for index, name in enumerate(names)}},
        }
        return as_whole_block(context, state)


class MapKind:
    produces_result = True
    writes_logs = False

    def compile(self, context: StepContext) -> dict[str, Any]:
        config = context.step.config
        steps = step_keys(context.scope.tree, context.node)
        [nodes] = context.scope.tree.lists_of(context.node)
        items = json_path(parse_field_path(config.items), steps)
        state: dict[str, Any] = {
            "Type": "Map",
            "ItemsPath": items,
            "MaxConcurrency": config.max_concurrency,
            "ItemSelector": {
                "input.$": "$.input",
                "results.$": "$.results",
                "item.$": "$$.Map.Item.Value",
                "index.$": "$$.Map.Item.Index",
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                **output_machine(nodes, context.scope),
            },
            "ResultSelector": {"output.$": "$"},
        }
        return {**guard_states(context, items, config.items), **as_whole_block(context, state)}

    def entry_state(self, node: StepNode) -> str:
        return guard_name(node.key)


def step_keys(tree: StepTree, node: StepNode) -> dict[str, str]:
    """Name -> path key of the steps a block's field paths may read (models.workflow_rules.visible_steps)."""
    return {seen.name: seen.key for seen in visible_steps(tree, node)}


class ChoiceKind:
    produces_result = True
    writes_logs = False

    def compile(self, context: StepContext) -> dict[str, Any]:
        step = context.step
        if step.retry is None and not step.continue_on_error:
            return self._choice(step.name, context)
        # Retried or caught as a whole: the Choice and its branches run in a one-branch Parallel.
        inner = StepContext(context.node, context.scope.nested(), None, None)
        states = self._choice(f"{CHOOSE_PREFIX}{context.key}", inner)
        start = f"{CHOOSE_PREFIX}{context.key}"
        state = {
            "Type": "Parallel",
            "Branches": [{"StartAt": start, "States": reachable_states(states, start)}],
            "ResultSelector": {"output.$": f"$[0].results.{context.key}.output"},
        }
        return as_whole_block(context, state)

    def _choice(self, name: str, context: StepContext) -> dict[str, Any]:
        """The Choice named `name`, its branches inline and their rejoining Pass states, in `context`'s scope
        and going on to its next state."""
        config = context.step.config
        lists = context.scope.tree.lists_of(context.node)
        steps = step_keys(context.scope.tree, context.node)
        labels: list[int | str] = [*range(len(config.branches)), *(["otherwise"] if config.otherwise else [])]
        states: dict[str, Any] = {}
        choice: dict[str, Any] = {"Type": "Choice", "Choices": []}
        states[name] = choice
        for label, nodes in zip(labels, lists, strict=True):
            rejoin = f"{CHOSEN_PREFIX}{context.key} b{label if isinstance(label, int) else 'otherwise'}"
            if isinstance(label, int):
                rule = condition_rule(config.branches[label].when, steps)
                choice["Choices"].append({**rule, "Next": entry_state(nodes[0])})
            else:
                choice["Default"] = entry_state(nodes[0])
            states.update(context.scope.compiler.chain(nodes, context.scope, rejoin))
            output = {"branch": label, "output.$": f"{result_path(last_result_key(nodes))}.output"}
            states[rejoin] = context.continue_to(
                {"Type": "Pass", "Parameters": {"output": output}, "ResultPath": result_path(context.key)}
            )
        if "Default" not in choice:
            none = f"{CHOSEN_PREFIX}{context.key} none"
            choice["Default"] = none
            states[none] = context.continue_to(
                {
                    "Type": "Pass",
                    "Result": {"output": {"branch": None, "output": None}},
                    "ResultPath": result_path(context.key),
                }
            )
        return states


def branch_output_keys(tree: StepTree) -> set[str]:
    """The `.$` keys the parallel steps of `tree` write (their branch names): compiler.check_engine_paths_only
    allows exactly these beyond names.ENGINE_PATH_KEYS."""
    return {
        f"{branch.name}.$"
        for node in tree.walk()
        if node.step.type == "parallel"
        for branch in node.step.config.branches
    }


def register_block_kinds() -> None:
    register_kind("choice", ChoiceKind())
    register_kind("parallel", ParallelKind())
    register_kind("map", MapKind())


register_block_kinds()
