"""Schemathesis against the OpenAPI document the local stack serves (GET /api/openapi.json, with a token).

Every operation gets positive cases (valid per the document) and negative cases (violating it), sent over
HTTP with a valid token; every response must be a non-5xx that conforms to the document: a documented
status code, content type, headers and body schema. Positive cases must be accepted (2xx, or 404 for ids
that do not exist), negative ones rejected with a 4xx.

Excluded checks, each for a reason (everything else schemathesis has runs):
- unsupported_method: expects 405 for an undeclared method; API Gateway HTTP APIs answer 404 for a method
  with no route, and the local stack does what API Gateway does.
- use_after_free / ensure_resource_availability: stateful-sequence checks; the stateful flows (create, read,
  delete, read again) are asserted by tests/e2e and tests/reliability/test_isolation.py.

A second run sends workflow definitions whose blocks nest (tests/reliability/nested_definitions.py), valid or a
little wrong, on create and replace: schemathesis's own cases seldom reach a block in a block. Each answer is a
non-5xx that conforms to the document, and the bodies nested past the models' limits (blocks 4 deep, conditions
10) or the body parser's (64 levels) are a 422 stating that rule.

A third run sends documents nested far deeper than the document can say (a schema has no depth limit, so
schemathesis never generates them) where the API parses JSON: as the `next_token` of the three paginated
operations, and as the body, or one field of a generated body, of every operation that takes one.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from schemathesis.specs.openapi.checks import (
    ensure_resource_availability,
    positive_data_acceptance,
    unsupported_method,
    use_after_free,
)

from tests.reliability.conftest import Client
from tests.reliability.nested_definitions import DEEP_BODIES, nested_steps

pytestmark = [pytest.mark.xdist_group("reliability"), pytest.mark.slow]

EXAMPLES_PER_OPERATION_AND_MODE = 60  # x 18 operations x 2 modes (health has no negative cases)
EXCLUDED_CHECKS = [unsupported_method, use_after_free, ensure_resource_availability, positive_data_acceptance]
# 422s that schema-valid data may still get: rules the document cannot express (a JMESPath expression that
# parses, unique step names, a cursor minted by the API, a url that parses...), raised by validators as
# value errors (and url_* errors for urls).
SEMANTIC_422 = {"value_error"}


@pytest.fixture(scope="module")
def served_schema(alice: Client) -> Any:
    response = alice.get("/api/openapi.json")
    assert response.status_code == 200
    return schemathesis.openapi.from_dict(response.json())


def test_generated_requests_get_no_5xx_and_conform_to_the_document(rstack, alice, served_schema):
    headers = {"Authorization": alice.session.headers["Authorization"]}
    workflow = alice.create_workflow([{"name": "a", "type": "transform", "config": {"expression": "input"}}])
    operations = [result.ok() for result in served_schema.get_all_operations()]
    # 18, the secrets routes (PUT, GET, DELETE), an approval's decision (POST), a workflow's triggers (POST, GET,
    # GET one, DELETE), the inbound webhook (POST, no token: every generated call is unsigned), a workflow's
    # schedules (GET, POST, GET one, PUT, DELETE), the validation of a definition (POST) and the editor's helpers
    # (POST parse, POST evaluate)
    assert len(operations) == 35
    sent: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    with_token: Counter[bool] = Counter()
    failures: list[str] = []
    not_negated: list[str] = []
    started = time.monotonic()

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # Half of the positive cases name a real workflow of the caller, so execute/get/put reach the
            # service and not only the 404 path.
            path_parameters = {"workflow_id": workflow["id"]} if mode is GenerationMode.POSITIVE else None
            strategy = operation.as_strategy(generation_mode=mode)
            if path_parameters and "{workflow_id}" in operation.path and operation.method.upper() != "DELETE":
                strategy = strategy | operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @settings(
                max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def run(case: Any) -> None:
                response = case.call(base_url=rstack["ApiUrl"], headers=headers, timeout=60)
                sent[case.operation.label] += 1
                statuses[response.status_code] += 1
                with_token[response.status_code != 401] += 1  # 401: a case that negated the token itself
                try:
                    case.validate_response(response, headers=headers, excluded_checks=EXCLUDED_CHECKS)
                    if mode is GenerationMode.POSITIVE:  # noqa: B023 (run() is called in this iteration)
                        _accepted_or_rejected_for_a_semantic_reason(response, case.operation.path)
                except FailureGroup as group:
                    real = [failure for failure in group.exceptions if not _tolerated(failure, case)]
                    if real:
                        sent_as = f"query {case.query!r}, headers {sorted((case.headers or {}).items())!r}"
                        failures.append(
                            f"{case.operation.label} ({sent_as}): {response.status_code} {response.text[:300]}\n{real}"
                        )
                except AssertionError as error:  # collect: one run reports every failure
                    failures.append(f"{case.operation.label}: {response.status_code} {response.text[:300]}\n{error}")

            try:
                run()
            except Unsatisfiable:  # nothing to negate: GET /api/health has no parameters at all
                assert mode is GenerationMode.NEGATIVE and operation.path == "/api/health"
            except InvalidSchema as error:
                # The step schema is recursive (blocks hold step lists): schemathesis cuts it at a fixed depth, and
                # negating the cut schema can demand an array item no schema allows. Those operations are still
                # fuzzed with valid cases, and the deep-nesting test below sends them nested and malformed bodies.
                assert mode is GenerationMode.NEGATIVE and "demanded elements" in str(error), error
                not_negated.append(operation.label)

    elapsed = time.monotonic() - started
    total = sum(sent.values())
    print(
        f"\nschemathesis: {total} requests ({with_token[True]} authorized) over {len(operations)} operations "
        f"in {elapsed:.1f}s; statuses {dict(sorted(statuses.items()))}"
    )
    assert not failures, f"{len(failures)} failures; the first ones:\n\n" + "\n\n".join(failures[:10])
    assert set(not_negated) <= {
        "POST /api/workflows",
        "PUT /api/workflows/{workflow_id}",
        "POST /api/workflows/validate",
    }
    assert with_token[True] >= 900
    assert not [code for code in statuses if code >= 500]


# The negations behind an accepted "negative" case that are not errors of this API: an unknown query
# parameter (ignored, as API Gateway and nearly every HTTP API do) and a dropped Authorization header (the
# test sends its token with every case, so the header was not in fact missing).
TOLERATED_NEGATIONS = {"query: violates `additionalProperties`", "header: violates `required` (was Authorization)"}


def _tolerated(failure: Exception, case: Any) -> bool:
    if not isinstance(failure, AcceptedNegativeData):
        return False
    _, _, components = failure.message.partition("Invalid component:")
    listed = {line.strip().removeprefix("- ").strip() for line in components.splitlines() if line.strip()}
    return bool(listed) and all(
        component in TOLERATED_NEGATIONS or _erased_on_the_wire(component, case) for component in listed
    )


def _erased_on_the_wire(component: str, case: Any) -> bool:
    """A query parameter negated by its type (a number, a list, an object where the document says string): in
    a URL it is a string again, or absent (an empty list, an exploded object), so the server sees a valid
    request. A string that breaks the schema (too long) is never tolerated."""
    prefix = "query: violates `anyOf` at /properties/"
    if not component.startswith(prefix):
        return False
    value = (case.query or {}).get(component.removeprefix(prefix), None)
    return not isinstance(value, str)


# The inbound webhook's signature: a document cannot say how to compute one, so every generated call is 401 (a
# stale or absent X-Timestamp, a signature that does not match), or 404/415 before the signature is read.
UNSIGNABLE = {"/api/hooks/{trigger_id}": {401, 415}}


def _accepted_or_rejected_for_a_semantic_reason(response: Any, path: str = "") -> None:
    """positive_data_acceptance, with the 422s the document cannot rule out told apart from real rejections."""
    if response.status_code < 400 or response.status_code in (404, 409, 413):
        return
    if response.status_code in UNSIGNABLE.get(path, set()):
        return
    assert response.status_code == 422, f"schema-valid request answered {response.status_code}"
    body = response.json()
    kinds = {item["type"] for item in body.get("detail", [])}
    unexplained = {kind for kind in kinds if kind not in SEMANTIC_422 and not kind.startswith("url_")}
    assert not unexplained, f"schema-valid request rejected: {body}"


# Deeper than Python's recursion limit (1,000) or than the API's body limit (64 levels), open or closed.
DEEP_DOCUMENTS = {
    "1,500 open lists": b"[" * 1_500,
    "1,000 closed lists": b"[" * 1_000 + b"]" * 1_000,
    "1,000 objects": b'{"a":' * 1_000 + b"1" + b"}" * 1_000,
    "800 lists of objects": b'[{"a":' * 800 + b"0" + b"}]" * 800,
    "65 lists": b"[" * 65 + b"]" * 65,
    "5,000 open objects": b'{"a":' * 5_000,
}
DEEP_CASES_PER_DOCUMENT = 3
PLACEHOLDER = "deep-" + uuid.uuid4().hex


@st.composite
def _deeply_nested(draw: Any, operation: Any, document: bytes) -> tuple[Any, dict[str, Any]]:
    """A generated valid case carrying `document` as its next_token, or as its body or one of its body's fields
    (returned as the raw `data` to send: such a document cannot go through json.dumps)."""
    case = draw(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    if "step_name" in (case.path_parameters or {}):  # any text is a valid name, but "/" or "%" routes nowhere (404)
        case.path_parameters = {**case.path_parameters, "step_name": "approve"}
    if "next_token" in {parameter.name for parameter in operation.query}:
        case.query = {**(case.query or {}), "next_token": base64.urlsafe_b64encode(document).decode().rstrip("=")}
        return case, {}
    body = case.body if isinstance(case.body, dict) else {}
    field = draw(st.sampled_from([None, *sorted(body)]))  # None: the document is the whole body
    if field is None:
        return case, {"data": document}
    raw = json.dumps({**body, field: PLACEHOLDER}).encode().replace(f'"{PLACEHOLDER}"'.encode(), document)
    return case, {"data": raw}


def test_deeply_nested_tokens_and_bodies_get_422_and_conform(rstack, alice, served_schema):
    headers = {"Authorization": alice.session.headers["Authorization"]}
    operations = [
        operation
        for operation in (result.ok() for result in served_schema.get_all_operations())
        if (operation.body or "next_token" in {parameter.name for parameter in operation.query})
        and operation.path not in UNSIGNABLE  # its body is read after the signature: test_webhook_attacks
    ]
    # 3 paginated, 13 with a JSON body (secrets, an approval's decision, schedules, validation, the editor's
    # parse and evaluate among them)
    assert len(operations) == 16
    statuses: Counter[int] = Counter()
    failures: list[str] = []

    for operation in operations:
        for name, document in DEEP_DOCUMENTS.items():

            @settings(
                max_examples=DEEP_CASES_PER_DOCUMENT,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(generated=_deeply_nested(operation, document))
            def run(generated: tuple[Any, dict[str, Any]]) -> None:
                case, body = generated
                response = case.call(base_url=rstack["ApiUrl"], headers=headers, timeout=60, **body)
                statuses[response.status_code] += 1
                label = f"{case.operation.label} with {name}"  # noqa: B023 (run() is called in this iteration)
                try:
                    case.validate_response(response, headers=headers, excluded_checks=EXCLUDED_CHECKS)
                    assert response.status_code == 422, f"answered {response.status_code}"
                except FailureGroup as group:
                    failures.append(f"{label}: {response.status_code} {response.text[:300]}\n{group.exceptions}")
                except AssertionError as error:
                    failures.append(f"{label}: {response.status_code} {response.text[:300]}\n{error}")

            run()

    print(f"\ndeeply nested: {sum(statuses.values())} requests; statuses {dict(sorted(statuses.items()))}")
    assert not failures, f"{len(failures)} failures; the first ones:\n\n" + "\n\n".join(failures[:10])
    assert sum(statuses.values()) >= len(operations) * len(DEEP_DOCUMENTS)


NESTED_EXAMPLES = 120  # per operation
NESTED_OPERATIONS = ("POST /api/workflows", "PUT /api/workflows/{workflow_id}")
BLOCK_TYPES = ("choice", "parallel", "map")


def _block_depth(steps: Any) -> int:
    """How many blocks deep a generated step list goes (0: no block at all)."""
    deepest, pending = 0, [(steps, 0)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict) and value.get("type") in BLOCK_TYPES and isinstance(value.get("config"), dict):
            deepest = max(deepest, depth + 1)
            config = value["config"]
            holders = [config, *[b for b in config.get("branches") or [] if isinstance(b, dict)]]
            pending.extend((holder.get(key), depth + 1) for holder in holders for key in ("steps", "otherwise"))
        elif isinstance(value, list):
            pending.extend((item, depth) for item in value)
    return deepest


def test_nested_definitions_get_no_5xx_and_conform(rstack, alice, served_schema):
    headers = {"Authorization": alice.session.headers["Authorization"]}
    workflow = alice.create_workflow([{"name": "a", "type": "transform", "config": {"expression": "input"}}])
    by_label = {operation.label: operation for operation in (r.ok() for r in served_schema.get_all_operations())}
    statuses: Counter[int] = Counter()
    depths: Counter[int] = Counter()
    failures: list[str] = []

    def check(case: Any, response: Any, rule: str | None = None) -> None:
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, headers=headers, excluded_checks=EXCLUDED_CHECKS)
            assert response.status_code in (200, 201, 422), f"answered {response.status_code}"
            assert "Recursion error" not in response.text
            if rule is not None:
                assert response.status_code == 422 and rule in response.text, f"no {rule!r}"
        except FailureGroup as group:
            failures.append(f"{case.operation.label}: {response.status_code} {response.text[:300]}\n{group.exceptions}")
        except AssertionError as error:
            failures.append(f"{case.operation.label}: {response.status_code} {response.text[:300]}\n{error}")

    for label in NESTED_OPERATIONS:
        strategy = by_label[label].as_strategy(
            generation_mode=GenerationMode.POSITIVE,
            path_parameters={"workflow_id": workflow["id"]} if "{workflow_id}" in label else None,
        )

        @settings(
            max_examples=NESTED_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy, steps=nested_steps())
        def run(case: Any, steps: list[Any]) -> None:
            case.body = {"name": "nested", "steps": steps}
            depths[_block_depth(steps)] += 1
            check(case, case.call(base_url=rstack["ApiUrl"], headers=headers, timeout=60))

        run()

        for text, rule in DEEP_BODIES.values():

            @settings(max_examples=1, deadline=None, database=None, derandomize=True, phases=[Phase.generate])
            @given(case=strategy)
            def deep(case: Any) -> None:
                response = case.call(base_url=rstack["ApiUrl"], headers=headers, timeout=60, data=text.encode())  # noqa: B023
                check(case, response, rule)  # noqa: B023 (deep() is called in this iteration)

            deep()

    print(f"\nnested: statuses {dict(sorted(statuses.items()))}; block depths {dict(sorted(depths.items()))}")
    assert not failures, f"{len(failures)} failures; the first ones:\n\n" + "\n\n".join(failures[:10])
    assert sum(count for depth, count in depths.items() if depth >= 2) >= NESTED_EXAMPLES // 4  # blocks in blocks
    assert statuses[422] >= NESTED_EXAMPLES
    assert statuses[201] and statuses[200]  # valid nested definitions are created and replaced (compiled, deployed)


def test_not_a_server_error_is_among_the_checks():
    """The check list used above includes the 5xx check (a guard against a future exclusion)."""
    assert not_a_server_error not in EXCLUDED_CHECKS
    assert uuid.UUID(str(uuid.uuid4()))
