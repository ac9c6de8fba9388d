"""The ai step end to end: the one BedrockProvider against the local stack's Converse (infra/local/bedrock.py),
through the real state machine, including throttling (retried) and a validation error (fails the step)."""

from __future__ import annotations

import uuid

import pytest

from infra.local import bedrock
from tests.integration.conftest import wait_terminal


@pytest.fixture
def model_id():
    """A model id of this test's own, so scripted errors reach only its calls."""
    model = f"test.model-{uuid.uuid4().hex[:8]}"
    yield model
    bedrock.reset()


def _run(api, step: dict, input_data: dict, timeout: float = 60.0) -> tuple[str, dict]:
    status, workflow, _ = api.call("POST", "/api/workflows", {"name": "ai", "steps": [step]})
    assert status == 201, workflow
    status, started, _ = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": input_data})
    assert status == 202, started
    return started["execution_id"], wait_terminal(api, started["execution_id"], timeout)


def _logs(api, execution_id: str) -> list[dict]:
    status, body, _ = api.call("GET", f"/api/workflows/executions/{execution_id}/logs")
    assert status == 200, body
    return body


def test_the_answer_has_bedrocks_shape_and_honours_max_tokens(api, model_id):
    step = {"name": "Ask", "type": "ai", "config": {"prompt": "Greet {{ input.who }} warmly", "model_id": model_id}}
    _, final = _run(api, step, {"who": "Zoë"})

    assert final["status"] == "completed", final
    assert final["output_data"] == {
        "text": f"[local-bedrock model={model_id}] Greet Zoë warmly",
        "model_id": model_id,
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 3, "output_tokens": 5, "total_tokens": 8},
        "provider": "bedrock",
    }

    short = {**step, "config": {**step["config"], "max_tokens": 2}}
    _, final = _run(api, short, {"who": "Zoë"})
    assert final["output_data"]["stop_reason"] == "max_tokens"
    assert final["output_data"]["text"] == f"[local-bedrock model={model_id}]"


def test_throttling_is_retried_until_the_model_answers(api, model_id):
    # The SDK retries once itself (make_bedrock_client: 2 attempts); the third throttle reaches the state
    # machine as a retryable step error, and the step's retry policy runs it again.
    bedrock.fail_converse(model_id, "ThrottlingException", times=3)
    step = {
        "name": "Ask",
        "type": "ai",
        "config": {"prompt": "Hi", "model_id": model_id},
        "retry": {"max_attempts": 3, "interval_seconds": 1, "backoff_rate": 1.0},
    }
    execution_id, final = _run(api, step, {})

    assert final["status"] == "completed", final
    assert final["output_data"]["text"] == f"[local-bedrock model={model_id}] Hi"
    entries = _logs(api, execution_id)
    assert [entry["attempt"] for entry in entries] == [1, 2]
    assert "ThrottlingException" in entries[0]["error_message"]
    assert entries[1]["error_message"] is None


def test_a_validation_error_fails_the_step_and_the_execution(api, model_id):
    bedrock.fail_converse(model_id, "ValidationException")
    step = {"name": "Ask", "type": "ai", "config": {"prompt": "Hi", "model_id": model_id}}
    execution_id, final = _run(api, step, {})

    assert final["status"] == "failed", final
    assert "ValidationException" in final["error_message"]
    (entry,) = _logs(api, execution_id)
    assert "ValidationException" in entry["error_message"]
