"""Queries through the handlers on moto: date ranges on the executions list, `q` on an execution's logs, and
the log search across executions (GET /api/logs).

Executions and logs with chosen times are written through the repositories (as the API and the step Lambdas
write them), so ranges are exact; one real execution checks that the step Lambdas store the search text.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from tests.integration.conftest import api_tables, wait_terminal
from workflow_engine.data import logs as logs_module
from workflow_engine.data.executions import ExecutionRepository
from workflow_engine.data.logs import LogRepository
from workflow_engine.models.execution import ExecutionRecord, ExecutionStatus, LogRecord
from workflow_engine.platform.aws import client
from workflow_engine.platform.settings import TableSettings

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STATUSES = (ExecutionStatus.COMPLETED, ExecutionStatus.FAILED)


def stored(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _tables() -> TableSettings:
    return api_tables()


def put_execution(user_id: str, workflow_id: str, started: datetime, status: ExecutionStatus) -> str:
    record = ExecutionRecord(
        execution_id=str(uuid.uuid4()),
        user_id=user_id,
        workflow_id=workflow_id,
        workflow_version=1,
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:none",
        status=status,
        started_at=stored(started),
        updated_at=stored(started),
        completed_at=stored(started + timedelta(seconds=1)),
    )
    ExecutionRepository(client("dynamodb"), _tables().executions_table).create(record)
    return record.execution_id


def put_log(user_id: str, workflow_id: str, execution_id: str, at: datetime, **fields) -> str:
    values = {
        "step_name": "Load order",
        "step_type": "transform",
        "input_data": {"input": {"order": 1}},
        "output_data": {"ok": True},
        "duration_ms": 5,
        **fields,
    }
    record = LogRecord(
        id=str(uuid.uuid4()),
        execution_id=execution_id,
        user_id=user_id,
        workflow_id=workflow_id,
        attempt=1,
        timestamp=stored(at),
        **values,
    )
    LogRepository(client("dynamodb"), _tables().logs_table).put(record)
    return record.id


def listed(api, query: str) -> tuple[int, list[str] | dict, dict]:
    status, body, headers = api.call("GET", "/api/workflows/executions", query=query)
    return status, [e["id"] for e in body] if status == 200 else body, headers


@pytest.fixture
def hours(api):
    """Executions started at T0 + 0..5 hours, alternating two workflows and two statuses."""
    workflows = [str(uuid.uuid4()), str(uuid.uuid4())]
    ids = [
        put_execution(api.user_id, workflows[k % 2], T0 + timedelta(hours=k), STATUSES[(k // 2) % 2]) for k in range(6)
    ]
    return workflows, ids


# -- date range on the executions list -------------------------------------------------------------------------


def test_date_range_alone_is_half_open_and_newest_first(api, hours):
    _, ids = hours
    after = quote("2026-03-01T15:00:00+02:00")  # = T0 + 1h, an offset other than UTC
    before = quote("2026-03-01T16:00:00Z")  # = T0 + 4h, exclusive
    status, page, _ = listed(api, f"started_after={after}&started_before={before}")
    assert status == 200 and page == [ids[3], ids[2], ids[1]]
    assert listed(api, f"started_after={after}")[1] == ids[:0:-1]
    assert listed(api, f"started_before={before}")[1] == ids[3::-1]
    # A bound one microsecond after a start excludes it; the same instant includes it.
    assert listed(api, "started_after=2026-03-01T12:00:00.000001Z")[1] == ids[:0:-1]
    assert listed(api, "started_after=2026-03-01T12:00:00Z")[1] == ids[::-1]
    assert listed(api, "started_after=2026-03-01T13:00:00Z&started_before=2026-03-01T13:00:00Z")[1] == []


def test_date_range_with_workflow_status_and_both(api, hours):
    workflows, ids = hours
    window = "started_after=2026-03-01T13:00:00Z&started_before=2026-03-01T17:00:00Z"  # k = 1..4
    assert listed(api, f"{window}&workflow_id={workflows[0]}")[1] == [ids[4], ids[2]]
    assert listed(api, f"{window}&workflow_id={workflows[1]}")[1] == [ids[3], ids[1]]
    assert listed(api, f"{window}&status_filter=completed")[1] == [ids[4], ids[1]]
    assert listed(api, f"{window}&status_filter=failed")[1] == [ids[3], ids[2]]
    assert listed(api, f"{window}&workflow_id={workflows[0]}&status_filter=failed")[1] == [ids[2]]
    assert listed(api, f"{window}&workflow_id={workflows[1]}&status_filter=completed")[1] == [ids[1]]


def test_date_range_pages_with_the_token(api, hours):
    _, ids = hours
    window = "started_after=2026-03-01T13:00:00Z&started_before=2026-03-01T17:00:00Z"
    pages, token = [], None
    while True:
        status, page, headers = listed(api, f"{window}&limit=3" + (f"&next_token={token}" if token else ""))
        assert status == 200
        pages.append(page)
        token = headers.get("X-Next-Token")
        if not token:
            break
    assert pages == [[ids[4], ids[3], ids[2]], [ids[1]]]


def test_a_token_outside_the_range_is_refused(api, hours):
    token = listed(api, "limit=1")[2]["X-Next-Token"]  # its key is the newest execution, T0 + 5h
    status, body, _ = listed(api, f"started_before=2026-03-01T14:00:00Z&next_token={token}")
    assert status == 422 and "next_token" in body["message"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("started_after=yesterday", "started_after"),
        ("started_before=2026-13-01T00:00:00Z", "started_before"),
        ("started_after=2026-03-01T12:00:00", "started_after"),  # no offset
        ("started_after=2026-03-02T00:00:00Z&started_before=2026-03-01T00:00:00Z", "started_after"),
        ("started_before=0001-01-01T00:00:00Z", "started_before"),
        ("started_before=9999-12-31T23:59:59-01:00", "started_before"),
    ],
)
def test_bad_bounds_are_422_naming_the_parameter(api, query, named):
    status, body, _ = api.call("GET", "/api/workflows/executions", query=query)
    assert status == 422 and named in body["message"], body


# -- q on an execution's logs ----------------------------------------------------------------------------------


def test_q_matches_name_error_input_output_case_insensitively_and_non_ascii(api):
    workflow_id = str(uuid.uuid4())
    execution_id = put_execution(api.user_id, workflow_id, T0, ExecutionStatus.FAILED)
    put_log(api.user_id, workflow_id, execution_id, T0, step_name="Load Order", output_data={"city": "Straße"})
    put_log(
        api.user_id,
        workflow_id,
        execution_id,
        T0 + timedelta(seconds=1),
        step_name="Charge",
        step_type="http",
        input_data={"customer": "Zoe\u0308 ＡＢＣ"},  # a combining diaeresis; full-width letters
        output_data=None,
        error_message="Step 'Charge' failed: HTTP 503 from upstream",
    )

    def names(q: str) -> list[str]:
        status, body, _ = api.call("GET", f"/api/workflows/executions/{execution_id}/logs", query=f"q={quote(q)}")
        assert status == 200, body
        return [log["step_name"] for log in body]

    assert names("load order") == ["Load Order"]  # step name, other case
    assert names("HTTP 503") == ["Charge"]  # error message
    assert names("STRASSE") == ["Load Order"]  # output; ß casefolds to ss
    assert names("straße") == ["Load Order"]
    assert names("zoë") == ["Charge"]  # input; composed query, decomposed text
    assert names("abc") == ["Charge"]  # full-width text, ASCII query
    assert names("order") == ["Load Order"]  # its name and its input; Charge's input has no "order"
    assert names("customer") == ["Charge"]  # a key of the input's JSON
    assert names("nowhere") == []
    assert names("503") == ["Charge"] and names("http") == ["Charge"]


def test_q_with_other_filters_and_bad_q(api):
    workflow_id = str(uuid.uuid4())
    execution_id = put_execution(api.user_id, workflow_id, T0, ExecutionStatus.COMPLETED)
    put_log(api.user_id, workflow_id, execution_id, T0, step_name="alpha")
    route = f"/api/workflows/executions/{execution_id}/logs"
    assert [log["step_name"] for log in api.call("GET", route, query="q=alpha&step_type=transform")[1]] == ["alpha"]
    assert api.call("GET", route, query="q=alpha&has_error=true")[1] == []
    assert api.call("GET", route, query="q=" + "a" * 201)[0] == 422
    assert api.call("GET", route, query="q=")[0] == 422
    assert api.call("GET", route, query="q=" + "a" * 200)[0] == 200


def test_step_lambdas_store_the_search_text(api):
    status, workflow, _ = api.call(
        "POST",
        "/api/workflows",
        {"name": "wf", "steps": [{"name": "Greet Ünïcode", "type": "transform", "config": {"expression": "input"}}]},
    )
    assert status == 201
    status, started, _ = api.call("POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {"who": "Émile"}})
    execution_id = wait_terminal(api, started["execution_id"])["id"]
    route = f"/api/workflows/executions/{execution_id}/logs"
    assert [log["step_name"] for log in api.call("GET", route, query=f"q={quote('ÉMILE')}")[1]] == ["Greet Ünïcode"]
    assert [log["step_name"] for log in api.call("GET", route, query=f"q={quote('ünïcode')}")[1]] == ["Greet Ünïcode"]
    assert api.call("GET", route, query="q=bob")[1] == []
    found = api.call("GET", "/api/logs", query=f"q={quote('émile')}")[1]
    assert [(log["execution_id"], log["workflow_id"]) for log in found] == [(execution_id, workflow["id"])]


# -- GET /api/logs ---------------------------------------------------------------------------------------------


@pytest.fixture
def spread(api):
    """Logs of two workflows, one per minute from T0, every third failed; newest first = reversed."""
    workflows = [str(uuid.uuid4()), str(uuid.uuid4())]
    executions = [put_execution(api.user_id, w, T0, ExecutionStatus.COMPLETED) for w in workflows]
    ids = []
    for k in range(9):
        ids.append(
            put_log(
                api.user_id,
                workflows[k % 2],
                executions[k % 2],
                T0 + timedelta(minutes=k),
                step_name=f"step {k}",
                step_type=("transform", "http", "ai")[k % 3],
                error_message="boom" if k % 3 == 2 else None,
            )
        )
    return workflows, executions, ids


def search(api, query: str = "") -> tuple[int, list | dict, dict]:
    status, body, headers = api.call("GET", "/api/logs", query=query)
    return status, [log["id"] for log in body] if status == 200 else body, headers


def test_log_search_newest_first_with_each_filter(api, spread):
    workflows, executions, ids = spread
    status, body, _ = api.call("GET", "/api/logs")
    assert status == 200 and [log["id"] for log in body] == ids[::-1]
    assert body[0]["execution_id"] == executions[0] and body[0]["workflow_id"] == workflows[0]
    assert set(body[0]) >= {"id", "step_name", "step_type", "input_data", "output_data", "duration_ms"}
    assert search(api, f"workflow_id={workflows[1]}")[1] == ids[7::-2]
    assert search(api, "step_type=http")[1] == [ids[7], ids[4], ids[1]]
    assert search(api, "has_error=true")[1] == [ids[8], ids[5], ids[2]]
    assert search(api, "has_error=false&step_type=transform")[1] == [ids[6], ids[3], ids[0]]
    assert search(api, "q=STEP%207")[1] == [ids[7]]
    window = "started_after=2026-03-01T12:02:00Z&started_before=2026-03-01T13:05:00%2B01:00"  # minutes 2..4
    assert search(api, window)[1] == [ids[4], ids[3], ids[2]]
    assert search(api, f"{window}&has_error=true")[1] == [ids[2]]


def test_log_search_pages_and_tokens(api, other_api, spread):
    _, _, ids = spread
    pages, token = [], None
    while True:
        status, page, headers = search(api, "limit=4" + (f"&next_token={token}" if token else ""))
        assert status == 200
        pages.append(page)
        token = headers.get("X-Next-Token")
        if not token:
            break
    assert pages == [ids[:4:-1], ids[4:0:-1], [ids[0]]]
    token = search(api, "limit=2")[2]["X-Next-Token"]
    assert search(api, f"limit=2&next_token={token}")[0] == 200
    assert search(other_api, f"limit=2&next_token={token}")[0] == 422  # another user's
    assert search(api, f"limit=2&step_type=ai&next_token={token}")[0] == 422  # another query's
    assert search(api, f"limit=2&started_before=2026-03-01T12:01:00Z&next_token={token}")[0] == 422
    assert search(api, "next_token=bm90LWEtdG9rZW4")[0] == 422


def test_a_rare_filter_reads_a_bounded_page_and_the_token_leads_on(api, monkeypatch):
    monkeypatch.setattr(logs_module, "SEARCH_PAGE_READ_ITEMS", 5)
    workflow_id = str(uuid.uuid4())
    execution_id = put_execution(api.user_id, workflow_id, T0, ExecutionStatus.COMPLETED)
    rare = put_log(api.user_id, workflow_id, execution_id, T0, step_name="needle")
    for k in range(1, 8):
        put_log(api.user_id, workflow_id, execution_id, T0 + timedelta(seconds=k), step_name="hay")
    status, first, headers = search(api, "q=needle&limit=2")
    assert status == 200 and first == [] and headers.get("X-Next-Token")  # 5 read, none matched
    status, second, headers = search(api, f"q=needle&limit=2&next_token={headers['X-Next-Token']}")
    assert second == [rare] and not headers.get("X-Next-Token")


def test_log_search_never_shows_another_users_logs(api, other_api, spread):
    mine = search(api, "limit=1000")[1]
    theirs_workflow = str(uuid.uuid4())
    theirs_execution = put_execution(other_api.user_id, theirs_workflow, T0, ExecutionStatus.COMPLETED)
    theirs = put_log(other_api.user_id, theirs_workflow, theirs_execution, T0, step_name="step 1")
    assert search(other_api, "limit=1000")[1] == [theirs]
    assert search(api, "limit=1000")[1] == mine and theirs not in mine
    assert search(api, f"workflow_id={theirs_workflow}")[1] == []
    assert search(other_api, f"workflow_id={spread[0][0]}")[1] == []


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=1001",
        "q=",
        "q=" + "x" * 201,
        "workflow_id=nope",
        "has_error=maybe",
        "started_after=soon",
        "started_after=2026-03-02T00:00:00Z&started_before=2026-03-01T00:00:00Z",
        "step_nmae=typo",
        "status_filter=completed",
        "next_token=%25%25",
    ],
)
def test_log_search_rejects_bad_parameters_with_422(api, query):
    status, body, _ = api.call("GET", "/api/logs", query=query)
    assert status == 422, body
