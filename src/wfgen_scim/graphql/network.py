"""Why a connection to WorkflowGen (or its identity provider) failed, in words.

"ClientConnectorError" tells an administrator nothing; "connection refused", "name not
found (DNS)", "TLS certificate not trusted" or "timed out" tells them where to look.
"""

import socket
import ssl

import aiohttp


def why(exc: BaseException | None) -> str:
    """A short cause for a failed HTTP exchange, from the exception or its causes."""
    seen = 0
    while exc is not None and seen < 5:
        seen += 1
        if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
            return "timed out"
        if isinstance(exc, aiohttp.ClientConnectorCertificateError | ssl.SSLCertVerificationError):
            return "TLS certificate not trusted"
        if isinstance(exc, aiohttp.ClientSSLError | ssl.SSLError):
            return "TLS handshake failed"
        if isinstance(exc, socket.gaierror) or type(exc).__name__ == "ClientConnectorDNSError":
            return "host name not found (DNS)"
        if isinstance(exc, ConnectionRefusedError):
            return "connection refused"
        if isinstance(exc, aiohttp.ServerDisconnectedError | ConnectionResetError):
            return "connection closed before an answer"
        if isinstance(exc, aiohttp.ClientConnectorError):
            inner = exc.os_error
            if isinstance(inner, ConnectionRefusedError):
                return "connection refused"
            if isinstance(inner, socket.gaierror):
                return "host name not found (DNS)"
            return f"cannot connect ({inner.strerror or type(inner).__name__})"
        exc = exc.__cause__ or exc.__context__
    return "connection failed"
