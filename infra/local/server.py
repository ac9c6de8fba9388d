"""The local stack's two servers and what ties them together."""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

from infra.catalog import SCHEDULED_START, STACK_NAME
from infra.declarations import EXAMPLE_PASSWORD
from infra.local import moto_seams
from infra.local.authorizer import JwtAuthorizer
from infra.local.gateway import LocalHttpApi
from infra.local.provision import SCHEDULE_GROUP_NAME, LocalResources, own_endpoints, provision
from infra.local.runtime import install_runtime
from infra.local.scheduler_seam import SchedulerFirings
from infra.local.webapp import StaticSite, app_config, confirm_sign_ups_at_once
from infra.local.websocket import LocalWebSocketApi

HOST = "127.0.0.1"


class LocalStack:
    def __init__(self, api_port: int, aws_port: int, region: str, openapi_file: Path | None, ws_port: int = 0) -> None:
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
        self._moto = ThreadedMotoServer(ip_address=HOST, port=self.aws_port, verbose=False)
        self._moto.start()
        moto_seams.install()  # before provisioning: functions must land in the in-process Lambda backend
        session = boto3.session.Session(region_name=self.region)
        self.resources = provision(session, self.region)
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

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        if self._http is not None:
            self._http.shutdown()
        if self.websocket is not None:
            self.websocket.stop()
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
  export AWS_ENDPOINT_URL={self.aws_url} AWS_REGION={self.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  aws cognito-idp sign-up --client-id {client} --username alice --password '{EXAMPLE_PASSWORD}'
  aws cognito-idp admin-confirm-sign-up --user-pool-id {self.resources.user_pool_id} --username alice
  TOKEN=$(aws cognito-idp initiate-auth --client-id {client} --auth-flow USER_PASSWORD_AUTH \\
      --auth-parameters USERNAME=alice,PASSWORD='{EXAMPLE_PASSWORD}' --query AuthenticationResult.IdToken --output text)
  curl -s -H "Authorization: Bearer $TOKEN" {self.api_url}/api/workflows

Ctrl-C stops it."""
