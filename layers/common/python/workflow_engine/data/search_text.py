"""The normalised search text of a log item, written with the item so a search never normalises at read time.

Text and query are both NFKC-normalised and casefolded ("Straße" matches "STRASSE", full-width "ＡＢＣ" matches
"abc"), so a DynamoDB `contains` on the stored text is a case-insensitive substring match. The text is the step
name, the error message, the output and the input (JSON, non-ASCII kept as is), in that order, one per line,
capped at SEARCH_TEXT_MAX_CHARS characters: what lies beyond the cap (the tail of a large input) is not searched.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from workflow_engine.data.codec import dump_json

SEARCH_TEXT_MAX_CHARS = 4_096
MAX_QUERY_CHARS = 200


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def search_text(step_name: str, error_message: str | None, output_data: Any, input_data: Any) -> str:
    parts = [step_name, error_message or ""]
    parts += [dump_json(value) if value is not None else "" for value in (output_data, input_data)]
    return normalise("\n".join(parts))[:SEARCH_TEXT_MAX_CHARS]
