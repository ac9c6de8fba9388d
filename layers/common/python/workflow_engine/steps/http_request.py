"""The `http` step: one outbound HTTP(S) request, guarded against server-side request forgery.

Config: `HttpConfig` (`{"url": str, "method"?: str = "GET", "headers"?: {str: str}, "body"?: any}`). The url, header
values and body are rendered with `{{ jmespath }}` placeholders first (see `placeholders`), and `{{ secrets.NAME }}`
with the execution owner's secrets: a missing one raises `SecretNotFound` before any request goes out.

Rules:
- The rendered url is checked and its host vetted by the SSRF guard before any socket opens (see
  `ssrf_guard`); the request goes to the vetted address only (see `pinned_transport`: DNS rebinding,
  TLS, timeouts and the response size limit).
- The original `Host` header is sent (a user-supplied `Host` is replaced).
- Redirects are not followed: a 3xx answer is the step's output as it is.
- Body: dict, list, number or bool is sent as JSON with `content-type: application/json` unless the
  headers set a content type; a string is sent as it is (UTF-8); null sends no body.
- Output: `{"status_code": int, "headers": {lower-cased name: value}, "body": ...}` where body is
  the parsed JSON when the content type is JSON (`application/json` or `*+json`) and parses, otherwise
  text (decoded with the declared charset, UTF-8 by default, undecodable bytes replaced).
- A status >= 400 raises, so the step's `retry` and `continue_on_error` apply to it: 408, 425, 429
  and 5xx raise `StepRetryable`, other 4xx raise `StepFailed`; either carries the response
  output in `details["response"]`. Connection failures and timeouts raise `StepRetryable`,
  TLS failures `StepFailed`.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
from typing import TYPE_CHECKING, Any

from workflow_engine.models.step_configs import HttpConfig
from workflow_engine.models.step_errors import StepFailed, StepRetryable
from workflow_engine.net.pinned_transport import Request, Response, is_retryable_status, send
from workflow_engine.net.ssrf_guard import Target, parse_target, resolve_and_vet
from workflow_engine.steps.placeholders import render, to_text

if TYPE_CHECKING:
    from workflow_engine.platform.step_settings import StepSettings
    from workflow_engine.steps.placeholders import SecretSource

USER_AGENT = "workflow-engine-http-step/1.0"
ERROR_BODY_PREVIEW_CHARS = 200
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token: header names, methods
_FORBIDDEN_IN_VALUE = re.compile(r"[\r\n\x00]")


def run_http(
    config: HttpConfig, context: dict[str, Any], settings: StepSettings, secrets: SecretSource | None = None
) -> dict[str, Any]:
    """Render the config, vet the destination, send the request and return the response output."""
    rendered = render({"url": config.url, "headers": config.headers, "body": config.body}, context, secrets=secrets)
    target = parse_target(rendered["url"])
    address = resolve_and_vet(
        target.host, target.port, tuple(settings.http_allowed_networks), tuple(settings.http_denied_endpoints)
    )
    request = build_request(config.method, rendered["headers"], rendered["body"], target)
    output = response_output(send(target, address, request, settings))
    _raise_for_status(output, target)
    return output


def build_request(method: str, headers: Any, body: Any, target: Target) -> Request:
    """Headers (as text, Host pinned to the url) and the encoded body."""
    if not _TOKEN.fullmatch(method):
        raise StepFailed(f"invalid HTTP method {method!r}")
    if not isinstance(headers, dict):
        raise StepFailed("http step headers must render to an object")
    clean: dict[str, str] = {}
    for name, value in headers.items():
        text = to_text(value)
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise StepFailed(f"invalid header name {name!r}")
        if _FORBIDDEN_IN_VALUE.search(text):
            raise StepFailed(f"header {name!r} must not contain line breaks")
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


def response_output(response: Response) -> dict[str, Any]:
    """The step's output for a response: status, lower-cased headers and the body, parsed when it is JSON."""
    return {
        "status_code": response.status,
        "headers": response.headers,
        "body": _decode_body(response.body, response.headers),
    }


def _decode_body(raw: bytes, headers: dict[str, str]) -> Any:
    media_type, charset = _content_type(headers.get("content-type", ""))
    text = raw.decode(charset, errors="replace")
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            return json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes: kept as text
            return text
    return text


def _content_type(value: str) -> tuple[str, str]:
    media_type, _, params = value.partition(";")
    charset = "utf-8"
    for param in params.split(";"):
        key, _, param_value = param.partition("=")
        if key.strip().lower() == "charset" and param_value.strip():
            with contextlib.suppress(LookupError):
                codec = codecs.lookup(param_value.strip().strip('"'))
                # Only a text encoding: "base64", "zlib" or "rot13" are codecs too, but bytes.decode refuses them.
                if getattr(codec, "_is_text_encoding", True):
                    charset = codec.name
    return media_type.strip().lower(), charset


def _raise_for_status(output: dict[str, Any], target: Target) -> None:
    status = output["status_code"]
    if status < 400:
        return
    body = output["body"]
    preview = to_text(body)[:ERROR_BODY_PREVIEW_CHARS].strip()
    message = f"HTTP {status} from {target.host}" + (f": {preview}" if preview else "")
    error_class = StepRetryable if is_retryable_status(status) else StepFailed
    raise error_class(message, details={"response": output})
