"""The local stack's two servers and what ties them together."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import boto3
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.server import DomainDispatcherApplication, ThreadedMotoServer, create_backend_app
from werkzeug.serving import make_server

from infra.catalog import SCHEDULED_START, STACK_NAME
from infra.declarations import EXAMPLE_PASSWORD
from infra.local import moto_seams
from infra.local.authorizer import JwtAuthorizer
from infra.local.gateway import LocalHttpApi
from infra.local.persistence import (
    SNAPSHOT_INTERVAL_SECONDS,
    SnapshotFile,
    Snapshotter,
    WriteTracker,
    restore,
    snapshot_bytes,
)
from infra.local.provision import SCHEDULE_GROUP_NAME, LocalResources, own_endpoints, provision
from infra.local.restart import fail_interrupted_runs, stop_state_machine_executions
from infra.local.run_reports import failed_run_reporter, quiet_moto
from infra.local.runtime import install_runtime
from infra.local.scheduler_seam import SchedulerFirings
from infra.local.webapp import StaticSite, app_config, confirm_sign_ups_at_once
from infra.local.websocket import LocalWebSocketApi

HOST = "127.0.0.1"


class _TrackedMotoServer(ThreadedMotoServer):
    """moto's threaded server with its application behind a WriteTracker (what tells the snapshots to be taken)."""

    def __init__(self, tracker_holder: list[WriteTracker], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._tracker_holder = tracker_holder

    def _server_entry(self) -> None:
        tracker = WriteTracker(DomainDispatcherApplication(create_backend_app))
        self._tracker_holder.append(tracker)
        self._server = make_server(self._ip_address, self._port, tracker, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


class LocalStack:
    """The local stack. With a `state_dir`, its data survives a restart (infra/local/persistence.py): it starts
    from the snapshot there, if any, and keeps it up to date; without one, everything lives in memory."""

    def __init__(
        self,
        api_port: int,
        aws_port: int,
        region: str,
        openapi_file: Path | None,
        ws_port: int = 0,
        state_dir: Path | None = None,
    ) -> None:
        self.api_port = api_port
        self.aws_port = aws_port
        self.ws_port = ws_port  # 0: any free port
        self.region = region
        self._openapi_file = openapi_file
        self.resources: LocalResources | None = None
        self._moto: ThreadedMotoServer | None = None
        self._http = None
        self._http_thread: threading.Thread | None = None
        self.websocket: LocalWebSocketApi | None = None
        self._snapshots = SnapshotFile(state_dir) if state_dir is not None else None
        self._snapshotter: Snapshotter | None = None
        self.restored = False  # started from a snapshot
        self.interrupted_runs: list[str] = []  # the runs a restart ended (infra/local/restart.py)
        self.scheduler: SchedulerFirings | None = None

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def app_url(self) -> str:
        return f"http://{HOST}:{self.api_port}/"

    @property
    def aws_url(self) -> str:
        return f"http://{HOST}:{self.aws_port}"

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        quiet_moto()  # a failed run is one line (run_reports), not the interpreter's log
        # The handlers, the state machine interpreter and the provisioning all talk to the moto server.
        os.environ.update(
            {
                "MOTO_PORT": str(self.aws_port),
                "AWS_ENDPOINT_URL": self.aws_url,
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
                "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
                # EMF business metrics would print a JSON line per event into this terminal (see README).
                "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
            }
        )
        trackers: list[WriteTracker] = []
        self._moto = _TrackedMotoServer(trackers, ip_address=HOST, port=self.aws_port, verbose=False)
        self._moto.start()
        moto_seams.install()  # before provisioning: functions must land in the in-process Lambda backend
        if self._snapshots is not None and self._snapshots.exists():
            self.resources = restore(self._snapshots.read())
            self.restored = True
            stop_state_machine_executions()  # before anything runs: none resumes half-way
        else:
            self.resources = provision(boto3.session.Session(region_name=self.region), self.region)
        self.websocket = LocalWebSocketApi(port=self.ws_port)
        self.websocket.start()  # first: its ports are among the stack's own endpoints (nobody knows its url yet)
        self.ws_port = self.websocket.port
        install_runtime(
            self.resources,
            websocket_callback_url=self.websocket.callback_url,
            aws_endpoint_url=self.aws_url,
            http_denied_endpoints=own_endpoints(
                [self.aws_port, self.api_port, self.ws_port, self.websocket.management_port]
            ),
        )
        moto_seams.add_status_listener(failed_run_reporter(self.resources))
        if self.restored:  # before the APIs serve: nobody sees an interrupted run as running
            self.interrupted_runs = fail_interrupted_runs(self.resources)
        authorizer = JwtAuthorizer(
            issuer=f"https://cognito-idp.{self.region}.amazonaws.com/{self.resources.user_pool_id}",
            audiences=[self.resources.user_pool_client_id],
            jwks_url=f"{self.aws_url}/{self.resources.user_pool_id}/.well-known/jwks.json",
        )
        confirm_sign_ups_at_once()
        # Seam 16: moto never fires schedules; the local stack does (infra/local/scheduler_seam.py).
        account_id = self.resources.function_arns[SCHEDULED_START.id].split(":")[4]
        self.scheduler = SchedulerFirings(account_id, self.region, SCHEDULE_GROUP_NAME)
        self.scheduler.start()
        site = StaticSite(lambda: app_config(self.outputs()[STACK_NAME]))
        self._http = make_server(HOST, self.api_port, LocalHttpApi(authorizer, self._openapi_file, site), threaded=True)
        self._http_thread = threading.Thread(target=self._http.serve_forever, name="local-http-api", daemon=True)
        self._http_thread.start()
        if self._snapshots is not None:
            resources = self.resources
            self._snapshotter = Snapshotter(
                self._snapshots, lambda: snapshot_bytes(resources), trackers[0], SNAPSHOT_INTERVAL_SECONDS
            )
            self._snapshotter.save()  # the provisioned stack: a restart never provisions twice
            self._snapshotter.start()

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        if self._http is not None:
            self._http.shutdown()
        if self.websocket is not None:
            self.websocket.stop()
        if self._snapshotter is not None:
            self._snapshotter.stop()  # the last snapshot, once the APIs take no more requests
        if self._moto is not None:
            self._moto.stop()

    def outputs(self) -> dict:
        assert self.resources is not None
        return {
            STACK_NAME: {
                "ApiUrl": self.api_url,
                "UserPoolId": self.resources.user_pool_id,
                "UserPoolClientId": self.resources.user_pool_client_id,
                "Region": self.region,
                "AwsEndpointUrl": self.aws_url,
                "AppUrl": self.app_url,
                "WebSocketUrl": self.websocket.url if self.websocket else "",
                "WebSocketCallbackUrl": self.websocket.callback_url if self.websocket else "",
            }
        }

    def write_outputs(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.outputs(), indent=2) + "\n")
        temporary.replace(path)  # atomic: a reader never sees a half-written file

    def ready_message(self, outputs_file: Path, seconds: float) -> str:
        assert self.resources is not None
        client = self.resources.user_pool_client_id
        return f"""
Local stack ready in {seconds:.1f}s
  App:          {self.app_url}   (the execution monitor: sign up there)
  API:          {self.api_url}   (GET {self.api_url}/api/health)
  AWS endpoint: {self.aws_url}   (DynamoDB, Step Functions, Lambda, Cognito, IAM, EventBridge, Logs, Bedrock)
  WebSocket:    {self.websocket.url if self.websocket else ""}?token=<IdToken or AccessToken>
  Outputs:      {outputs_file}

Try it (another terminal):
  export AWS_ENDPOINT_URL={self.aws_url} AWS_DEFAULT_REGION={self.region}   # AWS CLI v1 reads no AWS_REGION
  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  aws cognito-idp sign-up --client-id {client} --username alice --password '{EXAMPLE_PASSWORD}'
  aws cognito-idp admin-confirm-sign-up --user-pool-id {self.resources.user_pool_id} --username alice
  TOKEN=$(aws cognito-idp initiate-auth --client-id {client} --auth-flow USER_PASSWORD_AUTH \\
      --auth-parameters USERNAME=alice,PASSWORD='{EXAMPLE_PASSWORD}' --query AuthenticationResult.IdToken --output text)
  curl -s -H "Authorization: Bearer $TOKEN" {self.api_url}/api/workflows

Ctrl-C stops it."""
