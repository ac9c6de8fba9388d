"""Hand-written bad input over HTTP: unparseable JSON, wrong content types, huge bodies and query values,
Unicode, deeply nested documents, numbers JSON cannot carry. Every answer is a 4xx that says what is wrong,
or a success that round-trips the data exactly; never a 5xx.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests

from api.request_body import MAX_JSON_DEPTH, parse_json_body
from tests.reliability.conftest import Client

pytestmark = pytest.mark.xdist_group("reliability")

STEPS = [{"name": "Echo", "type": "transform", "config": {"expression": "input"}}]
JSON = {"Content-Type": "application/json"}
MB = 1024 * 1024


@pytest.fixture(scope="module")
def workflow(alice: Client) -> dict[str, Any]:
    return alice.create_workflow(STEPS, name="bad input")


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _body_routes(workflow: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("POST", "/api/workflows"),
        ("PUT", f"/api/workflows/{workflow['id']}"),
        ("POST", f"/api/workflows/{workflow['id']}/execute"),
        ("PUT", "/api/secrets/BAD_INPUT"),
    ]


UNPARSEABLE = [
    "{oops",
    '{"name": "x",}',
    "{'name': 'x'}",
    '{"name": "x"',
    "[1, 2",
    "\x00\x01",
    '"unterminated',
    '{"a": 1} trailing',
]


@pytest.mark.parametrize("text", UNPARSEABLE, ids=range(len(UNPARSEABLE)))
def test_unparseable_json_is_422_on_every_body_route(alice, workflow, text):
    for method, path in _body_routes(workflow):
        response = alice.request(method, path, data=text.encode(), headers=JSON)
        assert response.status_code == 422, (method, path, response.text)
        assert response.json()["detail"][0]["type"] == "json_invalid"


NOT_JSON_NUMBERS = ["NaN", "-NaN", "Infinity", "-Infinity", "1e999", "-1e400", "9" * 5000]


@pytest.mark.parametrize(
    "number", NOT_JSON_NUMBERS, ids=["nan", "-nan", "inf", "-inf", "1e999", "-1e400", "5000-digits"]
)
def test_numbers_json_cannot_carry_are_422(alice, workflow, number):
    response = alice.post(
        f"/api/workflows/{workflow['id']}/execute", data=f'{{"input_data": {{"x": {number}}}}}', headers=JSON
    )
    assert response.status_code == 422, response.text


def test_wrong_content_types(alice, workflow):
    definition = json.dumps({"name": "typed", "steps": STEPS})
    for method, path in _body_routes(workflow):
        text = alice.request(method, path, data=definition, headers={"Content-Type": "text/plain"})
        assert text.status_code == 415 and "application/json" in text.json()["message"], text.text
        xml = alice.request(method, path, data="<a/>", headers={"Content-Type": "application/xml"})
        assert xml.status_code == 415
        form = alice.request(
            method, path, data="name=x&steps=1", headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert form.status_code == 422, form.text
        binary = alice.request(method, path, data=b"\xff\xfe\x00\x81garbage", headers=JSON)
        assert binary.status_code == 422 and binary.json() == {"message": "The request body is not valid UTF-8 JSON"}
    no_type = alice.request("POST", "/api/workflows", data=definition, headers={"Content-Type": ""})
    assert no_type.status_code == 201  # API Gateway leaves the header out; the body is still JSON
    charset = alice.request(
        "POST", "/api/workflows", data=definition, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert charset.status_code == 201


def test_huge_bodies(alice, workflow):
    eleven_mb = b" " * (11 * MB)
    response = alice.post("/api/workflows", data=eleven_mb, headers=JSON)
    assert response.status_code == 413 and response.json() == {"message": "Request Entity Too Large"}

    def chunks():  # no Content-Length: the quota must hold for a chunked body too
        for _ in range(11):
            yield b" " * MB

    response = alice.post("/api/workflows", data=chunks(), headers=JSON)
    assert response.status_code == 413, response.text[:200]

    nine_mb_name = json.dumps({"name": "n" * (9 * MB), "steps": STEPS})
    response = alice.post("/api/workflows", data=nine_mb_name, headers=JSON)
    assert response.status_code == 422 and response.json()["detail"][0]["type"] == "string_too_long"

    big_input = alice.execute(workflow["id"], {"blob": "x" * (5 * MB)})
    assert big_input.status_code == 413 and "262144" in big_input.json()["message"]
    just_under = alice.execute(workflow["id"], {"blob": "x" * 100_000})
    assert just_under.status_code == 202
    assert alice.wait_terminal(just_under.json()["execution_id"])["output_data"] == {"blob": "x" * 100_000}


def test_huge_query_and_header_values(alice, workflow):
    logs = f"/api/workflows/executions/{uuid.uuid4()}/logs"
    for path, params in [
        ("/api/workflows", {"limit": "9" * 5000}),
        ("/api/workflows", {"offset": "9" * 5000}),
        ("/api/workflows", {"next_token": "a" * 50_000}),
        ("/api/workflows/executions", {"workflow_id": "f" * 20_000}),
        ("/api/workflows/executions", {"status_filter": "s" * 20_000}),
        (logs, {"step_name": "a" * 60_000}),
        (logs, {"step_type": "t" * 60_000}),
        (logs, {"limit": "-" + "9" * 1000}),
    ]:
        response = alice.get(path, params=params)
        assert response.status_code == 422, (path, list(params), response.status_code)
    too_long_url = alice.get("/api/workflows", params={"x": "a" * 70_000})
    assert 400 <= too_long_url.status_code < 500  # 414 URI Too Long
    many = alice.get("/api/workflows", params=[(f"p{i}", "v") for i in range(2_000)])
    assert many.status_code == 200
    key = alice.execute(workflow["id"], {}, headers={"Idempotency-Key": "k" * 5_000})
    assert key.status_code == 422
    huge_header = alice.get("/api/workflows", headers={"X-Junk": "j" * 60_000})
    assert huge_header.status_code < 500


def test_unicode_round_trips_and_invalid_unicode_is_refused(alice):
    names = [
        "Käse & Brötchen",
        "注文を処理する",
        "😀 emoji",
        "עברית rtl \u202e mark",
        "a\u0000b nul",
        "e\u0301 combining",
    ]
    for name in names:
        created = alice.post("/api/workflows", json={"name": name, "description": name, "steps": STEPS})
        assert created.status_code == 201, (name, created.text)
        assert alice.get(f"/api/workflows/{created.json()['id']}").json()["name"] == name
    step_names = ["Lade Bestellung", "注文", "😀"]
    steps = [{"name": n, "type": "transform", "config": {"expression": "input"}} for n in step_names]
    workflow = alice.create_workflow(steps)
    data = {"text": "".join(names), "ключ": "значение", "😀": ["🙂", {"深い": "値"}]}
    execution = alice.execute(workflow["id"], data).json()["execution_id"]
    final = alice.wait_terminal(execution)
    assert final["status"] == "completed" and final["output_data"] == data and final["input_data"] == data
    assert [log["step_name"] for log in alice.logs(execution)] == step_names
    assert [log["step_name"] for log in alice.logs(execution, "?step_name=%E6%B3%A8%E6%96%87")] == ["注文"]

    lone_surrogate = '{"name": "x", "description": "\\ud800", "steps": []}'
    response = alice.post("/api/workflows", data=lone_surrogate, headers=JSON)
    assert response.status_code == 422 and "surrogate" in response.text
    response = alice.post(
        f"/api/workflows/{workflow['id']}/execute", data='{"input_data": {"\\udc00": 1}}', headers=JSON
    )
    assert response.status_code == 422
    for path in (
        "/api/workflows/%C3%BC",
        "/api/workflows/%ff%fe",
        "/api/workflows/%22quoted%22",
        "/api/workflows/%E2%80%AE",
    ):
        response = alice.get(path)
        assert response.status_code in (404, 422), (path, response.status_code, response.text)


def test_deeply_nested_input_is_refused_up_front_and_the_limit_itself_works(alice, workflow):
    for depth in (10_000, 1_000, 300, MAX_JSON_DEPTH):  # the request envelope is one level already
        body = f'{{"input_data": {{"x": {_nested(depth)}}}}}'
        response = alice.post(f"/api/workflows/{workflow['id']}/execute", data=body, headers=JSON)
        assert response.status_code == 422, (depth, response.text[:200])
        assert f"nested more than {MAX_JSON_DEPTH} levels" in response.text
    deep_dicts = '{"input_data": ' + '{"a": ' * 5_000 + "1" + "}" * 5_001
    assert alice.post(f"/api/workflows/{workflow['id']}/execute", data=deep_dicts, headers=JSON).status_code == 422
    deep_config = {"name": "x", "steps": [{"name": "h", "type": "http", "config": {"url": "http://127.0.0.1/"}}]}
    text = json.dumps(deep_config).replace('"http://127.0.0.1/"}', '"http://127.0.0.1/", "body": ' + _nested(400) + "}")
    assert alice.post("/api/workflows", data=text, headers=JSON).status_code == 422

    deepest = json.loads(_nested(MAX_JSON_DEPTH - 2))  # + {"input_data": {"x": ...}} = the limit
    started = alice.execute(workflow["id"], {"x": deepest})
    assert started.status_code == 202, started.text[:300]
    final = alice.wait_terminal(started.json()["execution_id"])
    assert final["status"] == "completed" and final["output_data"] == {"x": deepest}
    assert alice.logs(final["id"])[0]["output_data"] == {"x": deepest}


def test_other_odd_bodies(alice, workflow):
    execute = f"/api/workflows/{workflow['id']}/execute"
    assert alice.post(execute, data="null", headers=JSON).status_code == 202  # no input at all
    assert alice.post(execute, data="", headers=JSON).status_code == 202
    for body in ("[]", '"text"', "1", "true", '{"input_data": [1]}', '{"input_data": "x"}', '{"extra": 1}'):
        assert alice.post(execute, data=body, headers=JSON).status_code == 422, body
    duplicate = alice.post(execute, data='{"input_data": {"a": 1, "a": 2}}', headers=JSON)
    assert duplicate.status_code == 202  # the last value wins, as in every JSON parser of the stack
    assert alice.wait_terminal(duplicate.json()["execution_id"])["input_data"] == {"a": 2}
    unknown_method = requests.request("PATCH", alice.base + "/api/workflows", timeout=10)
    assert unknown_method.status_code == 404 and unknown_method.json() == {"message": "Not Found"}


# --- the parser itself ----------------------------------------------------------------------------------


def test_parse_json_body_accepts_json_and_refuses_the_rest():
    assert parse_json_body('{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}
    assert parse_json_body(_nested(MAX_JSON_DEPTH)) is not None
    for text in ("NaN", "[Infinity]", "1e999", "9" * 5000, _nested(MAX_JSON_DEPTH + 1), _nested(100_000), '"\\ud800"'):
        with pytest.raises(json.JSONDecodeError):
            parse_json_body(text)
    with pytest.raises(json.JSONDecodeError):
        parse_json_body('{"\\udfff": 1}')
