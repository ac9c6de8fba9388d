"""Every file in examples/ created and run through `wfe` against the local stack, ending as its header says
(completed; the approval example waiting for a person, then approved), plus `wfe init` + `wfe validate` and
`wfe --version`. The http example is pointed at a loopback server of the test's own (the local stack allows
loopback but not its own ports)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from infra.catalog import REPO_ROOT
from tests.e2e.wfe_cli import Wfe

pytestmark = pytest.mark.xdist_group("e2e")

EXAMPLES = REPO_ROOT / "examples"
# The outputs the headers document (the ai one depends on the model; locally a deterministic echo).
EXPECTED_OUTPUT = {
    "transform": {"customer": "Ada", "items": 3, "total": 32.5, "big_order": False},
    "wait": {"reminder": "Time to stretch, Ada"},
    "http": {"status": 200, "length": 16},
    "choice": {"branch": 0, "route": "express"},
    "parallel": {"reversed": "spmuj xof nworb kciuq eht", "characters": 25},
    "workflow": {"customer": "Grace", "items": 4, "total": 5, "big_order": False, "shipping": 4.9},
}


class Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        body = b"hello from tests"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def loopback_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def run_to_end(wfe: Wfe, name: str, *extra: str) -> dict:
    result = wfe("run", name, "--wait", "--json", *extra, timeout=180)
    assert result.code == 0, f"{name}: {result.code}\n{result.stdout}\n{result.stderr}"
    return result.json()


def waiting_run(wfe: Wfe, execution_id: str, deadline_seconds: float = 60) -> dict:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        status = wfe.ok("status", execution_id, "--json").json()
        if status.get("waiting_for"):
            return status
        time.sleep(0.2)  # polling the API (what a person's `wfe status` does), not a synchronisation point
    raise AssertionError(f"{execution_id} never waited for a person")


def test_every_example_runs_as_documented(wfe: Wfe, loopback_url: str) -> None:
    names = sorted(path.stem for path in EXAMPLES.glob("*.yaml"))
    order = ["transform", *[name for name in names if name != "transform"]]  # the workflow example's child first
    outputs = {}
    for stem in order:
        file = str(EXAMPLES / f"{stem}.yaml")
        checked = wfe("validate", file)
        assert checked.code == 0 and checked.stdout.startswith("OK "), (stem, checked.stdout, checked.stderr)
        created = wfe.ok("workflows", "create", "-f", file, "--json").json()
        assert created["input_example"], stem
        name = created["name"]
        if stem == "approval":
            started = wfe.ok("run", name, "--json").json()
            status = waiting_run(wfe, started["execution_id"])
            assert status["status"] == "running"
            assert status["waiting_for"][0]["message"] == "Pay Ada's expense of 120 EUR?"
            wfe.ok("approve", started["execution_id"], "Manager approval", "--comment", "fine by me")
            followed = wfe("logs", started["execution_id"], "--follow", timeout=120)
            assert followed.code == 0, followed.stderr
            final = wfe.ok("status", started["execution_id"], "--json").json()
            assert final["status"] == "completed"
            assert final["output_data"]["comment"] == "fine by me" and final["output_data"]["amount"] == 120
            continue
        extra = ("--input", json.dumps({"url": loopback_url})) if stem == "http" else ()
        final = run_to_end(wfe, name, *extra)
        assert final["status"] == "completed", (stem, final)
        outputs[stem] = final["output_data"]
    for stem, expected in EXPECTED_OUTPUT.items():
        assert outputs[stem] == expected, (stem, outputs[stem])
    assert outputs["ai"]["text"].startswith("[local-bedrock model="), outputs["ai"]
    assert [line["sku"] for line in outputs["map"]] == ["A-1", "B-7", "C-3"]
    assert [line["position"] for line in outputs["map"]] == [0, 1, 2]


def test_init_scaffolds_a_file_the_server_finds_valid(wfe: Wfe, tmp_path: Path) -> None:
    file = tmp_path / "mine.yaml"
    wfe.ok("init", str(file), "--name", "Scaffolded")
    checked = wfe("validate", str(file))
    assert checked.code == 0 and "OK" in checked.stdout and "Scaffolded, 3 steps" in checked.stdout
    names = [workflow["name"] for workflow in wfe.ok("workflows", "list", "--json").json()]
    assert "Scaffolded" not in names
    broken = tmp_path / "broken.yaml"
    broken.write_text(file.read_text().replace("seconds: 1", "seconds: -1"))
    refused = wfe("validate", str(broken))
    assert refused.code == 1
    assert 'steps[1] "Pause".config.seconds: Input should be greater than or equal to 0' in refused.stdout
    assert wfe.ok("--version").stdout.startswith("wfe ")
