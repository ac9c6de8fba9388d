"""Where an outbound request may go: url checks and the SSRF guard, shared by every outbound HTTP call.

Rules:
- The url must be `http://` or `https://` with a host and no `user:password@` part (send credentials
  in an `Authorization` header) and no control characters. Spaces and non-ASCII characters in the path
  and query are percent-encoded; nothing else is (a placeholder's text is inserted as it is, so values
  containing `&` or `=` are the workflow author's to encode). The fragment is dropped.
- SSRF guard: the host is resolved exactly once (`socket.getaddrinfo`). The request is refused with
  `UnsafeTarget` if ANY resolved address is private, loopback, link-local (this includes the
  169.254.169.254 metadata service), unspecified, multicast, reserved, otherwise not globally
  routable, or an IPv6 form embedding such an IPv4 address (IPv4-mapped, 6to4, Teredo, NAT64) --
  unless the address lies in one of the allowed networks (`settings.http_allowed_networks`). An
  IPv4-mapped address is judged (and connected to) as its IPv4 address; a well-known-prefix NAT64
  address (64:ff9b::/96, what DNS64 answers in IPv6-only subnets) by the IPv4 address it embeds.
- The stack's own endpoints (`settings.http_denied_endpoints`, (network, port) pairs: the local stack's
  AWS endpoint, API and WebSocket ports on loopback) are refused even inside the allowed networks, so a step
  or a webhook cannot send signed AWS requests to the stack that runs it (empty on AWS, where every internal
  address is refused anyway).
- `resolve_and_vet` returns the vetted address (IPv4 preferred) to connect to: the caller connects there
  (see `pinned_transport`), never to a second DNS answer, so DNS rebinding cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from workflow_engine.models.step_errors import StepFailed, StepRetryable, UnsafeTarget

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

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


# --- url ---------------------------------------------------------------------------------------


def parse_target(url: Any) -> Target:
    """Validate a rendered url and split it into what the connection needs."""
    if not isinstance(url, str) or not url.strip():
        raise StepFailed("http step url must render to a non-empty string")
    url = url.strip()
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        raise StepFailed("http step url must not contain control characters (line breaks, tabs)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise StepFailed(f"invalid url {url!r}: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise StepFailed(f"url must start with http:// or https://, got {url!r}")
    if not parts.hostname:
        raise StepFailed(f"url has no host: {url!r}")
    if parts.username is not None or parts.password is not None:
        raise StepFailed("credentials in the url are not supported; send an Authorization header instead")
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
        raise StepFailed(f"invalid host name {hostname!r}") from None


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    default_port = 443 if scheme == "https" else 80
    return shown if port == default_port else f"{shown}:{port}"


# --- SSRF guard ----------------------------------------------------------------------------------


def resolve_and_vet(
    host: str, port: int, allowed: tuple[IPNetwork, ...], denied: tuple[tuple[IPNetwork, int], ...] = ()
) -> str:
    """Resolve `host` once; refuse if any answer is unsafe or one of the `denied` endpoints; return the address
    to connect to."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        error_class = StepRetryable if error.errno == socket.EAI_AGAIN else StepFailed
        raise error_class(f"could not resolve host {host!r}: {error.strerror or error}") from None
    except (UnicodeError, OSError) as error:
        raise StepFailed(f"could not resolve host {host!r}: {error}") from None
    addresses = [_connect_address(_parse_ip(str(answer[4][0]).split("%", 1)[0])) for answer in answers]
    if not addresses or any(address is None for address in addresses):
        raise StepFailed(f"could not resolve host {host!r}")
    vetted: list[IPAddress] = [address for address in addresses if address is not None]
    for address in vetted:
        if is_forbidden_address(address, allowed):
            raise UnsafeTarget(
                f"refusing to contact {host!r}: it resolves to a private, loopback, link-local or "
                f"reserved address ({address}) that is not in the allowed networks"
            )
        if is_denied_endpoint(address, port, denied):
            shown = f"[{address}]" if address.version == 6 else str(address)
            raise UnsafeTarget(
                f"refused: {shown}:{port} is one of this stack's own endpoints (its AWS endpoint, API or "
                "WebSocket server), which http steps and webhooks may not call"
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


def is_denied_endpoint(address: IPAddress | str, port: int, denied: tuple[tuple[IPNetwork, int], ...]) -> bool:
    """True when address:port is one of the `denied` (network, port) endpoints."""
    ip = address if not isinstance(address, str) else ipaddress.ip_address(address)
    ip = _connect_address(ip) or ip
    return any(
        port == denied_port and ip.version == network.version and ip in network for network, denied_port in denied
    )


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
