"""The ai step: Bedrock Converse through a stubbed real client (the local stack's Converse: test_local_bedrock.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, NoCredentialsError, ReadTimeoutError
from botocore.stub import Stubber

from workflow_engine.models.step_configs import AiConfig
from workflow_engine.models.step_errors import StepFailed, StepRetryable
from workflow_engine.models.step_types import STEP_TYPES
from workflow_engine.platform.step_settings import StepSettings
from workflow_engine.steps import ai
from workflow_engine.steps.dispatch import typed_config

CONTEXT: dict[str, Any] = {
    "input": {"customer": "Zoë", "order": {"id": 7, "items": ["tea", "cups"]}},
    "steps": {"Summarise": {"output": {"text": "two items"}}},
}


def run_ai(config: dict[str, Any], context: dict[str, Any], settings: StepSettings, **kwargs: Any) -> Any:
    """The runner with the config typed as the step function types it."""
    return ai.run_ai(AiConfig.model_validate(config), context, settings, **kwargs)


def _settings(**overrides: Any) -> StepSettings:
    values: dict[str, Any] = {
        "logs_table": "logs",
        "http_allowed_networks": "",
        "http_denied_endpoints": "",
        "secrets_prefix": "test/secrets",
        "ai_default_model_id": "amazon.nova-micro-v1:0",
        "ai_max_tokens_limit": 1_000,
    }
    values.update(overrides)
    return StepSettings(**values)


def _converse_response(*content: dict[str, Any], stop_reason: str = "end_turn") -> dict[str, Any]:
    """The documented Converse response: output.message.content[], stopReason, usage, metrics."""
    return {
        "output": {"message": {"role": "assistant", "content": list(content)}},
        "stopReason": stop_reason,
        "usage": {"inputTokens": 12, "outputTokens": 5, "totalTokens": 17},
        "metrics": {"latencyMs": 321},
    }


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield boto3.client("bedrock-runtime", region_name="us-east-1")


@pytest.fixture
def stubber(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def test_bedrock_converse_is_called_with_the_rendered_prompt(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "converse",
        _converse_response({"text": "Hello Zoë, "}, {"text": "your tea is on its way."}),
        expected_params={
            "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
            "messages": [
                {"role": "user", "content": [{"text": 'Write to Zoë about order 7: ["tea","cups"] (two items)'}]}
            ],
            "inferenceConfig": {"maxTokens": 200},
        },
    )
    config = {
        "prompt": "Write to {{ input.customer }} about order {{ input.order.id }}: {{ input.order.items }}"
        ' ({{ steps."Summarise".output.text }})',
        "model_id": "anthropic.claude-3-haiku-20240307-v1:0",
        "max_tokens": 200,
    }

    output = run_ai(config, CONTEXT, _settings(), client=client)

    assert output == {
        "text": "Hello Zoë, your tea is on its way.",
        "model_id": "anthropic.claude-3-haiku-20240307-v1:0",
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 12, "output_tokens": 5, "total_tokens": 17},
        "provider": "bedrock",
    }


def test_defaults_come_from_the_settings_and_max_tokens_is_capped(client: Any, stubber: Stubber) -> None:
    for max_tokens in (None, 50_000):
        stubber.add_response(
            "converse",
            _converse_response({"text": "ok"}, stop_reason="max_tokens"),
            expected_params={
                "modelId": "amazon.nova-micro-v1:0",
                "messages": [{"role": "user", "content": [{"text": "Hi"}]}],
                "inferenceConfig": {"maxTokens": 1_000},
            },
        )
        config: dict[str, Any] = {"prompt": "Hi"}
        if max_tokens is not None:
            config["max_tokens"] = max_tokens
        output = run_ai(config, CONTEXT, _settings(), client=client)
        assert output["model_id"] == "amazon.nova-micro-v1:0"
        assert output["stop_reason"] == "max_tokens"


def test_a_prompt_that_is_one_placeholder_sends_json_text(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "converse",
        _converse_response({"text": "ok"}),
        expected_params={
            "modelId": "amazon.nova-micro-v1:0",
            "messages": [{"role": "user", "content": [{"text": '{"id":7,"items":["tea","cups"]}'}]}],
            "inferenceConfig": {"maxTokens": 1_000},
        },
    )
    run_ai({"prompt": "{{ input.order }}"}, CONTEXT, _settings(), client=client)


def test_only_text_blocks_make_the_answer(client: Any, stubber: Stubber) -> None:
    stubber.add_response(
        "converse",
        _converse_response(
            {"reasoningContent": {"reasoningText": {"text": "thinking...", "signature": "sig"}}},
            {"text": "The answer."},
        ),
    )
    assert run_ai({"prompt": "Q?"}, CONTEXT, _settings(), client=client)["text"] == "The answer."


@pytest.mark.parametrize(
    ("code", "status", "retryable"),
    [
        ("ThrottlingException", 429, True),
        ("ServiceUnavailableException", 503, True),
        ("InternalServerException", 500, True),
        ("ModelNotReadyException", 429, True),
        ("AccessDeniedException", 403, False),
        ("ValidationException", 400, False),
        ("ResourceNotFoundException", 404, False),
    ],
)
def test_bedrock_errors_name_the_aws_code(
    client: Any, stubber: Stubber, code: str, status: int, retryable: bool
) -> None:
    stubber.add_client_error(
        "converse", service_error_code=code, service_message=f"{code} happened", http_status_code=status
    )

    with pytest.raises(StepFailed) as raised:
        run_ai({"prompt": "Hi"}, CONTEXT, _settings(), client=client)

    error = raised.value
    assert isinstance(error, StepRetryable) is retryable
    assert str(error) == f"Amazon Bedrock {code} for model 'amazon.nova-micro-v1:0': {code} happened"
    assert error.details == {"error_code": code}


class _FailingClient:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def converse(self, **kwargs: Any) -> Any:
        raise self.error


NEVER_CALLED = _FailingClient(AssertionError("a step error must be raised before Bedrock is called"))


@pytest.mark.parametrize("error_class", [EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError])
def test_an_unreachable_or_slow_endpoint_is_retryable(error_class: type[Exception]) -> None:
    client = _FailingClient(error_class(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com"))
    with pytest.raises(StepRetryable, match="could not reach Amazon Bedrock"):
        run_ai({"prompt": "Hi"}, CONTEXT, _settings(), client=client)


def test_missing_credentials_are_not_retryable() -> None:
    with pytest.raises(StepFailed, match="Unable to locate credentials") as raised:
        run_ai({"prompt": "Hi"}, CONTEXT, _settings(), client=_FailingClient(NoCredentialsError()))
    assert not isinstance(raised.value, StepRetryable)


def test_a_client_is_created_only_when_none_is_given(monkeypatch: pytest.MonkeyPatch, client: Any) -> None:
    created: list[Any] = []

    def make() -> Any:
        created.append(client)
        return client

    monkeypatch.setattr(ai, "make_bedrock_client", make)
    ai.shared_bedrock_client.cache_clear()
    try:
        with Stubber(client) as stub:
            stub.add_response("converse", _converse_response({"text": "made"}))
            stub.add_response("converse", _converse_response({"text": "again"}))
            assert run_ai({"prompt": "Hi"}, CONTEXT, _settings())["text"] == "made"
            assert run_ai({"prompt": "Hi"}, CONTEXT, _settings())["text"] == "again"
    finally:
        ai.shared_bedrock_client.cache_clear()
    assert created == [client]  # once per function, by its first ai step


def test_the_default_client_is_a_bedrock_runtime_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    created = ai.make_bedrock_client()
    assert created.meta.service_model.service_name == "bedrock-runtime"
    assert created.meta.region_name == "eu-west-1"


@pytest.mark.parametrize("prompt", ["   ", "{{ input.missing }}", "  {{ input.nothing }}  "])
def test_a_prompt_rendering_empty_is_a_step_error(prompt: str) -> None:
    with pytest.raises(StepFailed, match="empty"):
        run_ai({"prompt": prompt}, CONTEXT, _settings(), client=NEVER_CALLED)


@pytest.mark.parametrize("max_tokens", [0, -1, 64_001, "many"])
def test_an_invalid_max_tokens_is_a_step_error(max_tokens: Any) -> None:
    with pytest.raises(StepFailed, match="max_tokens"):
        typed_config(STEP_TYPES["ai"], {"prompt": "Hi", "max_tokens": max_tokens})
