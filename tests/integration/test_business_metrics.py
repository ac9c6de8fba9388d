"""A run's business metrics come out of the functions that see each event: the API (started), the step Lambdas
(attempts, failures by step type) and the reconciler (every terminal status), as EMF lines."""

from __future__ import annotations

from tests.integration.conftest import wait_for
from tests.integration.test_engine_executions import create, run
from tests.unit.test_observability import emitted


def test_a_failed_run_counts_started_attempts_failures_and_failed(api, capsys, monkeypatch):
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    workflow = create(
        api,
        [
            {"name": "ok", "type": "transform", "config": {"expression": "input"}},
            {"name": "bad", "type": "transform", "config": {"expression": "abs(input.word)"}},
        ],
    )
    capsys.readouterr()
    _, final = run(api, workflow, {"word": "text"})
    assert final["status"] == "failed"
    seen: list = []

    def reconciled():
        seen.extend(emitted(capsys.readouterr().out))
        return ("ExecutionsFailed", {"service": "workflow-engine"}) in seen

    wait_for(reconciled, timeout=10)
    names = [name for name, dimensions in seen]
    assert names.count("ExecutionsStarted") == 1
    assert names.count("StepAttempts") == 2 and names.count("StepFailures") == 1
    assert all(dimensions["step_type"] == "transform" for name, dimensions in seen if name.startswith("Step"))
