"""Bounded JMESPath: every expression of a workflow is checked and evaluated here, so none can exhaust the
stack when it is saved or the CPU when it runs.

Rules:
- Save time, `check_expression` (what the workflow model's validators call): the expression must be valid
  JMESPath whose brackets nest at most MAX_DEPTH levels and whose syntax tree, JSON literals included, is at
  most MAX_DEPTH levels deep. Otherwise `ExpressionRejected` (a ValueError: a validator turns it into a 422
  naming the field, and the message names the rule). The check costs time linear in the expression's length:
  the bracket nesting is counted on the lexer's tokens before the (recursive) parser runs, the tree is walked
  without recursion, and a RecursionError of the parser or of the JSON-literal decoder is the same rejection.
- Run time, `search_bounded`: the same checks (on a compile cache), then an evaluation metered in two budgets,
  both deterministic (the same expression on the same data always passes or always fails):
  - steps: each node of the tree evaluated costs 1, and a flatten or a slice costs the elements it produces
    (charged before it builds them): at most MAX_STEPS;
  - volume: a function call costs the size of its arguments, a comparison the size of both sides, and the
    result its own size, each charged before the work is done: at most MAX_VOLUME. Size counts a value as
    JSON would spell it out (a string its characters, a container 1 plus its members), so a value that
    repeats one object (`[@,@]` piped k times: 2^k copies, held as k small lists) weighs what it would
    cost to print; sizes are memoised per object, so weighing never costs more than the distinct objects.
  Passing either raises `ExpressionTooExpensive`. Every value an evaluation builds is made of charged work,
  so no function, comparison or printing of the result can cost more than the budgets allow.
- Choice conditions and any other expression the engine evaluates must go through `search_bounded` (steps
  use it through `steps.placeholders.evaluate`).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.functions import Functions
from jmespath.lexer import Lexer
from jmespath.parser import ParsedResult
from jmespath.visitor import TreeInterpreter, Visitor

from workflow_engine.models.step_errors import ExpressionTooExpensive

if TYPE_CHECKING:
    from jmespath.visitor import _TreeNode

MAX_DEPTH = 64
MAX_STEPS = 100_000
MAX_VOLUME = 4_000_000
_CACHE_SIZE = 256
_OPENING = frozenset({"lbracket", "lparen", "lbrace", "filter"})
_CLOSING = frozenset({"rbracket", "rparen", "rbrace"})
_visit = Visitor.visit  # jmespath's dispatch to visit_<node type>, called without super() on the hot path
_DEPTH_RULE = f"it nests more than {MAX_DEPTH} levels deep (brackets, operators and JSON literals count)"


class ExpressionRejected(ValueError):
    """Not valid JMESPath, or beyond a save-time limit; the message says which (it is user-facing)."""


def check_expression(expression: str) -> str:
    """`expression` unchanged if it is valid and within the limits; else `ExpressionRejected`."""
    compile_bounded(expression)
    return expression


@functools.lru_cache(maxsize=_CACHE_SIZE)
def compile_bounded(expression: str) -> ParsedResult:
    """The parsed expression, once it passed the save-time checks (cached: the same text is parsed once)."""
    try:
        if _bracket_depth(expression) > MAX_DEPTH:
            raise ExpressionRejected(f"JMESPath expression {_quoted(expression)} is too complex: {_DEPTH_RULE}")
        parsed = jmespath.compile(expression)
    except RecursionError:
        raise ExpressionRejected(f"JMESPath expression {_quoted(expression)} is too complex: {_DEPTH_RULE}") from None
    except JMESPathError as error:
        raise ExpressionRejected(f"invalid JMESPath expression {_quoted(expression)}: {error_reason(error)}") from None
    if _tree_depth(parsed.parsed) > MAX_DEPTH:
        raise ExpressionRejected(f"JMESPath expression {_quoted(expression)} is too complex: {_DEPTH_RULE}")
    return parsed


def search_bounded(expression: str, data: Any, budget: Budget | None = None) -> Any:
    """Evaluate `expression` against `data` within the budgets (module docstring): its own, or `budget` shared
    with the other expressions of the same step attempt (every placeholder of a config draws on one budget).

    Raises `ExpressionRejected` for an expression the save-time checks refuse, `ExpressionTooExpensive` past a
    budget, and JMESPath's own errors (e.g. a function given the wrong type) as they are."""
    parsed = compile_bounded(expression)
    meter = Budget() if budget is None else budget
    result = _MeteredInterpreter(meter).visit(parsed.parsed, data)
    meter.charge_volume(meter.size(result), "its result")
    return result


class Budget:
    """The two budgets of one evaluation (or of every expression of one step attempt), and the memoised sizes of
    the values it has weighed."""

    def __init__(self) -> None:
        self.steps = 0
        self.volume = 0
        self._sizes: dict[int, tuple[Any, int]] = {}  # id -> (the object, kept alive so its id stays its own; size)

    def charge_steps(self, count: int) -> None:
        self.steps += count
        if self.steps > MAX_STEPS:
            raise ExpressionTooExpensive(
                f"expression too expensive: evaluating it took more than {MAX_STEPS:,} steps "
                "(nodes evaluated and elements flattened or sliced); simplify it or select less data"
            )

    def charge_volume(self, amount: int, what: str) -> None:
        self.volume += amount
        if self.volume > MAX_VOLUME:
            raise ExpressionTooExpensive(
                f"expression too expensive: {what} and the values it read before add up to more than "
                f"{MAX_VOLUME:,} units of data (about that many bytes of JSON); simplify it or select less data"
            )

    def size(self, value: Any) -> int:
        """1 for a number, bool or null; 1 + length for a string; 1 + members (and keys) for a container."""
        if isinstance(value, str):
            return 1 + len(value)
        if not isinstance(value, (list, dict)):
            return 1
        sizes = self._sizes
        pending = [value]
        while pending:  # post-order without recursion: data may nest deeper than the stack allows
            current = pending[-1]
            if id(current) in sizes:
                pending.pop()
                continue
            members = list(current.values()) if isinstance(current, dict) else current
            unweighed = [item for item in members if isinstance(item, (list, dict)) and id(item) not in sizes]
            if unweighed:
                pending.extend(unweighed)
                continue
            pending.pop()
            total = 1 + (sum(len(key) for key in current) if isinstance(current, dict) else 0)
            for item in members:
                if isinstance(item, str):
                    total += 1 + len(item)
                elif isinstance(item, (list, dict)):
                    total += sizes[id(item)][1]
                else:
                    total += 1
            sizes[id(current)] = (current, total)
        return sizes[id(value)][1]


def _members(value: Any) -> list[Any]:
    return list(value.values()) if isinstance(value, dict) else list(value)


class _MeteredInterpreter(TreeInterpreter):
    """jmespath's own interpreter, charging the meter before each piece of work whose cost grows with data."""

    def __init__(self, meter: Budget) -> None:
        super().__init__()
        self._meter = meter
        self._calls = Functions()

    def visit(self, node: _TreeNode, *args: Any, **kwargs: Any) -> Any:
        meter = self._meter
        meter.steps += 1
        if meter.steps > MAX_STEPS:
            meter.charge_steps(0)  # raises
        return _visit(self, node, *args, **kwargs)

    def visit_function_expression(self, node: _TreeNode, value: Any) -> Any:
        arguments = [self.visit(child, value) for child in node["children"]]
        volume = sum(self._meter.size(argument) for argument in arguments)
        self._meter.charge_volume(volume, f"the arguments of {node['value']}()")
        return self._calls.call_function(node["value"], arguments)

    def visit_comparator(self, node: _TreeNode, value: Any) -> Any:
        left = self.visit(node["children"][0], value)
        right = self.visit(node["children"][1], value)
        if isinstance(left, (list, dict, str)) or isinstance(right, (list, dict, str)):
            self._meter.charge_volume(self._meter.size(left) + self._meter.size(right), "a comparison")
        # jmespath's own rules (TreeInterpreter.visit_comparator): == and != on anything, ordering on numbers
        # and strings only (else null)
        compare = self.COMPARATOR_FUNC[node["value"]]
        if node["value"] in ("eq", "ne") or (_orderable(left) and _orderable(right)):
            return compare(left, right)
        return None

    def visit_flatten(self, node: _TreeNode, value: Any) -> Any:
        base = self.visit(node["children"][0], value)
        if not isinstance(base, list):
            return None
        self._meter.charge_steps(sum(len(item) if isinstance(item, list) else 1 for item in base))
        merged: list[Any] = []
        for item in base:  # TreeInterpreter.visit_flatten, once the elements it produces are paid for
            if isinstance(item, list):
                merged.extend(item)
            else:
                merged.append(item)
        return merged

    def visit_slice(self, node: _TreeNode, value: Any) -> Any:
        if isinstance(value, list):
            self._meter.charge_steps(len(range(*slice(*node["children"]).indices(len(value)))))
        return super().visit_slice(node, value)


def _orderable(value: Any) -> bool:
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)


def _bracket_depth(expression: str) -> int:
    """The deepest nesting of brackets, parentheses and braces, counted on tokens (so not inside strings)."""
    depth = deepest = 0
    for token in Lexer().tokenize(expression):
        if token["type"] in _OPENING:
            depth += 1
            deepest = max(deepest, depth)
        elif token["type"] in _CLOSING:
            depth = max(depth - 1, 0)
    return deepest


def _tree_depth(root: _TreeNode) -> int:
    """Depth of the syntax tree, a JSON literal counting its own nesting; walked without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(root, 1)]
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict) and "type" in node:
            if node["type"] == "literal":
                pending.append((_JsonValue(node["value"]), depth))
                continue
            pending.extend((child, depth + 1) for child in node.get("children", []) if isinstance(child, dict))
        elif isinstance(node, _JsonValue):
            pending.extend((_JsonValue(member), depth + 1) for member in node.members())
    return deepest


class _JsonValue:
    """A JSON literal's value in the tree walk (a dict in it must not be taken for a syntax node)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def members(self) -> list[Any]:
        return _members(self.value) if isinstance(self.value, (list, dict)) else []


def _quoted(expression: str, limit: int = 60) -> str:
    return repr(expression if len(expression) <= limit else expression[:limit] + "...")


def error_reason(error: Exception) -> str:
    """The first line of a JMESPath error, without the caret diagram some of them append."""
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else type(error).__name__
    return first.removesuffix(":").removesuffix(", for expression").removeprefix("Invalid jmespath expression: ")
