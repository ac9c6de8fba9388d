"""The `ai` step: one prompt sent to a model, answered as text.

Config: `AiConfig` (`{"prompt": str, "model_id"?: str, "max_tokens"?: int}`). The prompt is rendered with
`{{ jmespath }}` placeholders (and `{{ secrets.NAME }}`, the execution owner's secrets) first; a prompt that is
exactly one placeholder selecting an object or array is sent as its compact JSON. A prompt that renders empty
raises `StepFailed`.

Rules:
- `model_id` defaults to `settings.ai_default_model_id`. `max_tokens` defaults to, and is capped
  at, `settings.ai_max_tokens_limit` (a larger request is lowered to the limit, not refused).
- The model is asked through the Amazon Bedrock Converse API, one user message,
  `inferenceConfig.maxTokens` set. The answer is the text blocks of `output.message.content`
  joined in order (other block kinds, e.g. reasoning, are skipped). (The local stack answers the
  same API at its endpoint: infra/local/bedrock.py.)
- Output: `{"text", "model_id", "stop_reason", "usage": {"input_tokens", "output_tokens",
  "total_tokens"}, "provider": "bedrock"}`.
- Errors: Bedrock throttling, service unavailable, internal errors, model not ready / timeouts and
  connection failures raise `StepRetryable`; everything else (access denied, validation,
  unknown model, missing credentials) raises `StepFailed`. Both name the AWS error code.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from workflow_engine.models.step_configs import AiConfig
from workflow_engine.models.step_errors import StepFailed, StepRetryable
from workflow_engine.steps.placeholders import render, to_text

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime import BedrockRuntimeClient

    from workflow_engine.platform.step_settings import StepSettings
    from workflow_engine.steps.placeholders import SecretSource

RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailableException",
        "InternalServerException",
        "ModelNotReadyException",
        "ModelTimeoutException",
    }
)


def run_ai(
    config: AiConfig,
    context: dict[str, Any],
    settings: StepSettings,
    secrets: SecretSource | None = None,
    client: BedrockRuntimeClient | None = None,
) -> dict[str, Any]:
    """Render the prompt and ask the model through Bedrock; returns the step output.

    Without a `client`, the function's own is used (`shared_bedrock_client`: made by the first ai step)."""
    prompt = render_prompt(config.prompt, context, secrets)
    model_id = config.model_id or settings.ai_default_model_id
    max_tokens = resolve_max_tokens(config.max_tokens, int(settings.ai_max_tokens_limit))
    provider = BedrockProvider(client if client is not None else shared_bedrock_client())
    return provider.complete(prompt, str(model_id), max_tokens)


def render_prompt(template: Any, context: dict[str, Any], secrets: SecretSource | None = None) -> str:
    """The prompt as text, placeholders rendered; `StepFailed` when nothing is left to send."""
    if not isinstance(template, str):
        raise StepFailed("ai step needs a 'prompt' string")
    prompt = to_text(render(template, context, secrets=secrets))
    if not prompt.strip():
        raise StepFailed("ai step prompt rendered to an empty string")
    return prompt


def resolve_max_tokens(requested: Any, limit: int) -> int:
    """The requested token budget, defaulting to and capped at `limit`."""
    if requested is None:
        return limit
    if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
        raise StepFailed("ai step max_tokens must be a positive integer")
    chosen: int = min(requested, limit)
    return chosen


@cache
def shared_bedrock_client() -> BedrockRuntimeClient:
    """The function's Bedrock runtime client, made by the first ai step that needs it (make_bedrock_client)."""
    return make_bedrock_client()


def make_bedrock_client() -> BedrockRuntimeClient:
    """A bedrock-runtime client for the Lambda's region; few SDK retries (the state machine retries)."""
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=5, read_timeout=120, retries={"mode": "standard", "max_attempts": 2})
    return boto3.client("bedrock-runtime", config=config)


def _output(text: str, model_id: str, stop_reason: str, usage: dict[str, int], provider: str) -> dict[str, Any]:
    return {
        "text": text,
        "model_id": model_id,
        "stop_reason": stop_reason,
        "usage": usage,
        "provider": provider,
    }


class BedrockProvider:
    """Amazon Bedrock through the Converse API."""

    name = "bedrock"

    def __init__(self, client: BedrockRuntimeClient) -> None:
        self._client = client

    def complete(self, prompt: str, model_id: str, max_tokens: int) -> dict[str, Any]:
        try:
            response = self._client.converse(
                modelId=model_id,
                messages=[{"role": "user", "content": [{"text": prompt}]}],
                inferenceConfig={"maxTokens": max_tokens},
            )
        except ClientError as error:
            raise _client_error(error, model_id) from None
        except (BotoConnectionError, HTTPClientError) as error:
            raise StepRetryable(f"could not reach Amazon Bedrock: {error}") from None
        except BotoCoreError as error:
            raise StepFailed(f"Amazon Bedrock call failed: {error}") from None
        reply: Mapping[str, Any] = response  # read defensively (any part may be missing): as a plain mapping
        content = ((reply.get("output") or {}).get("message") or {}).get("content") or []
        text = "".join(block["text"] for block in content if isinstance(block.get("text"), str))
        usage = reply.get("usage") or {}
        return _output(
            text=text,
            model_id=model_id,
            stop_reason=str(reply.get("stopReason") or ""),
            usage={
                "input_tokens": int(usage.get("inputTokens") or 0),
                "output_tokens": int(usage.get("outputTokens") or 0),
                "total_tokens": int(usage.get("totalTokens") or 0),
            },
            provider=self.name,
        )


def _client_error(error: ClientError, model_id: str) -> StepFailed:
    details = error.response.get("Error") or {}
    code = str(details.get("Code") or "UnknownError")
    message = str(details.get("Message") or "").strip()
    text = f"Amazon Bedrock {code} for model {model_id!r}" + (f": {message}" if message else "")
    error_class = StepRetryable if code in RETRYABLE_CODES else StepFailed
    return error_class(text, details={"error_code": code})
