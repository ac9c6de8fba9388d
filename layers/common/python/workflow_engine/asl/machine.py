"""Step lists -> states: chained inline, or as a sub-machine; and the passes over a finished machine.

`chain` compiles each step of a list with its kind (registry.kind_of), each step going on to the next one and
the last to `after`. `sub_machine` does the same for a list run as its own `{"StartAt", "States"}` (a Parallel
branch, a Map's ItemProcessor): its last step ends it, and a step continuing past an error at the end goes to
an engine Succeed state, kept only if something leads to it. `reachable_states` drops the states no path
reaches, in the machine and in every machine nested in its states: Step Functions refuses a definition with an
unreachable state (MISSING_TRANSITION_TARGET).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from workflow_engine.asl.kinds import Scope, StepContext
from workflow_engine.asl.names import END_PREFIX, ENGINE_PATH_KEYS
from workflow_engine.asl.registry import entry_state, kind_of
from workflow_engine.models.step_tree import StepNode


class MachineCompiler:
    """The ListCompiler every Scope carries (block kinds reach it through their StepContext)."""

    def chain(self, nodes: Sequence[StepNode], scope: Scope, after: str | None) -> dict[str, Any]:
        return self._chain(nodes, scope, after, end_state=None)

    def sub_machine(self, nodes: Sequence[StepNode], scope: Scope) -> dict[str, Any]:
        if not nodes:
            raise ValueError("a sub-machine needs at least one step")
        end_state = f"{END_PREFIX}{nodes[0].key.rsplit('_', 1)[0]}"  # "$end s3_b1": named by its list
        states = self._chain(nodes, scope, None, end_state)
        states[end_state] = {"Type": "Succeed"}
        start = entry_state(nodes[0])
        return {"StartAt": start, "States": reachable_states(states, start)}

    def _chain(
        self, nodes: Sequence[StepNode], scope: Scope, after: str | None, end_state: str | None
    ) -> dict[str, Any]:
        states: dict[str, Any] = {}
        for position, node in enumerate(nodes):
            following = entry_state(nodes[position + 1]) if position + 1 < len(nodes) else after
            context = StepContext(node=node, scope=scope, next_state=following, end_state=end_state)
            for name, state in kind_of(node.step).compile(context).items():
                if name in states:
                    raise ValueError(f"two states are named {name!r}")
                states[name] = state
        return states


def transitions_of(state: Mapping[str, Any]) -> list[str]:
    """Every state name ``state`` can go to: Next, Default, each Choice's and each Catch's Next."""
    targets = [state["Next"]] if "Next" in state else []
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [state["Default"]] if "Default" in state else []
    targets += [catcher["Next"] for catcher in state.get("Catch", [])]
    return targets


def reachable_states(states: Mapping[str, Any], start: str) -> dict[str, Any]:
    """``states`` without those no path from ``start`` reaches, in their original order (the machines nested
    in a Parallel's Branches or a Map's ItemProcessor were pruned when they were built)."""
    reached, pending = {start}, [start]
    while pending:
        for target in transitions_of(states[pending.pop()]):
            if target not in reached:
                reached.add(target)
                pending.append(target)
    return {name: state for name, state in states.items() if name in reached}


def path_keys(node: Any, *, names_of_states: bool = False) -> Iterator[str]:
    """Every key ending in `.$` anywhere in a machine (nested machines included). The keys of a `States` map are
    state names (a user may name a step `Price.$`), never evaluated: they are walked into, not reported."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if not names_of_states and isinstance(key, str) and key.endswith(".$"):
                yield key
            yield from path_keys(value, names_of_states=key == "States" and not names_of_states)
    elif isinstance(node, list):
        for item in node:
            yield from path_keys(item)


def check_engine_paths_only(asl: Mapping[str, Any], also: frozenset[str] = frozenset()) -> None:
    """Refuse a machine holding a `.$` key the engine does not write (user data must never become a path).
    `also`: the keys the compiler built on purpose from checked names (a parallel's branch names)."""
    foreign = sorted(set(path_keys(asl)) - ENGINE_PATH_KEYS - also)
    if foreign:
        raise ValueError(f"the compiled machine would evaluate keys the engine does not own: {foreign}")
