"""The local stack serving the web app: its files and /config.json on the API's origin, with the security headers
CloudFront adds on AWS, nothing else from web/ (no node_modules, no path escaping), and no secret in config.json."""

from __future__ import annotations

import json

import pytest
from werkzeug.test import Client

from infra.catalog import REPO_ROOT
from infra.local.webapp import WEB_DIR, StaticSite, app_config

OUTPUTS = {
    "ApiUrl": "http://127.0.0.1:8000",
    "UserPoolId": "us-east-1_pool",
    "UserPoolClientId": "client123",
    "Region": "us-east-1",
    "AwsEndpointUrl": "http://127.0.0.1:4566",
    "AppUrl": "http://127.0.0.1:8000/",
}


class _Wsgi:
    """StaticSite as a WSGI app (the gateway calls it the same way for non-/api GETs)."""

    def __init__(self, site: StaticSite) -> None:
        self.site = site

    def __call__(self, environ, start_response):  # noqa: ANN001
        from werkzeug.wrappers import Request

        request = Request(environ)
        assert self.site.handles(request)
        return self.site.respond(request)(environ, start_response)


@pytest.fixture
def client() -> Client:
    return Client(_Wsgi(StaticSite(lambda: app_config(OUTPUTS))))


def test_config_json_names_the_stack_and_holds_no_secret(client: Client) -> None:
    response = client.get("/config.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert json.loads(response.data) == {
        "ApiUrl": "http://127.0.0.1:8000",
        "Region": "us-east-1",
        "UserPoolId": "us-east-1_pool",
        "UserPoolClientId": "client123",
        "CognitoEndpoint": "http://127.0.0.1:4566",
    }


def test_config_json_carries_the_websocket_url_when_the_stack_has_one() -> None:
    assert app_config({**OUTPUTS, "WebSocketUrl": "ws://127.0.0.1:8001"})["WebSocketUrl"] == "ws://127.0.0.1:8001"
    deployed = {key: value for key, value in OUTPUTS.items() if key != "AwsEndpointUrl"}
    assert app_config(deployed)["CognitoEndpoint"] == "https://cognito-idp.us-east-1.amazonaws.com/"


def test_index_and_modules_are_served_with_the_security_headers(client: Client) -> None:
    index = client.get("/")
    assert index.status_code == 200 and b'<script type="module" src="src/main.js">' in index.data
    csp = index.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "connect-src 'self' http://127.0.0.1:4566" in csp
    assert "unsafe-inline" not in csp
    assert index.headers["X-Content-Type-Options"] == "nosniff"
    module = client.get("/src/main.js")
    assert module.status_code == 200
    assert module.headers["Content-Type"].startswith("text/javascript")  # module scripts need a JS MIME type


@pytest.mark.parametrize(
    "path",
    [
        "/package.json",
        "/package-lock.json",
        "/node_modules/uplot/package.json",
        "/src/../package.json",
        "/src/%2e%2e/package.json",
        "/nothing.js",
        "/..%2finfra/catalog.py",
    ],
)
def test_nothing_else_is_served(client: Client, path: str) -> None:
    assert (WEB_DIR / "package.json").is_file()
    assert client.get(path).status_code == 404


def test_api_paths_are_left_to_the_api(client: Client) -> None:
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    site = StaticSite(lambda: app_config(OUTPUTS))
    for method, path in (("GET", "/api/health"), ("POST", "/"), ("GET", "/api")):
        assert not site.handles(Request(EnvironBuilder(method=method, path=path).get_environ()))


def test_the_openapi_document_is_served_without_a_token(client: Client) -> None:
    """As on AWS (the web construct deploys it): the clients read the step types and statuses from it."""
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.data == (REPO_ROOT / "openapi.json").read_bytes()
    assert "x-terminal-statuses" in json.loads(response.data)["components"]["schemas"]["ExecutionStatus"]


def test_the_examples_are_served_for_the_editor(client: Client) -> None:
    """The web editor's "Start from an example" reads /examples.json: every file of examples/, as written."""
    response = client.get("/examples.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    examples = json.loads(response.data)
    assert [example["file"] for example in examples][:2] == ["transform.yaml", "wait.yaml"]  # simplest first
    assert {example["file"] for example in examples} == {path.name for path in (REPO_ROOT / "examples").glob("*.yaml")}
    for example in examples:
        assert example["text"] == (REPO_ROOT / "examples" / example["file"]).read_text()
        assert example["name"] == f"Example: {example['file'].removesuffix('.yaml')}"
        assert example["description"]
