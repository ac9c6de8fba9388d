"""The stack's own endpoints (HTTP_DENIED_ENDPOINTS) are refused to http steps and webhooks even inside the
allowed networks: locally loopback is allowed (the tests' target servers) but not the stack's own ports."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.loopback import json_server
from workflow_engine.models.step_configs import HttpConfig
from workflow_engine.models.step_errors import UnsafeTarget
from workflow_engine.net.ssrf_guard import is_denied_endpoint
from workflow_engine.notifications import webhooks
from workflow_engine.platform.consumer_settings import NotificationSettings
from workflow_engine.platform.settings import split_endpoints
from workflow_engine.platform.step_settings import StepSettings
from workflow_engine.steps.http_request import run_http

LOOPBACK = "127.0.0.0/8,::1/128"


def _denied(port: int) -> str:
    return f"127.0.0.0/8:{port},::1/128:{port}"


def _step_settings(denied: str) -> StepSettings:
    return StepSettings(
        logs_table="logs", http_allowed_networks=LOOPBACK, http_denied_endpoints=denied, secrets_prefix="test/secrets"
    )


def _notification_settings(denied: str) -> NotificationSettings:
    return NotificationSettings(
        workflows_table="w",
        notifications_table="n",
        webhook_dead_letter_queue_url="https://sqs/q",
        http_allowed_networks=LOOPBACK,
        http_denied_endpoints=denied,
        webhook_backoff_base_seconds=0,
    )


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


def test_the_setting_reads_network_and_port_pairs():
    assert [(str(network), port) for network, port in split_endpoints("127.0.0.0/8:4566, [::1]:8000, 10.0.0.1:80")] == [
        ("127.0.0.0/8", 4566),
        ("::1/128", 8000),
        ("10.0.0.1/32", 80),
    ]
    assert split_endpoints("") == ()


@pytest.mark.parametrize(
    ("address", "port", "denied"),
    [
        ("127.0.0.1", 4566, True),
        ("127.0.0.2", 4566, True),  # any loopback spelling
        ("::ffff:127.0.0.1", 4566, True),  # IPv4-mapped: judged as the IPv4 address it reaches
        ("::1", 4566, True),
        ("127.0.0.1", 4567, False),  # another port: a test's own server
        ("10.0.0.1", 4566, False),
    ],
)
def test_an_endpoint_is_denied_by_address_and_port(address, port, denied):
    assert is_denied_endpoint(address, port, split_endpoints(_denied(4566))) is denied  # type: ignore[arg-type]


def test_an_http_step_is_refused_the_stacks_own_endpoint_and_says_why():
    with json_server(lambda path, headers: {"ok": True}) as url:
        context: dict[str, Any] = {"input": {}, "steps": {}}
        assert (
            run_http(HttpConfig(url=url + "/x"), context, _step_settings(""))["status_code"] == 200
        )  # loopback is allowed
        port = _port(url)
        for host in ("127.0.0.1", "localhost"):
            with pytest.raises(UnsafeTarget) as refused:
                run_http(HttpConfig(url=f"http://{host}:{port}/"), context, _step_settings(_denied(port)))
            assert f"refused: 127.0.0.1:{port} is one of this stack's own endpoints" in str(refused.value)


def test_a_webhook_is_refused_the_stacks_own_endpoint_at_save_and_at_delivery():
    with json_server(lambda path, headers: {"ok": True}) as url:
        port = _port(url)
        open_settings = _notification_settings("")
        webhooks.vet_url(url, tuple(open_settings.http_allowed_networks), ())  # loopback is allowed locally
        settings = _notification_settings(_denied(port))
        with pytest.raises(webhooks.UnsafeWebhookUrl, match="own endpoints"):
            webhooks.vet_url(url, tuple(settings.http_allowed_networks), tuple(settings.http_denied_endpoints))
        status, error, retry = webhooks.post(url, b"{}", {}, settings)
        assert status is None and "own endpoints" in (error or "") and retry is False
