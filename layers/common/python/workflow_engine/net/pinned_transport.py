"""The pinned transport: one HTTP(S) exchange with a vetted address, within hard limits.

Rules:
- The connection goes to the address `ssrf_guard.resolve_and_vet` returned, never to a second DNS answer;
  the request's `Host` header is the caller's (the url's host) and for https the TLS server name (SNI) and
  certificate check use the url's host name. Certificates are verified against the system trust store.
- Redirects are not followed and nothing is retried here (the step's own `retry` decides).
- The response is read with a hard cap of `settings.http_max_response_bytes` (decoded bytes); a larger
  response raises `StepFailed`. `http_connect_timeout_seconds` bounds connecting,
  `http_read_timeout_seconds` bounds each wait for data, and the whole exchange must finish within their
  sum (a server dripping bytes cannot hold the caller).
- Connection failures and timeouts raise `StepRetryable`, TLS failures `StepFailed`; each names the host.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from workflow_engine.models.step_errors import StepFailed, StepRetryable
from workflow_engine.net.ssrf_guard import Target

CHUNK_BYTES = 16_384


# Answers worth another attempt: a timeout, too early, throttled, or any server error.
RETRYABLE_STATUS = frozenset({408, 425, 429})


def is_retryable_status(status: int) -> bool:
    return status in RETRYABLE_STATUS or status >= 500


@dataclass(frozen=True)
class Request:
    method: str
    headers: dict[str, str]
    body: bytes | None


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes  # decoded content (gzip/deflate undone), at most the configured limit


def send(target: Target, address: str, request: Request, settings: Any) -> Response:
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
        except StepFailed:
            raise
        except Exception as error:  # noqa: BLE001 - every transport failure becomes a user-facing message
            raise _transport_error(error, target, connect_timeout, read_timeout) from None
    headers = {name.lower(): response.headers[name] for name in response.headers}
    return Response(status=int(response.status), headers=headers, body=raw)


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
        raise StepFailed(f"response from {target.host} is larger than the {max_bytes} byte limit")
    too_slow = StepRetryable(f"response from {target.host} took too long to arrive")
    chunks: list[bytes] = []
    total = 0
    try:
        for chunk in response.stream(CHUNK_BYTES, decode_content=True):
            total += len(chunk)
            if total > max_bytes:
                raise StepFailed(f"response from {target.host} is larger than the {max_bytes} byte limit")
            chunks.append(chunk)
    except StepFailed:
        raise
    except Exception:
        if watchdog.expired:
            raise too_slow from None
        raise
    if watchdog.expired:  # the shut-down socket may have looked like the end of an unsized body
        raise too_slow
    return b"".join(chunks)


def _transport_error(error: Exception, target: Target, connect_timeout: float, read_timeout: float) -> StepFailed:
    host = target.host
    # NewConnectionError subclasses ConnectTimeoutError in urllib3, so it is tested first.
    if isinstance(error, NewConnectionError):
        return StepRetryable(f"could not connect to {host}: {_cause(error)}")
    if isinstance(error, ConnectTimeoutError):
        return StepRetryable(f"connecting to {host} timed out after {connect_timeout:g}s")
    if isinstance(error, ReadTimeoutError):
        return StepRetryable(f"{host} did not answer within {read_timeout:g}s")
    if isinstance(error, SSLError):
        return StepFailed(f"TLS error with {host}: {_cause(error)}")
    if isinstance(error, (ProtocolError, HTTPError, OSError)):
        return StepRetryable(f"connection to {host} failed: {_cause(error)}")
    return StepFailed(f"request to {host} failed: {_cause(error)}")


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
