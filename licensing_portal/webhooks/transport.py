"""One POST to a checked address (API-4). http.client never follows a redirect: a 3xx is a failed attempt. The
connection goes to the address `addresses.checked_target` approved, with the URL's host name kept for the Host
header, SNI and certificate verification."""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass

from django.conf import settings

from licensing_portal.webhooks.addresses import Target


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, address: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, address: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _tls_context() -> ssl.SSLContext:
    """Certificates verified against the system's CAs, or WEBHOOKS_CA_FILE (tests, a private PKI)."""
    return ssl.create_default_context(cafile=settings.WEBHOOKS_CA_FILE or None)


@dataclass(frozen=True)
class Response:
    status: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def redirect(self) -> bool:
        return 300 <= self.status < 400


def post(target: Target, *, body: bytes, headers: dict[str, str], timeout: float) -> Response:
    """Raises OSError (refused, reset, timed out, TLS) like any socket code."""
    host = f"[{target.host}]" if ":" in target.host else target.host
    if target.scheme == "https":
        conn: http.client.HTTPConnection = _PinnedHTTPSConnection(
            host, target.port, timeout=timeout, address=target.address, context=_tls_context()
        )
    else:
        conn = _PinnedHTTPConnection(host, target.port, timeout=timeout, address=target.address)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        response = conn.getresponse()
        response.read(4096)  # a receiver's answer is not ours to keep; read a little so the server is not cut off
        return Response(status=response.status)
    except http.client.HTTPException as exc:
        raise OSError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()
