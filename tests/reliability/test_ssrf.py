"""The http step's SSRF guard end to end: workflows whose http step targets the metadata service, private
and other internal addresses, or a host name that resolves (or re-resolves) to one, on the local stack
whose HTTP_ALLOWED_NETWORKS allows loopback only.

Each refused execution fails with a clear error_message, the Step Functions error `UnsafeTarget`, and
exactly one log item although the step asks for 3 attempts (a refusal is never retried). No connection to
a non-loopback address is ever attempted: the stack's network tripwire (fault_stack.py) would record it and
the `faults` fixture fails the test. DNS answers for the *.rebind.test names come from the stack's fake
resolver, so no DNS server is involved.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.reliability.conftest import aws_client, table_names
from tests.support.loopback import json_server

pytestmark = pytest.mark.xdist_group("reliability")

RETRY = {"max_attempts": 3, "interval_seconds": 1, "backoff_rate": 1.0}


@pytest.fixture(scope="module")
def loopback() -> Iterator[dict[str, Any]]:
    """A server on this machine's loopback that records each request's path and Host header."""
    seen: list[dict[str, str]] = []

    def record(path: str, headers: Any) -> dict[str, Any]:
        seen.append({"path": path, "host": headers.get("Host", "")})
        return {"ok": True}

    with json_server(record) as url:
        yield {"port": int(url.rsplit(":", 1)[1]), "seen": seen}


def _run(alice, url: str, input_data: Any = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    workflow = alice.create_workflow([{"name": "Call", "type": "http", "config": {"url": url}, "retry": RETRY}])
    execution_id = alice.execute(workflow["id"], input_data or {}).json()["execution_id"]
    final = alice.wait_terminal(execution_id, timeout=30)
    return final, alice.logs(execution_id)


REFUSED = {
    "metadata-service": ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "169.254.169.254"),
    "private-10": ("http://10.0.0.1/admin", "10.0.0.1"),
    "private-192-168": ("http://192.168.1.1:8080/", "192.168.1.1"),
    "private-172-16": ("https://172.16.0.1/", "172.16.0.1"),
    "unspecified-reaches-localhost": ("http://0.0.0.0:22/", "0.0.0.0"),  # noqa: S104 (a target, not a bind)
    "ipv4-mapped-metadata": ("http://[::ffff:169.254.169.254]/", "169.254.169.254"),
    "ipv6-unique-local": ("http://[fd00::1]/", "fd00::1"),
    "ipv6-link-local": ("http://[fe80::1]/", "fe80::1"),
    "decimal-ip-metadata": ("http://2852039166/", "169.254.169.254"),
    "placeholder-from-input": ("http://{{input.host}}/latest/meta-data/", "169.254.169.254"),
    "metadata-by-name": ("http://metadata.rebind.test/latest/", "169.254.169.254"),
    "public-and-private-answers": ("http://mixed.rebind.test/", "10.0.0.1"),
}
DNS = {"metadata.rebind.test": [["169.254.169.254"]], "mixed.rebind.test": [["93.184.216.34", "10.0.0.1"]]}


@pytest.mark.parametrize("name", list(REFUSED))
def test_internal_targets_are_refused_clearly_once_and_never_contacted(rstack, alice, faults, name):
    url, address = REFUSED[name]
    for host, answers in DNS.items():
        faults.inject(kind="dns", host=host, answers=answers)

    final, logs = _run(alice, url, {"host": "169.254.169.254"})

    assert final["status"] == "failed", final
    assert final["error_message"].startswith("Step 'Call' failed: refusing to contact"), final["error_message"]
    assert address in final["error_message"] and "allowed networks" in final["error_message"]
    assert [(log["attempt"], log["error_message"]) for log in logs] == [(1, final["error_message"])]
    item = aws_client(rstack, "dynamodb").get_item(
        TableName=table_names(rstack)["Executions"], Key={"execution_id": {"S": final["id"]}}
    )["Item"]
    assert item["error_code"]["S"] == "UnsafeTarget"
    assert faults.state()["tripwire"] == []


def test_a_rebinding_name_is_resolved_once_and_the_vetted_address_is_the_one_contacted(alice, faults, loopback):
    """First answer loopback (allowed), any later answer the metadata service: the step connects to the
    address it vetted, so the second answer is never asked for nor used."""
    faults.inject(kind="dns", host="rebind.test", answers=[["127.0.0.1"], ["169.254.169.254"]])

    final, logs = _run(alice, f"http://rebind.test:{loopback['port']}/pinned")

    assert final["status"] == "completed", final
    assert final["output_data"]["body"] == {"ok": True}
    assert {"path": "/pinned", "host": f"rebind.test:{loopback['port']}"} in loopback["seen"]
    state = faults.state()
    assert state["dns_lookups"] == {"rebind.test": 1} and state["tripwire"] == []
    assert len(logs) == 1


def test_loopback_is_reachable_because_the_configuration_allows_it(alice, faults, loopback):
    for host in ("127.0.0.1", "localhost"):
        final, _ = _run(alice, f"http://{host}:{loopback['port']}/allowed")
        assert final["status"] == "completed" and final["output_data"]["status_code"] == 200, final
