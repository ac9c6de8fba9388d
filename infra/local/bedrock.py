"""Amazon Bedrock's Converse API, locally: the answer moto's bedrock-runtime lacks (it routes the call, but has
no `converse`). Installed by infra/local/moto_seams.py, so the one BedrockProvider of the ai step runs unchanged.

The model is a deterministic stand-in: it answers `"[local-bedrock model=<id>] <first 200 characters of the
prompt>"`, in the real response shape (output.message, stopReason, usage, metrics). Tokens are counted as white-space
separated words; an answer longer than `inferenceConfig.maxTokens` words is cut there with stopReason
`max_tokens`. A request without a user text message is refused with ValidationException, as Bedrock does.

Tests make a model misbehave with `fail_converse(model_id, code, times)`: the next `times` calls for that model
answer the AWS error `code` (ThrottlingException: HTTP 429, ValidationException: 400, ...) instead.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from typing import Any

from moto.bedrockruntime.exceptions import BedrockRuntimeError
from moto.core.responses import ActionResult

PREVIEW_CHARS = 200
MESSAGES = {
    "ThrottlingException": "Too many requests, please wait before trying again.",
    "ValidationException": "The provided model identifier is invalid.",
    "ServiceUnavailableException": "The service is temporarily unavailable.",
    "ModelTimeoutException": "The model took too long to respond.",
    "AccessDeniedException": "You don't have access to the model with the specified model ID.",
}

_lock = threading.Lock()
_scripted_errors: dict[str, deque[str]] = defaultdict(deque)


def fail_converse(model_id: str, code: str, times: int = 1) -> None:
    """Make the next ``times`` Converse calls for ``model_id`` answer the AWS error ``code``."""
    with _lock:
        _scripted_errors[model_id].extend([code] * times)


def reset() -> None:
    with _lock:
        _scripted_errors.clear()


def _next_error(model_id: str) -> str | None:
    with _lock:
        queue = _scripted_errors.get(model_id)
        return queue.popleft() if queue else None


def converse_reply(model_id: str, messages: Any, inference_config: Any) -> dict[str, Any]:
    """The Converse response for one request (raises the AWS error the request or a script calls for)."""
    code = _next_error(model_id)
    if code is not None:
        raise BedrockRuntimeError(code, MESSAGES.get(code, f"{code} (scripted by the local stack)"))
    prompt = "\n".join(
        block["text"]
        for message in messages or []
        if isinstance(message, dict) and message.get("role") == "user"
        for block in message.get("content") or []
        if isinstance(block, dict) and isinstance(block.get("text"), str)
    )
    if not prompt:
        raise BedrockRuntimeError("ValidationException", "A conversation must start with a user message.")
    words = f"[local-bedrock model={model_id}] {prompt[:PREVIEW_CHARS]}".split(" ")
    max_tokens = (inference_config or {}).get("maxTokens")
    stop_reason = "end_turn"
    if isinstance(max_tokens, int) and len(words) > max_tokens:
        words, stop_reason = words[:max_tokens], "max_tokens"
    text = " ".join(words)
    input_tokens, output_tokens = len(prompt.split()), len(text.split())
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop_reason,
        "usage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        },
        "metrics": {"latencyMs": 1},
    }


def converse(self: Any) -> ActionResult:
    """`BedrockRuntimeResponse.converse`: POST /model/{modelId}/converse."""
    return ActionResult(
        converse_reply(self._get_param("modelId"), self._get_param("messages"), self._get_param("inferenceConfig"))
    )
