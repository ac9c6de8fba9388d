"""Secrets in steps: `{{ secrets.NAME }}` references (saved: syntax only; run: the owner's value, resolved last),
and the redactor that keeps every value read, and credential headers, out of what a step writes."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from workflow_engine.models.secrets import secret_id, secret_reference, value_problem
from workflow_engine.models.step_configs import AiConfig, HttpConfig
from workflow_engine.models.step_errors import SecretNotFound, StepFailed
from workflow_engine.steps.placeholders import render
from workflow_engine.steps.redaction import MASK, Redactor
from workflow_engine.steps.runtime import InternalStepError, run_step
from workflow_engine.steps.secret_values import OwnerSecrets

CANARY = "canary-S3cr3t/+ value"


class FakeReader:
    """The owner's secrets by (user id, name): what data.secrets.SecretReader reads from Secrets Manager."""

    def __init__(self, values: dict[tuple[str, str], str]) -> None:
        self.values = values
        self.reads: list[tuple[str, str]] = []

    def value(self, user_id: str, name: str) -> str | None:
        self.reads.append((user_id, name))
        return self.values.get((user_id, name))


class FakeLogs:
    def __init__(self) -> None:
        self.items: list[Any] = []

    def put(self, record: Any) -> None:
        self.items.append(record)


def owner(values: dict[str, str], user_id: str = "u1") -> tuple[OwnerSecrets, Redactor, FakeReader]:
    reader = FakeReader({(user_id, name): value for name, value in values.items()})
    redactor = Redactor()
    return OwnerSecrets(reader, user_id, redactor), redactor, reader


# -- references -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "name"),
    [("secrets.API_KEY", "API_KEY"), (" secrets.a-b_9 ", "a-b_9"), ("input.secrets", None), ("secrets_x", None)],
)
def test_a_reference_is_the_word_secrets_then_a_name(expression: str, name: str | None) -> None:
    assert secret_reference(expression) == name


@pytest.mark.parametrize(
    "expression", ["secrets", "secrets.a.b", "secrets[0]", "secrets.bad name", "secrets." + "x" * 65]
)
def test_a_malformed_reference_is_refused(expression: str) -> None:
    with pytest.raises(ValueError, match="secrets.NAME"):
        secret_reference(expression)


def test_saving_a_workflow_checks_the_reference_syntax_only() -> None:
    HttpConfig(url="https://api.example.com/?k={{ secrets.NOT_SET_YET }}", headers={"X": "{{ secrets.my-key }}"})
    AiConfig(prompt="Use {{ secrets.TOKEN }} and {{ input.q }}")
    with pytest.raises(ValidationError, match=r"secrets\.NAME"):
        HttpConfig(url="https://api.example.com/", headers={"X": "{{ secrets.a.b }}"})


def test_a_secret_id_is_under_the_owner_prefix() -> None:
    assert secret_id("Stack/secrets", "u-1", "API_KEY") == "Stack/secrets/u-1/API_KEY"
    with pytest.raises(ValueError):
        secret_id("Stack/secrets", "u/1", "API_KEY")
    with pytest.raises(ValueError):
        secret_id("Stack/secrets", "u1", "../x")


def test_values_are_one_to_65536_characters_and_bytes() -> None:
    assert value_problem("x") is None and value_problem("x" * 65_536) is None
    assert "at least 1" in (value_problem("") or "")
    assert "65536" in (value_problem("x" * 65_537) or "")
    assert "bytes" in (value_problem("é" * 40_000) or "")
    assert "é" not in (value_problem("é" * 40_000) or "")  # never quotes the value


# -- resolving --------------------------------------------------------------------------------------------------


def test_secrets_resolve_for_the_owner_in_whole_and_partial_strings() -> None:
    secrets, redactor, reader = owner({"KEY": CANARY})
    rendered = render(
        {"url": "https://x/?k={{ secrets.KEY }}&q={{ input.q }}", "auth": "{{ secrets.KEY }}"},
        {"input": {"q": "hi"}},
        secrets=secrets,
    )
    assert rendered == {"url": f"https://x/?k={CANARY}&q=hi", "auth": CANARY}
    assert reader.reads == [("u1", "KEY"), ("u1", "KEY")]
    assert redactor.text(rendered["url"]) == f"https://x/?k={MASK}&q=hi"


def test_a_value_from_the_context_never_names_a_secret() -> None:
    """Resolved last, in the template only: input that spells a reference stays text."""
    secrets, _, reader = owner({"KEY": CANARY})
    rendered = render("a={{ input.q }} b={{ secrets.KEY }}", {"input": {"q": "{{ secrets.KEY }}"}}, secrets=secrets)
    assert rendered == f"a={{{{ secrets.KEY }}}} b={CANARY}"
    assert reader.reads == [("u1", "KEY")]


def test_a_missing_secret_and_another_users_secret_are_not_found() -> None:
    reader = FakeReader({("other-user", "KEY"): CANARY})
    secrets = OwnerSecrets(reader, "u1", Redactor())
    with pytest.raises(SecretNotFound, match="'KEY' not found"):
        render("{{ secrets.KEY }}", {}, secrets=secrets)
    assert reader.reads == [("u1", "KEY")]


def test_without_a_secret_source_a_reference_fails_the_step() -> None:
    with pytest.raises(StepFailed, match="http and ai steps only"):
        render("x {{ secrets.KEY }}", {})


# -- redaction --------------------------------------------------------------------------------------------------


def test_the_redactor_masks_values_and_their_encoded_spellings_and_credential_headers() -> None:
    redactor = Redactor()
    redactor.add(CANARY)
    value = {
        "body": {
            "echo": f"x {CANARY} y",
            "query": "k=canary-S3cr3t%2F%2B%20value",
            "form": "canary-S3cr3t%2F%2B+value",
        },
        "headers": {"Set-Cookie": "sid=1", "X-API-KEY": "abc", "content-type": "text/plain"},
        CANARY: 1,
    }
    assert redactor.value(value) == {
        "body": {"echo": f"x {MASK} y", "query": f"k={MASK}", "form": MASK},
        "headers": {"Set-Cookie": MASK, "X-API-KEY": MASK, "content-type": "text/plain"},
        MASK: 1,
    }


def test_credential_headers_are_masked_without_any_secret() -> None:
    assert Redactor().value({"headers": {"authorization": "Bearer t", "cookie": "c", "accept": "*/*"}}) == {
        "headers": {"authorization": MASK, "cookie": MASK, "accept": "*/*"}
    }


def event() -> dict[str, Any]:
    return {
        "execution_id": "e1",
        "workflow_id": "w1",
        "user_id": "u1",
        "step": {"key": "s1", "name": "Call", "type": "http", "config_json": '{"url": "{{ secrets.KEY }}"}'},
        "document": {"input": {"a": 1}, "results": {}},
    }


def test_the_runtime_masks_the_output_and_the_log_of_a_step_that_read_a_secret() -> None:
    logs = FakeLogs()
    reader = FakeReader({("u1", "KEY"): CANARY})

    def runner(config: dict[str, Any], context: dict[str, Any], secrets: OwnerSecrets) -> Any:
        used = render(config["url"], context, secrets=secrets)
        return {"echo": used, "headers": {"set-cookie": "s"}}

    output = run_step(event(), runner, logs, 10_000, reader)
    assert output == {"echo": MASK, "headers": {"set-cookie": MASK}}
    [item] = logs.items
    assert CANARY not in repr(item) and item.output_data == output


def test_the_runtime_masks_a_failure_message_and_its_details() -> None:
    logs = FakeLogs()
    reader = FakeReader({("u1", "KEY"): CANARY})

    def runner(config: dict[str, Any], context: dict[str, Any], secrets: OwnerSecrets) -> Any:
        used = render(config["url"], context, secrets=secrets)
        raise StepFailed(f"HTTP 401 for {used}", details={"response": {"body": used}})

    with pytest.raises(StepFailed) as raised:
        run_step(event(), runner, logs, 10_000, reader)
    assert CANARY not in str(raised.value) and MASK in str(raised.value)
    [item] = logs.items
    assert CANARY not in repr(item)


def test_an_internal_error_holding_a_value_is_masked_before_it_leaves() -> None:
    reader = FakeReader({("u1", "KEY"): CANARY})

    def runner(config: dict[str, Any], context: dict[str, Any], secrets: OwnerSecrets) -> Any:
        raise KeyError(render(config["url"], context, secrets=secrets))

    with pytest.raises(InternalStepError) as raised:
        run_step(event(), runner, FakeLogs(), 10_000, reader)
    assert CANARY not in str(raised.value) and "KeyError" in str(raised.value)


def test_a_missing_secret_is_reported_as_secret_not_found() -> None:
    logs = FakeLogs()

    def runner(config: dict[str, Any], context: dict[str, Any], secrets: OwnerSecrets) -> Any:
        return render(config["url"], context, secrets=secrets)

    with pytest.raises(SecretNotFound, match="Step 'Call' failed: secret 'KEY' not found"):
        run_step(event(), runner, logs, 10_000, FakeReader({}))
    assert logs.items[0].error_message.startswith("Step 'Call' failed: secret 'KEY' not found")
