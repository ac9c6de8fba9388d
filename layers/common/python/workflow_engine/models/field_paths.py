"""Field paths: where a condition or a map's `items` reads a value in a step's context.

A field path is dotted, starts at a root of the context and may quote names and index lists:

    input.order.total        steps."Check stock".output.ok        input.items[0]        item.sku

Roots: `input` (the execution's input), `steps` (then a step's name, then `output` or `error`), and inside a
map iteration `item` and `index`. A name that is not a plain identifier is quoted with double quotes (`\\"`
and `\\\\` escape inside). Parsing is strict and its errors say where and why; the compiler maps a parsed
path to JSONPath into the state document (workflow_engine.asl.conditions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_FIELD_PATH = 1_024
ROOTS = ("input", "steps", "item", "index")
STEP_FIELDS = ("output", "error")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INDEX = re.compile(r"\[(\d{1,6})\]")
# JSONPath bracket names are single-quoted in Step Functions; names holding quotes or backslashes are refused
# rather than escaped (the escaping rules differ between Step Functions and local interpreters).
_UNSAFE_IN_NAME = re.compile(r"['\"\\\x00-\x1f]")

Part = str | int


@dataclass(frozen=True)
class FieldPath:
    """A parsed path: its root, then member names (str) and list indexes (int). For `steps`, the first part
    is the step's name and the second `output` or `error`."""

    root: str
    parts: tuple[Part, ...]

    @property
    def step_name(self) -> str | None:
        return str(self.parts[0]) if self.root == "steps" else None


def _name(text: str, position: int) -> tuple[str, int]:
    if position < len(text) and text[position] == '"':
        chars: list[str] = []
        position += 1
        while position < len(text):
            char = text[position]
            if char == "\\" and position + 1 < len(text) and text[position + 1] in '"\\':
                chars.append(text[position + 1])
                position += 2
            elif char == '"':
                return "".join(chars), position + 1
            else:
                chars.append(char)
                position += 1
        raise ValueError(f"unclosed quote in field path {text!r}")
    match = _IDENTIFIER.match(text, position)
    if not match:
        raise ValueError(f'expected a name at character {position + 1} of field path {text!r} (quote it with ")')
    return match.group(0), match.end()


def parse_field_path(text: str) -> FieldPath:
    """Parse `text`, or raise ValueError saying what is wrong with it."""
    if not text or len(text) > MAX_FIELD_PATH:
        raise ValueError(f"a field path is 1 to {MAX_FIELD_PATH} characters")
    parts: list[Part] = []
    position = 0
    while True:
        name, position = _name(text, position)
        if not name:
            raise ValueError(f"empty name in field path {text!r}")
        if parts and _UNSAFE_IN_NAME.search(name) and not (len(parts) == 1 and parts[0] == "steps"):
            raise ValueError(f"a field name may not hold quotes, backslashes or control characters: {name!r}")
        parts.append(name)
        while (index := _INDEX.match(text, position)) is not None:
            parts.append(int(index.group(1)))
            position = index.end()
        if position == len(text):
            break
        if text[position] != ".":
            raise ValueError(f"expected '.' or '[' at character {position + 1} of field path {text!r}")
        position += 1
    root, rest = parts[0], tuple(parts[1:])
    if root not in ROOTS:
        raise ValueError(f"a field path starts with one of {', '.join(ROOTS)}, not {root!r}")
    if root == "index" and rest:
        raise ValueError("`index` is a number: nothing follows it in a field path")
    if root == "steps" and (len(rest) < 2 or not isinstance(rest[0], str) or rest[1] not in STEP_FIELDS):
        raise ValueError(f'a step path reads steps."<step name>".output or .error, not {text!r}')
    return FieldPath(str(root), rest)
