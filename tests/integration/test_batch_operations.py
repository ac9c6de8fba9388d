"""Batch get, batch cancel and compare, through the execution API's handler on moto running the real machines.

Faults are injected where AWS would produce them, in the service: moto's Step Functions backend answers (or
holds) chosen StopExecution calls, so the API's SDK client sees a throttling error exactly as it would from AWS
and its standard retry mode applies. (A botocore `before-send` hook cannot do it in-process: every
`before-send` handler runs, moto's own included, so the stop would happen anyway.)
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto.core.exceptions import JsonRESTError
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from tests.integration.conftest import TERMINAL, forget_outcome, status_events, wait_for, wait_terminal

BATCH_GET = "/api/workflows/executions/batch-get"
BATCH_CANCEL = "/api/workflows/executions/batch-cancel"
COMPARE = "/api/workflows/executions/compare"
ECHO = [{"name": "Echo", "type": "transform", "config": {"expression": "input"}}]
HOLD = [{"name": "Hold", "type": "wait", "config": {"seconds": 300}}]
SHORT_WAIT_THEN_ECHO = [{"name": "Pause", "type": "wait", "config": {"seconds": 1}}, *ECHO]


def create(api, steps, name="wf") -> str:
    status, body, _ = api.call("POST", "/api/workflows", {"name": name, "steps": steps})
    assert status == 201, body
    return body["id"]


def execute(api, workflow_id, input_data=None) -> str:
    status, body, _ = api.call("POST", f"/api/workflows/{workflow_id}/execute", {"input_data": input_data})
    assert status == 202, body
    return body["execution_id"]


def status_of(api, execution_id) -> str:
    return api.call("GET", f"/api/workflows/executions/{execution_id}")[1]["status"]


def running(api, execution_id) -> str:
    wait_for(lambda: status_of(api, execution_id) == "running")
    return execution_id


# --- faults in Step Functions' StopExecution --------------------------------------------------------


class Throttled(JsonRESTError):
    def __init__(self) -> None:
        super().__init__("ThrottlingException", "Rate exceeded")


@pytest.fixture
def stop_hook(resources, monkeypatch) -> Callable[[Callable[[str], None]], None]:
    """`stop_hook(hook)`: hook(execution_id) runs in Step Functions before each StopExecution; it may raise an
    AWS error (the caller gets that answer) or wait."""

    def install(hook: Callable[[str], None]) -> None:
        original = StepFunctionsParserBackend.stop_execution

        def stop_execution(self: Any, execution_arn: str, *args: Any, **kwargs: Any) -> Any:
            hook(execution_arn.rsplit(":", 1)[1])
            return original(self, execution_arn, *args, **kwargs)

        monkeypatch.setattr(StepFunctionsParserBackend, "stop_execution", stop_execution)

    return install


# --- batch-get ---------------------------------------------------------------------------------------


def test_batch_get_answers_in_request_order_and_hides_other_users_ids(api, other_api):
    workflow = create(api, ECHO)
    mine = [execute(api, workflow, {"n": n}) for n in range(3)]
    for execution_id in mine:
        wait_terminal(api, execution_id)
    theirs = execute(other_api, create(other_api, ECHO), {"secret": 1})
    unknown = str(uuid.uuid4())
    ids = [mine[2], unknown, mine[0], theirs, mine[1]]

    status, body, _ = api.call("POST", BATCH_GET, {"execution_ids": ids})
    assert status == 200, body
    assert [e["id"] for e in body["executions"]] == [mine[2], mine[0], mine[1]]
    assert body["not_found"] == [unknown, theirs]
    singles = [api.call("GET", f"/api/workflows/executions/{i}")[1] for i in (mine[2], mine[0], mine[1])]
    assert body["executions"] == singles  # the same status objects as the single GET
    assert [e["input_data"] for e in body["executions"]] == [{"n": 2}, {"n": 0}, {"n": 1}]


def test_batch_get_repairs_stale_items_as_the_single_get_does(api, resources):
    workflow = create(api, ECHO)
    with status_events() as delivered:  # the reconciler is done with both before their outcomes are forgotten
        stale, fresh = execute(api, workflow, {"v": 1}), execute(api, workflow, {"v": 2})
        for execution_id in (stale, fresh):
            wait_terminal(api, execution_id)
        wait_for(lambda: {stale, fresh} <= delivered)
    forget_outcome(resources, stale, "2000-01-01T00:00:00.000000Z")  # stale: repaired from Step Functions
    forget_outcome(resources, fresh, "2999-01-01T00:00:00.000000Z")  # recent: read as stored

    body = api.call("POST", BATCH_GET, {"execution_ids": [stale, fresh]})[1]
    repaired, as_stored = body["executions"]
    assert (repaired["status"], repaired["output_data"]) == ("completed", {"v": 1})
    assert as_stored["status"] == "running"
    assert api.call("GET", f"/api/workflows/executions/{stale}")[1] == repaired  # the repair was recorded


def test_batch_get_of_100_ids(api):
    workflow = create(api, ECHO)
    mine = [execute(api, workflow) for _ in range(5)]
    ids = mine + [str(uuid.uuid4()) for _ in range(95)]
    status, body, _ = api.call("POST", BATCH_GET, {"execution_ids": ids})
    assert status == 200
    assert [e["id"] for e in body["executions"]] == mine
    assert body["not_found"] == ids[5:]


def test_an_answer_larger_than_lambda_can_return_is_413_not_a_5xx(api):
    workflow = create(api, HOLD)
    ids = [execute(api, workflow, {"blob": "x" * 200_000, "n": n}) for n in range(30)]  # 6 MB of inputs
    status, body, _ = api.call("POST", BATCH_GET, {"execution_ids": ids})
    assert status == 413, body
    assert "ask for fewer ids" in body["message"]
    status, body, _ = api.call("POST", BATCH_GET, {"execution_ids": ids[:5]})
    assert status == 200 and len(body["executions"]) == 5
    assert api.call("POST", BATCH_CANCEL, {"execution_ids": ids})[0] == 200  # the cancel answer is small


BAD_BODIES = {
    "empty list": {"execution_ids": []},
    "101 ids": {"execution_ids": [str(uuid.uuid4()) for _ in range(101)]},
    "malformed id": {"execution_ids": ["not-a-uuid"]},
    "duplicate id": {"execution_ids": ["6f1c1ac4-6d4a-4b8e-9a8b-0d5c6c2b9e11"] * 2},
    "same id, two spellings": {
        "execution_ids": ["6f1c1ac4-6d4a-4b8e-9a8b-0d5c6c2b9e11", "6F1C1AC4-6D4A-4B8E-9A8B-0D5C6C2B9E11"]
    },
    "missing key": {},
    "not a list": {"execution_ids": "6f1c1ac4-6d4a-4b8e-9a8b-0d5c6c2b9e11"},
    "extra key": {"execution_ids": [str(uuid.uuid4())], "force": True},
    "not an object": [str(uuid.uuid4())],
    "null": None,
    "not JSON": "{execution_ids:",
}


@pytest.mark.parametrize("path", [BATCH_GET, BATCH_CANCEL])
@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_batch_bodies_are_422_with_the_reason(api, path, case):
    body = BAD_BODIES[case]
    status, answer, _ = api.call("POST", path, json.dumps(body) if case != "not JSON" else body)
    assert status == 422, answer
    assert answer["message"]
    if case.startswith(("duplicate", "same id")):
        assert "repeated: 6f1c1ac4-6d4a-4b8e-9a8b-0d5c6c2b9e11" in json.dumps(answer)


def test_batch_routes_are_not_read_as_an_execution_id(api):
    """`batch-get`, `batch-cancel` and `compare` are literal routes: never `{execution_id}` (a 422 for a
    malformed UUID) nor `{workflow_id}`."""
    assert api.call("POST", BATCH_GET, {"execution_ids": [str(uuid.uuid4())]})[0] == 200
    assert api.call("POST", BATCH_CANCEL, {"execution_ids": [str(uuid.uuid4())]})[0] == 200
    assert api.call("GET", COMPARE, query=f"ids={uuid.uuid4()},{uuid.uuid4()}")[0] == 404


# --- batch-cancel ------------------------------------------------------------------------------------


def test_batch_cancel_reports_one_outcome_per_id(api, other_api, resources):
    held = create(api, HOLD)
    to_cancel = [running(api, execute(api, held)) for _ in range(3)]
    finished = execute(api, create(api, ECHO))
    wait_terminal(api, finished)
    theirs = running(other_api, execute(other_api, create(other_api, HOLD)))
    unknown = str(uuid.uuid4())
    ids = [to_cancel[0], finished, unknown, to_cancel[1], theirs, to_cancel[2]]

    status, body, _ = api.call("POST", BATCH_CANCEL, {"execution_ids": ids})
    assert status == 200, body
    assert [(r["execution_id"], r["outcome"], r["status"], r["message"]) for r in body["results"]] == [
        (to_cancel[0], "cancelled", "cancelled", None),
        (finished, "conflict", "completed", None),
        (unknown, "not_found", None, None),
        (to_cancel[1], "cancelled", "cancelled", None),
        (theirs, "not_found", None, None),
        (to_cancel[2], "cancelled", "cancelled", None),
    ]
    sfn = boto3.client("stepfunctions", region_name=resources.region)
    for execution_id in to_cancel:
        assert status_of(api, execution_id) == "cancelled"
        arn = f"arn:aws:states:{resources.region}:123456789012:execution:wfe-local-{held}:{execution_id}"
        wait_for(lambda arn=arn: sfn.describe_execution(executionArn=arn)["status"] == "ABORTED")
    assert status_of(other_api, theirs) == "running"  # another user's execution is untouched
    # A second batch finds them finished: conflict, with the status they ended with.
    again = api.call("POST", BATCH_CANCEL, {"execution_ids": to_cancel})[1]["results"]
    assert {(r["outcome"], r["status"]) for r in again} == {("conflict", "cancelled")}


def test_executions_that_finish_while_the_batch_cancels_them_end_with_one_status(api, resources, stop_hook):
    """Each racing execution completes between the batch's read (it was running) and its StopExecution: the
    conditional write refuses `cancelled`, the outcome is `conflict` with `completed`, and nothing ever moves
    it again. The others are cancelled as usual."""
    racing_workflow, held = create(api, SHORT_WAIT_THEN_ECHO), create(api, HOLD)
    racing = [running(api, execute(api, racing_workflow, {"n": n})) for n in range(3)]
    long = [running(api, execute(api, held)) for _ in range(3)]
    dynamodb = boto3.client("dynamodb", region_name=resources.region)

    def stored_status(execution_id: str) -> str:
        key = {"execution_id": {"S": execution_id}}
        item = dynamodb.get_item(TableName=resources.table_names["Executions"], Key=key)["Item"]
        return item["status"]["S"]

    def finish_first(execution_id: str) -> None:
        if execution_id in racing:  # let the machine complete before Step Functions hears of the stop
            wait_for(lambda: stored_status(execution_id) in TERMINAL, timeout=30)

    stop_hook(finish_first)
    ids = [racing[0], long[0], racing[1], long[1], racing[2], long[2]]
    body = api.call("POST", BATCH_CANCEL, {"execution_ids": ids})[1]
    outcomes = {r["execution_id"]: (r["outcome"], r["status"]) for r in body["results"]}
    assert [r["execution_id"] for r in body["results"]] == ids
    assert all(outcomes[i] == ("conflict", "completed") for i in racing), outcomes
    assert all(outcomes[i] == ("cancelled", "cancelled") for i in long), outcomes

    time.sleep(1.5)  # any late status event (ABORTED after SUCCEEDED...) has reached the reconciler by now
    after = api.call("POST", BATCH_GET, {"execution_ids": ids})[1]["executions"]
    assert {e["id"]: e["status"] for e in after} == {i: outcomes[i][1] for i in ids}
    assert all(e["output_data"] == {"n": racing.index(e["id"])} for e in after if e["id"] in racing)


def test_a_batch_cancel_racing_many_short_executions_never_reports_a_status_that_does_not_last(api):
    """No hook: executions of a one-step workflow end while the batch runs, or are cancelled first. Whatever
    each outcome says is the status the execution keeps."""
    workflow = create(api, ECHO)
    ids = [execute(api, workflow, {"n": n}) for n in range(20)]
    results = api.call("POST", BATCH_CANCEL, {"execution_ids": ids})[1]["results"]
    assert [r["execution_id"] for r in results] == ids
    time.sleep(1.5)  # late status events have been applied (or refused) by now
    for result in results:
        final = wait_terminal(api, result["execution_id"])["status"]
        assert result["outcome"] in ("cancelled", "conflict"), result
        assert result["status"] == final, result
        assert (final == "cancelled") == (result["outcome"] == "cancelled"), result


def test_a_throttled_stop_execution_is_retried_then_reported_as_that_ids_error(api, stop_hook):
    held = create(api, HOLD)
    ids = [running(api, execute(api, held)) for _ in range(6)]
    always, twice = ids[2], ids[4]
    attempts: dict[str, int] = {}
    lock = threading.Lock()

    def throttle(execution_id: str) -> None:
        with lock:
            attempts[execution_id] = attempts.get(execution_id, 0) + 1
            count = attempts[execution_id]
        if execution_id == always or (execution_id == twice and count <= 2):
            raise Throttled()

    stop_hook(throttle)
    body = api.call("POST", BATCH_CANCEL, {"execution_ids": ids})[1]
    results = {r["execution_id"]: r for r in body["results"]}
    assert results[always]["outcome"] == "error"
    assert results[always]["status"] == "running"
    assert "ThrottlingException" in results[always]["message"]
    assert attempts[always] == 6  # the SDK's standard retry mode (workflow_engine.platform.aws): 1 attempt + 5 retries
    assert attempts[twice] == 3 and results[twice]["outcome"] == "cancelled"
    for execution_id in ids:
        if execution_id != always:
            assert (results[execution_id]["outcome"], status_of(api, execution_id)) == ("cancelled", "cancelled")
    assert status_of(api, always) == "running"  # left as it was: cancel it again
    assert api.call("POST", BATCH_CANCEL, {"execution_ids": [always]})[1]["results"][0]["outcome"] == "error"


def test_a_batch_cancel_running_out_of_time_leaves_the_rest_untouched_and_says_so(api, resources):
    """The route passes the function's remaining time; under BATCH_RESERVE_SECONDS no new cancel starts."""
    import api.executions as module
    from workflow_engine.executions.cancel import BATCH_RESERVE_SECONDS

    held = create(api, HOLD)
    ids = [running(api, execute(api, held)) for _ in range(3)]
    finished = execute(api, create(api, ECHO))
    wait_terminal(api, finished)
    late = module.use_cases.cancel.batch(api.user_id, [*ids, finished], seconds_left=lambda: BATCH_RESERVE_SECONDS - 1)
    assert [(r.outcome, r.status) for r in late] == [("error", "running")] * 3 + [("conflict", "completed")]
    assert all("ran out of time" in r.message for r in late[:3])
    assert {status_of(api, i) for i in ids} == {"running"}
    in_time = module.use_cases.cancel.batch(api.user_id, ids, seconds_left=lambda: 30.0)
    assert {(r.outcome, r.status) for r in in_time} == {("cancelled", "cancelled")}


# --- compare -----------------------------------------------------------------------------------------


def test_compare_two_executions_of_different_workflows_step_by_step(api):
    first = create(
        api,
        [
            {"name": "Load", "type": "transform", "config": {"expression": "input"}},
            {"name": "Pick", "type": "transform", "config": {"expression": "input.items[0]"}},
        ],
    )
    second = create(
        api,
        [
            {"name": "Load", "type": "transform", "config": {"expression": "input"}},
            {"name": "Count", "type": "transform", "config": {"expression": "length(input.items)"}},
        ],
    )
    a = execute(api, first, {"items": [1, 2], "tag": "a/b"})
    b = execute(api, second, {"items": [1, 2, 3], "tag": "a/b"})
    for execution_id in (a, b):
        assert wait_terminal(api, execution_id)["status"] == "completed"

    status, body, _ = api.call("GET", COMPARE, query=f"ids={a},{b}")
    assert status == 200, body
    assert [e["id"] for e in body["executions"]] == [a, b]
    assert body["executions"][0] == api.call("GET", f"/api/workflows/executions/{a}")[1]
    assert body["input_diff"] == [{"path": "/items/2", "values": [None, 3]}]
    assert body["output_diff"] == [{"path": "", "values": [1, 3]}]
    rows = {row["step_name"]: row for row in body["steps"]}
    assert list(rows) == ["Load", "Pick", "Count"]
    assert rows["Load"]["output_equal"] is False
    assert rows["Load"]["output_diff"] == [{"path": "/items/2", "values": [None, 3]}]
    assert [(r["execution_id"], r["status"], r["attempts"]) for r in rows["Pick"]["per_execution"]] == [
        (a, "succeeded", 1),
        (b, "not_run", 0),
    ]
    assert rows["Pick"]["per_execution"][1]["duration_ms"] is None
    assert isinstance(rows["Pick"]["per_execution"][0]["duration_ms"], int)
    assert rows["Count"]["per_execution"][0]["status"] == "not_run"
    assert rows["Count"]["step_type"] == "transform"


def test_compare_a_failed_run_with_a_successful_one(api):
    workflow = create(
        api,
        [
            {"name": "Load", "type": "transform", "config": {"expression": "{same: input.same}"}},
            {
                "name": "Math",
                "type": "transform",
                "config": {"expression": "abs(input.v)"},
                "retry": {"max_attempts": 2, "interval_seconds": 1, "backoff_rate": 1.0},
            },
            {"name": "After", "type": "transform", "config": {"expression": "input.v"}},
        ],
    )
    ok, bad, ok_too = (execute(api, workflow, {"v": v, "same": 1}) for v in (-3, "x", -3))
    assert [wait_terminal(api, i, timeout=60)["status"] for i in (ok, bad, ok_too)] == [
        "completed",
        "failed",
        "completed",
    ]

    body = api.call("GET", COMPARE, query=f"ids={ok},{bad},{ok_too}")[1]
    assert body["input_diff"] == [{"path": "/v", "values": [-3, "x", -3]}]
    assert body["output_diff"] == [{"path": "", "values": [-3, None, -3]}]
    load, math, after = body["steps"]
    assert (load["step_name"], load["output_equal"], load["output_diff"]) == ("Load", True, [])
    assert [(r["status"], r["attempts"]) for r in math["per_execution"]] == [
        ("succeeded", 1),
        ("failed", 2),
        ("succeeded", 1),
    ]
    assert math["output_diff"] == [{"path": "", "values": [3, None, 3]}]
    assert [(r["status"], r["attempts"], r["duration_ms"]) for r in after["per_execution"]][1] == ("not_run", 0, None)
    assert after["output_equal"] is False
    assert [row["difference"] for row in (load, math, after)] == ["same", "status", "status"]

    # Math failed in `bad` and never ran in a run of a workflow without it: a status difference, no output one.
    other = execute(api, create(api, [{"name": "Load", "type": "transform", "config": {"expression": "input"}}]))
    assert wait_terminal(api, other)["status"] == "completed"
    rows = {row["step_name"]: row for row in api.call("GET", COMPARE, query=f"ids={bad},{other}")[1]["steps"]}
    assert [r["status"] for r in rows["Math"]["per_execution"]] == ["failed", "not_run"]
    math = rows["Math"]
    assert (math["difference"], math["output_equal"], math["output_diff"]) == ("status", True, [])
    assert rows["Load"]["difference"] == "output"  # {same: 1} and the whole input


def test_compare_of_an_unknown_or_foreign_id_is_404(api, other_api):
    workflow = create(api, ECHO)
    mine = execute(api, workflow)
    theirs = execute(other_api, create(other_api, ECHO))
    for other in (theirs, str(uuid.uuid4())):
        status, body, _ = api.call("GET", COMPARE, query=f"ids={mine},{other}")
        assert (status, body) == (404, {"message": "Execution not found"})


@pytest.mark.parametrize(
    "query",
    [
        "",
        "ids=",
        f"ids={uuid.UUID(int=1)}",
        "ids=" + ",".join(str(uuid.UUID(int=n)) for n in range(11)),
        f"ids={uuid.UUID(int=1)},not-a-uuid",
        "ids=6f1c1ac4-6d4a-4b8e-9a8b-0d5c6c2b9e11,6f1c1ac4-6d4a-4b8e-9a8b-0d5c6c2b9e11",
        f"ids={uuid.UUID(int=1)},,{uuid.UUID(int=2)}",
    ],
)
def test_bad_compare_queries_are_422_with_the_reason(api, query):
    status, body, _ = api.call("GET", COMPARE, query=query)
    assert status == 422, body
    assert body["message"]


def test_compare_takes_repeated_ids_parameters_as_api_gateway_joins_them(api):
    workflow = create(api, ECHO)
    a, b = execute(api, workflow, {"v": 1}), execute(api, workflow, {"v": 2})
    for execution_id in (a, b):
        wait_terminal(api, execution_id)
    status, body, _ = api.call("GET", COMPARE, query=f"ids={a}&ids={b}")
    assert status == 200 and [e["id"] for e in body["executions"]] == [a, b]
