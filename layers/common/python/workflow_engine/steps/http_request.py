"""The `http` step: one outbound HTTP(S) request, guarded against server-side request forgery.

Config: `{"url": str, "method"?: str = "GET", "headers"?: {str: str}, "body"?: any}`. The url, header
values and body are rendered with `{{ jmespath }}` placeholders first (see `placeholders`).

Rules:
- The rendered url must be `http://` or `https://` with a host and no `user:password@` part (send
  credentials in an `Authorization` header) and no control characters. Spaces and non-ASCII
  characters in the path and query are percent-encoded; nothing else is (a placeholder's text is
  inserted as it is, so values containing `&` or `=` are the workflow author's to encode). The
  fragment is dropped.
- SSRF guard: the host is resolved exactly once (`socket.getaddrinfo`). The request is refused with
  `UnsafeTargetError` if ANY resolved address is private, loopback, link-local (this includes the
  169.254.169.254 metadata service), unspecified, multicast, reserved, otherwise not globally
  routable, or an IPv6 form embedding such an IPv4 address (IPv4-mapped, 6to4, Teredo, NAT64) --
  unless the address lies in one of `settings.http_allowed_networks`. An IPv4-mapped address is
  judged (and connected to) as its IPv4 address; a well-known-prefix NAT64 address (64:ff9b::/96,
  what DNS64 answers in IPv6-only subnets) by the IPv4 address it embeds.
- The connection goes to a vetted address (IPv4 preferred), never to a second DNS answer, so DNS
  rebinding cannot redirect it; the original `Host` header is sent (a user-supplied `Host` is
  replaced) and for https the TLS server name (SNI) and certificate check use the url's host name.
  Certificates are verified against the system trust store.
- Redirects are not followed: a 3xx answer is the step's output as it is.
- Body: dict, list, number or bool is sent as JSON with `content-type: application/json` unless the
  headers set a content type; a string is sent as it is (UTF-8); null sends no body.
- The response is read with a hard cap of `settings.http_max_response_bytes` (decoded bytes);
  a larger response raises `StepError`. `http_connect_timeout_seconds` bounds connecting,
  `http_read_timeout_seconds` bounds each wait for data, and the whole exchange must finish within
  their sum (a server dripping bytes cannot hold the step).
- Output: `{"status_code": int, "headers": {lower-cased name: value}, "body": ...}` where body is
  the parsed JSON when the content type is JSON (`application/json` or `*+json`) and parses, otherwise
  text (decoded with the declared charset, UTF-8 by default, undecodable bytes replaced).
- A status >= 400 raises, so the step's `retry` and `continue_on_error` apply to it: 408, 425, 429
  and 5xx raise `RetryableStepError`, other 4xx raise `StepError`; either carries the response
  output in `details["response"]`. Connection failures and timeouts raise `RetryableStepError`,
  TLS failures `StepError`.
"""

from __future__ import annotations

import codecs
import contextlib
import ipaddress
import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from .errors import RetryableStepError, StepError, UnsafeTargetError
from .placeholders import render, to_text

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

USER_AGENT = "workflow-engine-http-step/1.0"
CHUNK_BYTES = 16_384
RETRYABLE_STATUS = frozenset({408, 425, 429})
ERROR_BODY_PREVIEW_CHARS = 200
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token: header names, methods
_FORBIDDEN_IN_VALUE = re.compile(r"[\r\n\x00]")
_NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
# Characters kept as they are in the path and query; others (spaces, non-ASCII) are percent-encoded.
# "%" is kept so text that is already percent-encoded is not encoded twice.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


@dataclass(frozen=True)
class Target:
    """Where a request goes, as the url names it."""

    scheme: str
    host: str  # ASCII host name or IP literal, without brackets
    port: int
    host_header: str
    path: str  # path and query, what goes on the request line


@dataclass(frozen=True)
class Request:
    method: str
    headers: dict[str, str]
    body: bytes | None


def run_http(config: dict[str, Any], context: dict[str, Any], settings: Any) -> dict[str, Any]:
    """Render the config, vet the destination, send the request and return the response output."""
    rendered = render(
        {"url": config.get("url"), "headers": config.get("headers") or {}, "body": config.get("body")},
        context,
    )
    target = parse_target(rendered["url"])
    address = resolve_and_vet(target.host, target.port, tuple(settings.http_allowed_networks))
    request = build_request(str(config.get("method") or "GET"), rendered["headers"], rendered["body"], target)
    output = send(target, address, request, settings)
    _raise_for_status(output, target)
    return output


# --- url ---------------------------------------------------------------------------------------


def parse_target(url: Any) -> Target:
    """Validate a rendered url and split it into what the connection needs."""
    if not isinstance(url, str) or not url.strip():
        raise StepError("http step url must render to a non-empty string")
    url = url.strip()
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        raise StepError("http step url must not contain control characters (line breaks, tabs)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise StepError(f"invalid url {url!r}: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise StepError(f"url must start with http:// or https://, got {url!r}")
    if not parts.hostname:
        raise StepError(f"url has no host: {url!r}")
    if parts.username is not None or parts.password is not None:
        raise StepError("credentials in the url are not supported; send an Authorization header instead")
    host = _ascii_host(parts.hostname)
    port = port or (443 if scheme == "https" else 80)
    path = quote(parts.path or "/", safe=_PATH_SAFE) + (
        f"?{quote(parts.query, safe=_QUERY_SAFE)}" if parts.query else ""
    )
    return Target(scheme=scheme, host=host, port=port, host_header=_host_header(host, port, scheme), path=path)


def _ascii_host(hostname: str) -> str:
    if _parse_ip(hostname) is not None:
        return hostname
    try:
        return hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise StepError(f"invalid host name {hostname!r}") from None


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    default_port = 443 if scheme == "https" else 80
    return shown if port == default_port else f"{shown}:{port}"


# --- SSRF guard ----------------------------------------------------------------------------------


def resolve_and_vet(host: str, port: int, allowed: tuple[IPNetwork, ...]) -> str:
    """Resolve `host` once; refuse if any answer is unsafe; return the address to connect to."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        error_class = RetryableStepError if error.errno == socket.EAI_AGAIN else StepError
        raise error_class(f"could not resolve host {host!r}: {error.strerror or error}") from None
    except (UnicodeError, OSError) as error:
        raise StepError(f"could not resolve host {host!r}: {error}") from None
    addresses = [_connect_address(_parse_ip(str(answer[4][0]).split("%", 1)[0])) for answer in answers]
    if not addresses or any(address is None for address in addresses):
        raise StepError(f"could not resolve host {host!r}")
    vetted: list[IPAddress] = [address for address in addresses if address is not None]
    for address in vetted:
        if is_forbidden_address(address, allowed):
            raise UnsafeTargetError(
                f"refusing to contact {host!r}: it resolves to a private, loopback, link-local or "
                f"reserved address ({address}) that is not in the allowed networks"
            )
    vetted.sort(key=lambda address: address.version)  # IPv4 first, stable otherwise
    return str(vetted[0])


def is_forbidden_address(address: IPAddress | str, allowed: tuple[IPNetwork, ...] = ()) -> bool:
    """True when the http step must not connect to `address` (see the module rules)."""
    ip = address if not isinstance(address, str) else ipaddress.ip_address(address)
    ip = _connect_address(ip) or ip
    if any(ip.version == network.version and ip in network for network in allowed):
        return False
    if ip in _NAT64_PREFIX:  # well-known NAT64 (DNS64 networks): it reaches the embedded IPv4 address
        return _is_internal(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if _is_internal(ip):
        return True
    return any(_is_internal(embedded) for embedded in _embedded_ipv4(ip))


def _is_internal(ip: IPAddress) -> bool:
    site_local = isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
        or site_local
        or not ip.is_global
    )


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries and may route to (mapped, 6to4, Teredo)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def _connect_address(ip: IPAddress | None) -> IPAddress | None:
    """The address a socket actually reaches: an IPv4-mapped IPv6 address is its IPv4 address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


# --- request -------------------------------------------------------------------------------------


def build_request(method: str, headers: Any, body: Any, target: Target) -> Request:
    """Headers (as text, Host pinned to the url) and the encoded body."""
    if not _TOKEN.fullmatch(method):
        raise StepError(f"invalid HTTP method {method!r}")
    if not isinstance(headers, dict):
        raise StepError("http step headers must render to an object")
    clean: dict[str, str] = {}
    for name, value in headers.items():
        text = to_text(value)
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise StepError(f"invalid header name {name!r}")
        if _FORBIDDEN_IN_VALUE.search(text):
            raise StepError(f"header {name!r} must not contain line breaks")
        if name.lower() != "host":
            clean[name] = text
    lower = {name.lower() for name in clean}
    encoded: bytes | None = None
    if isinstance(body, str):
        encoded = body.encode("utf-8")
    elif body is not None:
        encoded = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if "content-type" not in lower:
            clean["Content-Type"] = "application/json"
    if "user-agent" not in lower:
        clean["User-Agent"] = USER_AGENT
    clean["Host"] = target.host_header
    return Request(method=method.upper(), headers=clean, body=encoded)


# --- exchange ------------------------------------------------------------------------------------


def send(target: Target, address: str, request: Request, settings: Any) -> dict[str, Any]:
    """Send `request` to the pinned `address` and read the response within the limits."""
    connect_timeout = float(settings.http_connect_timeout_seconds)
    read_timeout = float(settings.http_read_timeout_seconds)
    deadline = time.monotonic() + connect_timeout + read_timeout
    timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
    with _pool(target, address, timeout) as pool:
        try:
            response = pool.urlopen(
                request.method,
                target.path,
                body=request.body,
                headers=request.headers,
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=True,
                assert_same_host=False,
            )
            try:
                with _Watchdog(response, deadline - time.monotonic()) as watchdog:
                    raw = _read_capped(response, int(settings.http_max_response_bytes), target, watchdog)
            finally:
                response.release_conn()
        except StepError:
            raise
        except Exception as error:  # noqa: BLE001 - every transport failure becomes a user-facing message
            raise _transport_error(error, target, connect_timeout, read_timeout) from None
    headers = {name.lower(): response.headers[name] for name in response.headers}
    return {"status_code": int(response.status), "headers": headers, "body": _decode_body(raw, headers)}


def _pool(target: Target, address: str, timeout: urllib3.Timeout) -> urllib3.HTTPConnectionPool:
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            maxsize=1,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, maxsize=1, retries=False)


class _Watchdog:
    """Shuts the response's socket down once the exchange overruns its deadline.

    urllib3's read timeout applies to each socket read, so a server sending a byte now and then could
    hold the step indefinitely; shutting the socket down makes the blocked read return at once.
    """

    def __init__(self, response: Any, seconds: float) -> None:
        self.expired = False
        self._response = response
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        self.expired = True
        sock = getattr(getattr(self._response, "connection", None), "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _read_capped(response: Any, max_bytes: int, target: Target, watchdog: _Watchdog) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.strip().isdigit() and int(declared) > max_bytes:
        raise StepError(f"response from {target.host} is larger than the {max_bytes} byte limit")
    too_slow = RetryableStepError(f"response from {target.host} took too long to arrive")
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in response.stream(CHUNK_BYTES, decode_content=True):
            total += len(chunk)
            if total > max_bytes:
                raise StepError(f"response from {target.host} is larger than the {max_bytes} byte limit")
            chunks.append(chunk)
    except StepError:
        raise
    except Exception:
        if watchdog.expired:
            raise too_slow from None
        raise
    if watchdog.expired:  # the shut-down socket may have looked like the end of an unsized body
        raise too_slow
    return b"".join(chunks)


def _decode_body(raw: bytes, headers: dict[str, str]) -> Any:
    media_type, charset = _content_type(headers.get("content-type", ""))
    text = raw.decode(charset, errors="replace")
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _content_type(value: str) -> tuple[str, str]:
    media_type, _, params = value.partition(";")
    charset = "utf-8"
    for param in params.split(";"):
        key, _, param_value = param.partition("=")
        if key.strip().lower() == "charset" and param_value.strip():
            with contextlib.suppress(LookupError):
                charset = codecs.lookup(param_value.strip().strip('"')).name
    return media_type.strip().lower(), charset


def _raise_for_status(output: dict[str, Any], target: Target) -> None:
    status = output["status_code"]
    if status < 400:
        return
    body = output["body"]
    preview = to_text(body)[:ERROR_BODY_PREVIEW_CHARS].strip()
    message = f"HTTP {status} from {target.host}" + (f": {preview}" if preview else "")
    error_class = RetryableStepError if status in RETRYABLE_STATUS or status >= 500 else StepError
    raise error_class(message, details={"response": output})


def _transport_error(error: Exception, target: Target, connect_timeout: float, read_timeout: float) -> StepError:
    host = target.host
    # NewConnectionError subclasses ConnectTimeoutError in urllib3, so it is tested first.
    if isinstance(error, NewConnectionError):
        return RetryableStepError(f"could not connect to {host}: {_cause(error)}")
    if isinstance(error, ConnectTimeoutError):
        return RetryableStepError(f"connecting to {host} timed out after {connect_timeout:g}s")
    if isinstance(error, ReadTimeoutError):
        return RetryableStepError(f"{host} did not answer within {read_timeout:g}s")
    if isinstance(error, SSLError):
        return StepError(f"TLS error with {host}: {_cause(error)}")
    if isinstance(error, (ProtocolError, HTTPError, OSError)):
        return RetryableStepError(f"connection to {host} failed: {_cause(error)}")
    return StepError(f"request to {host} failed: {_cause(error)}")


def _cause(error: BaseException) -> str:
    """The innermost readable reason (OS error text rather than urllib3's wrapper)."""
    reasons: list[BaseException] = [error]
    current: BaseException | None = error
    while current is not None and len(reasons) < 5:
        current = current.__cause__ or current.__context__
        if current is not None:
            reasons.append(current)
    for reason in reversed(reasons):
        if isinstance(reason, OSError) and reason.strerror:
            return reason.strerror
    for reason in error.args:
        if isinstance(reason, BaseException):
            return str(reason)
    return str(error) or type(error).__name__
