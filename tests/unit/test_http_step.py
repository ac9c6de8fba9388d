"""The http step against real local servers on the loopback interface (no other network).

Refusal tests also make sure no connection is attempted: the SSRF guard runs before any socket opens.
"""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from workflow_engine.models.step_configs import HttpConfig
from workflow_engine.models.step_errors import StepFailed, StepRetryable, UnsafeTarget
from workflow_engine.net.ssrf_guard import is_forbidden_address
from workflow_engine.platform.step_settings import StepSettings
from workflow_engine.steps import http_request

REAL_GETADDRINFO = socket.getaddrinfo
CONTEXT: dict[str, Any] = {"input": {"id": 7, "name": "Zoë", "doc": {"a": [1, 2]}}, "steps": {}}


# --- local servers ---------------------------------------------------------------------------------


# Routes whose answer does not depend on the request: (status, body, content type[, extra headers]).
FIXED_REPLIES: dict[str, tuple[Any, ...]] = {
    "/text": (200, "héllo wörld".encode(), "text/plain; charset=utf-8"),
    "/latin1": (200, "héllo".encode("latin-1"), "text/plain; charset=ISO-8859-1"),
    "/not-json": (200, b"{not json", "application/json"),
    "/problem": (200, b'{"title": "ok"}', "application/problem+json"),
    "/binary": (200, b"\xff\xfeok", "application/octet-stream"),
    "/redirect": (302, b"", "text/plain", {"Location": "/echo"}),
}
STREAMED = ("/big-unsized", "/drip")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value: Any, extra: dict[str, str] | None = None) -> None:
        self._reply(status, json.dumps(value).encode(), "application/json", extra)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers.items()), "body": body}
        )
        route = url.path
        fixed = FIXED_REPLIES.get(route)
        if fixed:
            self._reply(*fixed)
        elif route == "/echo":
            self._json(
                200,
                {
                    "method": self.command,
                    "path": self.path,
                    "host": self.headers.get("Host"),
                    "content_type": self.headers.get("Content-Type"),
                    "user_agent": self.headers.get("User-Agent"),
                    "x_id": self.headers.get("X-Id"),
                    "body": body.decode("utf-8"),
                },
                {"X-Multi": "one"},
            )
        elif route == "/odd-charset":
            self._reply(200, "héllo".encode(), f"text/plain; charset={query['charset']}")
        elif route == "/big":
            self._reply(200, b"x" * int(query["n"]), "text/plain")
        elif route.startswith("/status/"):
            status = int(route.rsplit("/", 1)[1])
            self._json(status, {"error": f"status {status}"})
        elif route == "/slow":
            time.sleep(float(query.get("s", "2")))
            self._json(200, {"late": True})
        elif route in STREAMED:
            self._stream(route, query)
        else:
            self._json(200, {"ok": True, "path": self.path})

    def _stream(self, route: str, query: dict[str, str]) -> None:
        """/big-unsized: no Content-Length, ends by closing; /drip: 100 bytes, one every 50 ms."""
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        if route == "/big-unsized":
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"y" * int(query["n"]))
            self.close_connection = True
            return
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b"z")
            self.wfile.flush()
            time.sleep(0.05)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], family: int = socket.AF_INET) -> None:
        self.address_family = family
        self.requests: list[dict[str, Any]] = []
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that give up early (timeouts, size caps) are expected here


def _serve(server: _Server) -> Iterator[_Server]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    yield from _serve(_Server(("127.0.0.1", 0)))


def _base(server: _Server, host: str = "127.0.0.1", scheme: str = "http") -> str:
    return f"{scheme}://{host}:{server.server_address[1]}"


def run_http(config: dict[str, Any], context: dict[str, Any], settings: StepSettings) -> Any:
    """The runner with the config typed as the step function types it."""
    return http_request.run_http(HttpConfig.model_validate(config), context, settings)


def _settings(allowed: str = "127.0.0.0/8", **overrides: Any) -> StepSettings:
    values: dict[str, Any] = {
        "logs_table": "logs",
        "http_allowed_networks": allowed,
        "http_denied_endpoints": "",
        "secrets_prefix": "test/secrets",
        "http_connect_timeout_seconds": 2,
        "http_read_timeout_seconds": 2,
        "http_max_response_bytes": 4_096,
    }
    values.update(overrides)
    return StepSettings(**values)


def _fake_dns(answers: dict[str, list[list[str]]]) -> tuple[Callable[..., Any], list[str]]:
    """A getaddrinfo that answers names from `answers` (successive calls take successive lists).

    IP literals go to the real resolver (urllib3 calls it with the pinned address when it connects).
    """
    calls: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in answers:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        calls.append(name)
        round_ = answers[name][min(len(calls) - 1, len(answers[name]) - 1)]
        result = []
        for address in round_:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, int(port or 0), 0, 0) if family == socket.AF_INET6 else (address, int(port or 0))
            result.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
        return result

    return getaddrinfo, calls


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the request must be refused before connecting")

    monkeypatch.setattr(http_request, "send", refuse)


# --- allowed requests ----------------------------------------------------------------------------


def test_a_loopback_server_is_reachable_when_its_network_is_allowed(server: _Server) -> None:
    output = run_http({"url": f"{_base(server)}/hello?x=1"}, CONTEXT, _settings())

    assert output["status_code"] == 200
    assert output["body"] == {"ok": True, "path": "/hello?x=1"}
    assert output["headers"]["content-type"] == "application/json"
    assert all(name == name.lower() for name in output["headers"])
    assert server.requests[0]["method"] == "GET"


def test_url_headers_and_json_body_are_rendered_and_sent(server: _Server) -> None:
    config = {
        "url": _base(server) + "/echo?id={{ input.id }}",
        "method": "POST",
        "headers": {"X-Id": "id-{{ input.id }}"},
        "body": {"name": "{{ input.name }}", "doc": "{{ input.doc }}", "{{ input.id }}": "keys are literal"},
    }
    output = run_http(config, CONTEXT, _settings())

    echoed = output["body"]
    assert echoed["method"] == "POST"
    assert echoed["path"] == "/echo?id=7"
    assert echoed["x_id"] == "id-7"
    assert echoed["content_type"] == "application/json"
    assert json.loads(echoed["body"]) == {"name": "Zoë", "doc": {"a": [1, 2]}, "{{ input.id }}": "keys are literal"}
    assert echoed["host"] == f"127.0.0.1:{server.server_address[1]}"
    assert echoed["user_agent"].startswith("workflow-engine-http-step/")


def test_a_string_body_is_sent_as_it_is_and_a_set_content_type_is_kept(server: _Server) -> None:
    output = run_http(
        {
            "url": _base(server) + "/echo",
            "method": "put",
            "headers": {"Content-Type": "text/csv", "User-Agent": "mine"},
            "body": "id,name\n{{ input.id }},{{ input.name }}",
        },
        CONTEXT,
        _settings(),
    )
    assert output["body"]["method"] == "PUT"
    assert output["body"]["content_type"] == "text/csv"
    assert output["body"]["user_agent"] == "mine"
    assert output["body"]["body"] == "id,name\n7,Zoë"


def test_spaces_and_non_ascii_in_the_path_and_query_are_percent_encoded(server: _Server) -> None:
    output = run_http(
        {"url": _base(server) + "/echo/{{ input.name }} x?q={{ input.name }} y&r=a%20b"}, CONTEXT, _settings()
    )
    assert output["body"]["path"] == "/echo/Zo%C3%AB%20x?q=Zo%C3%AB%20y&r=a%20b"


def test_a_user_supplied_host_header_is_replaced(server: _Server) -> None:
    output = run_http({"url": _base(server) + "/echo", "headers": {"host": "internal.example"}}, CONTEXT, _settings())
    assert output["body"]["host"] == f"127.0.0.1:{server.server_address[1]}"


def test_json_and_text_bodies(server: _Server) -> None:
    settings = _settings()
    assert run_http({"url": _base(server) + "/text"}, CONTEXT, settings)["body"] == "héllo wörld"
    assert run_http({"url": _base(server) + "/latin1"}, CONTEXT, settings)["body"] == "héllo"
    assert run_http({"url": _base(server) + "/not-json"}, CONTEXT, settings)["body"] == "{not json"
    assert run_http({"url": _base(server) + "/problem"}, CONTEXT, settings)["body"] == {"title": "ok"}
    assert run_http({"url": _base(server) + "/binary"}, CONTEXT, settings)["body"] == "\ufffd\ufffdok"


@pytest.mark.parametrize("charset", ["base64", "zlib", "rot13", "hex", "no-such-charset"])
def test_a_charset_that_is_not_a_text_encoding_reads_as_utf8(server: _Server, charset: str) -> None:
    # codecs.lookup knows base64, zlib, rot13 and hex, but bytes.decode refuses them (LookupError): the step must
    # not end as an internal error because a server named one.
    output = run_http({"url": _base(server) + f"/odd-charset?charset={charset}"}, CONTEXT, _settings())
    assert output["body"] == "héllo"


def test_head_has_an_empty_body(server: _Server) -> None:
    output = run_http({"url": _base(server) + "/text", "method": "HEAD"}, CONTEXT, _settings())
    assert output["status_code"] == 200 and output["body"] == ""


def test_redirects_are_returned_not_followed(server: _Server) -> None:
    output = run_http({"url": _base(server) + "/redirect"}, CONTEXT, _settings())

    assert output["status_code"] == 302
    assert output["headers"]["location"] == "/echo"
    assert [request["path"] for request in server.requests] == ["/redirect"]


# --- SSRF guard ----------------------------------------------------------------------------------


def test_loopback_is_refused_when_not_allowed(server: _Server) -> None:
    with pytest.raises(UnsafeTarget, match="refusing"):
        run_http({"url": _base(server) + "/echo"}, CONTEXT, _settings(allowed=""))
    assert server.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8080/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[::ffff:a00:1]/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://2130706433/",  # 127.0.0.1 as a decimal number
        "http://0x7f.1/",  # 127.0.0.1 in hex shorthand
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://224.0.0.1/",  # multicast
        "http://240.0.0.1/",  # reserved
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[2002:a00:1::1]/",  # 6to4 of 10.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
        "https://169.254.169.254/",
    ],
)
def test_internal_addresses_are_refused(url: str, no_connections: None) -> None:
    with pytest.raises(UnsafeTarget):
        run_http({"url": url}, CONTEXT, _settings(allowed=""))


def test_a_loopback_allowance_does_not_open_other_internal_ranges(no_connections: None) -> None:
    for url in ("http://10.0.0.1/", "http://169.254.169.254/", "http://[::1]/"):
        with pytest.raises(UnsafeTarget):
            run_http({"url": url}, CONTEXT, _settings(allowed="127.0.0.0/8"))


def test_a_host_name_resolving_to_a_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, no_connections: None
) -> None:
    getaddrinfo, calls = _fake_dns({"internal.example.com": [["10.1.2.3"]]})
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    with pytest.raises(UnsafeTarget, match="internal.example.com"):
        run_http({"url": "https://internal.example.com/admin"}, CONTEXT, _settings(allowed=""))
    assert calls == ["internal.example.com"]


def test_a_name_with_any_unsafe_answer_is_refused(monkeypatch: pytest.MonkeyPatch, no_connections: None) -> None:
    getaddrinfo, calls = _fake_dns({"rebind.example.com": [["93.184.216.34", "169.254.169.254"]]})
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    with pytest.raises(UnsafeTarget):
        run_http({"url": "http://rebind.example.com/"}, CONTEXT, _settings(allowed=""))
    assert calls == ["rebind.example.com"]


def test_the_vetted_address_is_pinned_against_dns_rebinding(monkeypatch: pytest.MonkeyPatch, server: _Server) -> None:
    # First answer: the (allowed) loopback server. Any later lookup would answer the metadata service.
    getaddrinfo, calls = _fake_dns({"rebind.test": [["127.0.0.1"], ["169.254.169.254"]]})
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    output = run_http({"url": _base(server, "rebind.test") + "/echo"}, CONTEXT, _settings())

    assert calls == ["rebind.test"]  # resolved once
    assert output["body"]["host"] == f"rebind.test:{server.server_address[1]}"
    assert len(server.requests) == 1


def test_an_ipv4_mapped_address_connects_to_its_ipv4_address_when_allowed(server: _Server) -> None:
    output = run_http({"url": _base(server, "[::ffff:127.0.0.1]") + "/echo"}, CONTEXT, _settings())
    assert output["status_code"] == 200
    assert output["body"]["host"] == f"[::ffff:127.0.0.1]:{server.server_address[1]}"


def test_an_ipv6_loopback_server_is_reachable_when_allowed() -> None:
    ipv6 = _Server(("::1", 0), family=socket.AF_INET6)  # the machines this runs on have IPv6 loopback
    for running in _serve(ipv6):
        output = run_http(
            {"url": f"http://[::1]:{running.server_address[1]}/echo"}, CONTEXT, _settings(allowed="::1/128")
        )
        assert output["body"]["host"] == f"[::1]:{running.server_address[1]}"


@pytest.mark.parametrize(
    ("address", "forbidden"),
    [
        ("93.184.216.34", False),
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
        ("::ffff:8.8.8.8", False),
        ("64:ff9b::808:808", False),
        ("127.0.0.1", True),
        ("::ffff:10.0.0.1", True),
        ("192.0.2.1", True),  # documentation range
        ("198.18.0.1", True),  # benchmarking
        ("255.255.255.255", True),
        ("ff02::1", True),
        ("fec0::1", True),  # deprecated site-local
    ],
)
def test_address_classification(address: str, forbidden: bool) -> None:
    assert is_forbidden_address(address) is forbidden


def test_allowed_networks_exempt_only_their_addresses() -> None:
    allowed = _settings(allowed="10.0.0.0/8, fd00::/8").http_allowed_networks
    assert is_forbidden_address("10.20.30.40", allowed) is False
    assert is_forbidden_address("::ffff:10.20.30.40", allowed) is False
    assert is_forbidden_address("fd12::1", allowed) is False
    assert is_forbidden_address("172.16.0.1", allowed) is True
    assert is_forbidden_address("169.254.169.254", allowed) is True


def test_an_unresolvable_name_is_a_step_error(monkeypatch: pytest.MonkeyPatch, no_connections: None) -> None:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(StepFailed, match="could not resolve host 'nowhere.invalid'") as raised:
        run_http({"url": "http://nowhere.invalid/"}, CONTEXT, _settings())
    assert not isinstance(raised.value, StepRetryable)


# --- invalid configs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/file", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("gopher://127.0.0.1:70/", "http:// or https://"),
        ("http:///path-only", "no host"),
        ("http://user:secret@example.com/", "credentials"),
        ("http://example.com:99999/", "invalid url"),
        ("http://example.com/a\tb", "control characters"),
        ("http://example.com/\r\nX-Injected: 1", "control characters"),
        ("{{ input.missing }}", "non-empty string"),
        ("{{ input.id }}", "non-empty string"),
    ],
)
def test_invalid_urls_are_step_errors(url: str, message: str, no_connections: None) -> None:
    """The runner's own checks of the rendered url (most of these literal urls are refused when the workflow is
    saved too; the config is built unvalidated here to show the runner does not rely on it)."""
    config = HttpConfig.model_construct(url=url, method="GET", headers={}, body=None)
    with pytest.raises(StepFailed, match=message):
        http_request.run_http(config, CONTEXT, _settings())


@pytest.mark.parametrize(
    "headers", [{"X-Bad": "a\r\nInjected: yes"}, {"Bad Name": "x"}, {"X-Null": "a\x00b"}, {"X-Nl": "{{ input.nl }}"}]
)
def test_header_injection_is_refused(headers: dict[str, str], server: _Server) -> None:
    context = {"input": {"nl": "x\nSet-Cookie: a=b"}, "steps": {}}
    with pytest.raises(StepFailed):
        run_http({"url": _base(server) + "/echo", "headers": headers}, context, _settings())
    assert server.requests == []


# --- failures and limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "retryable"), [(400, False), (404, False), (409, False), (429, True), (500, True), (503, True)]
)
def test_error_statuses_raise(server: _Server, status: int, retryable: bool) -> None:
    with pytest.raises(StepFailed) as raised:
        run_http({"url": f"{_base(server)}/status/{status}"}, CONTEXT, _settings())

    error = raised.value
    assert str(error).startswith(f"HTTP {status} from 127.0.0.1")
    assert isinstance(error, StepRetryable) is retryable
    assert error.details is not None
    assert error.details["response"]["status_code"] == status
    assert error.details["response"]["body"] == {"error": f"status {status}"}


def test_a_response_larger_than_the_limit_is_refused(server: _Server) -> None:
    settings = _settings(http_max_response_bytes=2_048)
    assert len(run_http({"url": _base(server) + "/big?n=2048"}, CONTEXT, settings)["body"]) == 2_048
    with pytest.raises(StepFailed, match="larger than the 2048 byte limit"):
        run_http({"url": _base(server) + "/big?n=2049"}, CONTEXT, settings)


def test_a_response_without_length_is_cut_while_reading(server: _Server) -> None:
    settings = _settings(http_max_response_bytes=2_048)
    assert run_http({"url": _base(server) + "/big-unsized?n=100"}, CONTEXT, settings)["body"] == "y" * 100
    with pytest.raises(StepFailed, match="larger than the 2048 byte limit"):
        run_http({"url": _base(server) + "/big-unsized?n=500000"}, CONTEXT, settings)


def test_a_slow_server_times_out(server: _Server) -> None:
    started = time.monotonic()
    with pytest.raises(StepRetryable, match="did not answer within 0.3s"):
        run_http({"url": _base(server) + "/slow?s=2"}, CONTEXT, _settings(http_read_timeout_seconds=0.3))
    assert time.monotonic() - started < 1.5


def test_a_dripping_response_cannot_outlast_the_timeouts(server: _Server) -> None:
    started = time.monotonic()
    with pytest.raises(StepRetryable, match="too long"):
        run_http(
            {"url": _base(server) + "/drip"},
            CONTEXT,
            _settings(http_connect_timeout_seconds=0.2, http_read_timeout_seconds=0.5),
        )
    assert time.monotonic() - started < 2.5  # the full drip takes 5 s


def test_a_refused_connection_is_retryable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before the request: nothing listens there
    with pytest.raises(StepRetryable, match="could not connect to 127.0.0.1"):
        run_http({"url": f"http://127.0.0.1:{port}/"}, CONTEXT, _settings())


# --- https ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A private CA and a server certificate for `secure.test`, written as PEM files."""
    from cryptography import x509  # installed with pyjwt[crypto]
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "secure.test")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("secure.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    directory = tmp_path_factory.mktemp("tls")
    files = {"ca": directory / "ca.pem", "cert": directory / "cert.pem", "key": directory / "key.pem"}
    files["ca"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files["key"].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files


@pytest.fixture
def tls_server(tls_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[_Server, list[Any]]]:
    server_names: list[Any] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files["cert"], tls_files["key"])
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)
    server = _Server(("127.0.0.1", 0))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files["ca"]))  # trust the test CA as the system store
    for running in _serve(server):
        yield running, server_names


def test_https_connects_to_the_pinned_address_with_sni_and_verification(
    tls_server: tuple[_Server, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, server_names = tls_server
    getaddrinfo, calls = _fake_dns({"secure.test": [["127.0.0.1"], ["169.254.169.254"]]})
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    output = run_http({"url": _base(server, "secure.test", "https") + "/echo"}, CONTEXT, _settings())

    assert output["status_code"] == 200
    assert output["body"]["host"] == f"secure.test:{server.server_address[1]}"
    assert server_names == ["secure.test"]
    assert calls == ["secure.test"]


def test_https_refuses_a_certificate_for_another_name(
    tls_server: tuple[_Server, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = tls_server
    getaddrinfo, _ = _fake_dns({"other.test": [["127.0.0.1"]]})
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    with pytest.raises(StepFailed, match="TLS error with other.test") as raised:
        run_http({"url": _base(server, "other.test", "https") + "/echo"}, CONTEXT, _settings())
    assert not isinstance(raised.value, StepRetryable)
    assert server.requests == []


def test_a_json_answer_nested_deeper_than_the_parser_goes_is_kept_as_text() -> None:
    """A target answering `[[[...]]]` 5,000 deep makes json.loads raise RecursionError: the body stays text (the
    step then fails or not on its own merits), never an internal error."""
    from workflow_engine.net.pinned_transport import Response

    deep = "[" * 5_000 + "]" * 5_000
    output = http_request.response_output(
        Response(status=200, headers={"content-type": "application/json"}, body=deep.encode())
    )
    assert output["body"] == deep
