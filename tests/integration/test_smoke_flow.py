from tests.integration.conftest import wait_terminal


def test_two_step_workflow_passes_data_and_completes(api):
    status, workflow, _ = api.call(
        "POST",
        "/api/workflows",
        {
            "name": "Orders",
            "steps": [
                {
                    "name": "Load order",
                    "type": "transform",
                    "config": {"expression": "{id: input.order_id, qty: input.qty}"},
                },
                {
                    "name": "Bob's double",
                    "type": "transform",
                    "config": {"expression": 'steps."Load order".output.qty'},
                },
            ],
        },
    )
    assert status == 201, workflow
    status, started, _ = api.call(
        "POST", f"/api/workflows/{workflow['id']}/execute", {"input_data": {"order_id": "o-1", "qty": 3}}
    )
    assert status == 202, started
    final = wait_terminal(api, started["execution_id"])
    assert final["status"] == "completed", final
    assert final["output_data"] == 3
    status, logs, _ = api.call("GET", f"/api/workflows/executions/{started['execution_id']}/logs")
    assert status == 200
    assert [log["step_name"] for log in logs] == ["Load order", "Bob's double"]
