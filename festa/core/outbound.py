"""Requests Festa sends to addresses that users chose (webhooks): never to the inside.

A receiver URL could name this machine, the organisation's private network or the cloud's
metadata service (169.254.169.254), directly, in disguise (`http://0x7f000001/`,
`http://[::ffff:127.0.0.1]/`) or through a DNS name. So:

- `check_url` refuses anything but https (http only where the caller allows it), URLs with
  credentials, and hosts whose addresses are not all public;
- `post` resolves the host once, checks every address, and connects to the checked one
  (the Host header and TLS certificate still name the host): a DNS answer that changes
  between the check and the connection cannot redirect it. Redirects are never followed.

Failures carry a stable, generic `code`: the reason never echoes what the network said, so
the delivery log cannot be used to map the inside (which ports are open, which names exist).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import idna

# 64:ff9b::/96 translates IPv4 addresses (NAT64): the embedded address is the real target.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeTarget(ValueError):
    """A URL or an address that Festa will not send to. `code` is stable and generic."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # ASCII (IDNA) host name or IP address, without brackets
    port: int
    path: str  # path and query, at least "/"


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    embedded = [ip.ipv4_mapped, ip.sixtofour]
    if ip.teredo:
        embedded.extend(ip.teredo)
    if ip in _NAT64:
        embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in embedded if address is not None]


def is_public_address(address: str) -> bool:
    """Whether an IP address is a public unicast one (not loopback, private, link-local,
    multicast, reserved, unspecified or shared), looking inside IPv6 forms that carry an
    IPv4 address (mapped, 6to4, Teredo, NAT64)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if (not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_loopback
            or ip.is_link_local or ip.is_unspecified or ip.is_private):
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        return all(is_public_address(str(inner)) for inner in _embedded_ipv4(ip))
    return True


def parse_url(url: str, *, allow_http: bool) -> Target:
    """Split a receiver URL and check its form (no network access)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise UnsafeTarget("bad_url", "This is not a valid address.") from error
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeTarget("https_required", "Use an https:// address.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("bad_url", "Leave user names and passwords out of the address.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeTarget("bad_url", "The address has no host name.")
    try:
        ascii_host = host if host.isascii() else idna.encode(host, uts46=True).decode()
    except idna.IDNAError as error:
        raise UnsafeTarget("bad_url", "The host name is not valid.") from error
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    default = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, ascii_host.lower(), port or default, path)


def resolve(host: str, port: int) -> list[str]:
    """Every address the host name stands for (tests replace this)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def checked_address(target: Target, *, allow_private: bool) -> str:
    """Resolve the host once; the address to connect to, if every address is allowed."""
    try:
        addresses = resolve(target.host, target.port)
    except (OSError, UnicodeError) as error:
        raise UnsafeTarget("unresolvable", "The host name could not be found.") from error
    if not addresses:
        raise UnsafeTarget("unresolvable", "The host name could not be found.")
    if not allow_private and not all(is_public_address(a) for a in addresses):
        raise UnsafeTarget("address_not_allowed",
                           "Internal, private and reserved network addresses are not allowed.")
    return addresses[0]


def check_url(url: str, *, allow_http: bool, allow_private: bool) -> Target:
    """Refuse a receiver URL that is not https (unless allowed), or whose host is or
    resolves to a non-public address (unless allowed)."""
    target = parse_url(url, allow_http=allow_http)
    checked_address(target, allow_private=allow_private)
    return target


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address resolved and checked beforehand, not to a fresh lookup."""

    def __init__(self, target: Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address; the certificate must still be valid for the host name."""

    def __init__(self, target: Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout,
                         context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float,
         allow_http: bool, allow_private: bool) -> int:
    """POST `body` to `url` once, and return the status code (redirects are not followed:
    a 3xx is returned like any other answer). Raises UnsafeTarget when the URL or its
    address is not allowed, and OSError (generic) when the connection fails."""
    target = parse_url(url, allow_http=allow_http)
    address = checked_address(target, allow_private=allow_private)
    pinned = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = pinned(target, address, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)  # the answer is not used; bounded so a receiver cannot stall us
        return response.status
    except (OSError, http.client.HTTPException) as error:
        raise OSError("connection failed") from error
    finally:
        connection.close()
