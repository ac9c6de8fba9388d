"""Workflow documents as people write them: YAML or JSON text -> the JSON definition the API takes.

The web editor sends its text here, so it reads exactly as `wfe` reads a workflow file (cli/wfe/commands.py
`load_document`: a `.json` file with `json.loads`, any other with PyYAML's `yaml.safe_load`; YAML being a
superset of JSON, the two agree on JSON text but for a few corners such as a tab before a key):
- Text whose first character (white space aside) is `{` or `[` and that is JSON is read as JSON, as a `.json` file;
  any other text as YAML with `yaml.SafeLoader` (YAML 1.1: a duplicate key keeps its last value, `yes` is true, an
  anchor and its aliases repeat one value, merge keys `<<` apply). When both fail, the JSON error is reported for
  text that starts as JSON, the YAML one otherwise, each with its line and column (1-based).
- The value must be what JSON can carry, as the API will store it: values YAML has and JSON has not are refused
  with their line (a timestamp such as 2024-01-01: quote it; `.nan`/`.inf`; `!!binary`; `!!set`), mapping keys
  become strings as `json.dumps` makes them (1 -> "1", true -> "true", null -> "null"; note that YAML's 1 and true
  are one key), and a pair of `\\u` surrogate escapes is the one character it spells (a lone one is refused).
- Bounded: at most MAX_DOCUMENT_CHARS characters of text (parsing is linear in it); the value at most MAX_DEPTH
  levels deep (what the API's JSON body parser allows: api.request_body) and at most MAX_EXPANDED units of JSON once
  every alias is spelled out, so a YAML bomb (aliases of aliases) or a recursive alias (`&a [*a]`) is refused in
  time linear in what it is allowed to produce. Every refusal is `DocumentRejected` (a 422), never a 5xx.
- The whole document must be a mapping (a definition: name, steps...).

`lines` maps each path of the value (["steps", 0, "config"]) to the line (1-based) where it starts in the text, so
the editor can place the API's later 422s, and find the step under the cursor, in the text the person wrote.
"""

from __future__ import annotations

import datetime
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from workflow_engine.models.editor import MAX_DOCUMENT_CHARS
from workflow_engine.models.errors import InvalidRequestError

if TYPE_CHECKING:  # PyYAML is imported where a document is parsed: not on the workflow API's cold start
    import yaml

MAX_DEPTH = 64
MAX_EXPANDED = 1_048_576

Path = tuple[str | int, ...]


class DocumentRejected(InvalidRequestError):
    """The text is not a document the API can take; `line` and `column` (1-based) say where, when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        where = f"line {line}, column {column}: " if line and column else f"line {line}: " if line else ""
        super().__init__(f"{where}{message}")
        self.reason = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class ParsedDocument:
    value: dict[str, Any]
    format: Literal["json", "yaml"]
    lines: dict[Path, int] = field(default_factory=dict)


def parse_document(text: str) -> ParsedDocument:
    """The definition `text` spells (module docstring), or `DocumentRejected`."""
    if len(text) > MAX_DOCUMENT_CHARS:
        raise DocumentRejected(f"the text is {len(text):,} characters; the limit is {MAX_DOCUMENT_CHARS:,}")
    json_error: DocumentRejected | None = None
    if text.lstrip()[:1] in ("{", "["):
        try:
            value = _json(text)
        except DocumentRejected as error:
            json_error = error
        else:
            lines = _lines(_node_or_none(text))
            return ParsedDocument(_mapping(_plain(value, lines)), "json", lines)
    try:
        value, node = _yaml(text)
    except DocumentRejected:
        if json_error is not None:
            raise json_error from None
        raise
    lines = _lines(node)
    return ParsedDocument(_mapping(_plain(value, lines)), "yaml", lines)


def _json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise DocumentRejected(f"not valid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise DocumentRejected(f"nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as error:  # NaN, Infinity; an integer too long to convert
        raise DocumentRejected(f"not valid JSON: {error}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _yaml(text: str) -> tuple[Any, yaml.Node | None]:
    """`yaml.safe_load(text)` (the same loader, in its two steps so the nodes' lines are kept)."""
    import yaml

    try:
        loader = yaml.SafeLoader(text)  # its reader refuses characters YAML does not allow (NUL, lone surrogates)
    except yaml.YAMLError as error:
        raise DocumentRejected(f"not valid YAML: {_first_line(error)}") from None
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise DocumentRejected(_yaml_reason(error), *_position(mark)) from None
    except yaml.YAMLError as error:
        raise DocumentRejected(f"not valid YAML: {_first_line(error)}") from None
    except RecursionError:  # the composer recurses once per level: far past MAX_DEPTH
        raise DocumentRejected(f"nested more than {MAX_DEPTH} levels deep", *_position(loader.get_mark())) from None
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as error:
        # SafeConstructor converts a scalar its tag or form types (`!!int abc`, `2001-13-45`, `0x_`, an integer of
        # more than 4,300 digits) without catching the conversion's own error
        raise DocumentRejected(f"a value cannot be read as the type its tag or form gives it ({error})") from None
    finally:
        loader.dispose()


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _node_or_none(text: str) -> yaml.Node | None:
    """The YAML nodes of JSON text, for its lines (none when YAML reads it otherwise, e.g. tabs before keys)."""
    import yaml

    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError:
        return None
    try:
        return loader.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()


def _position(mark: Any) -> tuple[int | None, int | None]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)


def _yaml_reason(error: yaml.MarkedYAMLError) -> str:
    parts = [part for part in (error.context, error.problem) if part]
    return "not valid YAML: " + (", ".join(parts) if parts else "syntax error")


def _lines(root: yaml.Node | None) -> dict[Path, int]:
    """path -> line (1-based) of every node, each node's members walked once (an alias's repeat is not walked
    again), at most MAX_DEPTH deep: linear in the text whatever its aliases."""
    import yaml

    lines: dict[Path, int] = {}
    if root is None:
        return lines
    seen: set[int] = set()
    pending: list[tuple[yaml.Node, Path]] = [(root, ())]
    while pending:
        node, path = pending.pop()
        lines[path] = node.start_mark.line + 1
        if id(node) in seen or len(path) >= MAX_DEPTH:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    pending.append((value, (*path, key.value)))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend((item, (*path, index)) for index, item in enumerate(node.value))
    return lines


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        kind = "nothing" if value is None else "a list" if isinstance(value, list) else f"a single {_kind(value)}"
        raise DocumentRejected(f"a workflow definition is a mapping (name: ..., steps: ...), not {kind}", 1, 1)
    return value


def _kind(value: Any) -> str:
    return {str: "string", bool: "boolean", int: "number", float: "number"}.get(type(value), type(value).__name__)


def _plain(value: Any, lines: dict[Path, int]) -> Any:
    """`value` as plain JSON data (a new tree: aliases spelled out), within MAX_DEPTH and MAX_EXPANDED; iterative."""
    budget = [MAX_EXPANDED]
    root: list[Any] = [None]
    # (the value, where its copy goes: (container, key), its path)
    pending: list[tuple[Any, tuple[Any, Any], Path]] = [(value, (root, 0), ())]
    while pending:
        item, (target, slot), path = pending.pop()
        budget[0] -= 1
        if budget[0] < 0:
            raise _refused(
                f"it expands to more than {MAX_EXPANDED:,} values and characters (aliases repeat what they name)",
                path,
                lines,
            )
        if isinstance(item, (dict, list)):
            if len(path) >= MAX_DEPTH:
                raise _refused(
                    f"nested more than {MAX_DEPTH} levels deep (an alias counts the levels of what it repeats)",
                    path,
                    lines,
                )
            if isinstance(item, dict):
                copy: Any = {}
                for key, member in item.items():
                    name = _key(key, path, lines)
                    budget[0] -= len(name)
                    copy[name] = None
                    pending.append((member, (copy, name), (*path, name)))
            else:
                copy = [None] * len(item)
                pending.extend((member, (copy, index), (*path, index)) for index, member in enumerate(item))
            target[slot] = copy
        else:
            target[slot] = _scalar(item, path, lines)
            if isinstance(target[slot], str):
                budget[0] -= len(target[slot])
    return root[0]


def _scalar(value: Any, path: Path, lines: dict[Path, int]) -> Any:
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        raise _refused(f"{value} is not a JSON number", path, lines)
    if isinstance(value, str):
        return _text(value, path, lines)
    if isinstance(value, (datetime.date, datetime.datetime)):
        raise _refused(f"a YAML timestamp ({value.isoformat()}) is not JSON: quote it to keep it as text", path, lines)
    if isinstance(value, bytes):
        raise _refused("binary data (!!binary) is not JSON: give it as a (base64) string", path, lines)
    if isinstance(value, (set, frozenset)):
        raise _refused("a set (!!set) is not JSON: write a list", path, lines)
    raise _refused(f"a {type(value).__name__} is not JSON", path, lines)


def _key(key: Any, path: Path, lines: dict[Path, int]) -> str:
    """A mapping key as `json.dumps` writes it (the CLI sends the definition with it)."""
    if isinstance(key, str):
        return _text(key, path, lines)
    if key is None or isinstance(key, (bool, int)) or (isinstance(key, float) and math.isfinite(key)):
        return json.dumps(key)
    raise _refused(f"the key {key!r} is not one JSON can have: quote it", path, lines)


def _text(value: str, path: Path, lines: dict[Path, int]) -> str:
    """A pair of surrogate escapes joined into its character; a lone surrogate refused (not valid Unicode)."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        pass
    try:
        return value.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        raise _refused(
            "the text has a lone surrogate escape (\\ud800-\\udfff): not valid Unicode", path, lines
        ) from None


def _refused(message: str, path: Path, lines: dict[Path, int]) -> DocumentRejected:
    where = _path_text(path)
    line = next((lines[path[:end]] for end in range(len(path), -1, -1) if path[:end] in lines), None)
    return DocumentRejected(f"{where}: {message}" if where else message, line)


def _path_text(path: Path, shown: int = 8) -> str:
    """steps[0].config.when, the middle of a long path elided: steps[0][0][0]...[0][0]."""
    if len(path) > shown:
        return f"{_path_text(path[: shown // 2])}...{_path_text(path[-(shown // 2) :]).removeprefix('.')}"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
