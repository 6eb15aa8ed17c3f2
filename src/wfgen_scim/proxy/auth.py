"""Entra's Secret Token: `Authorization: Bearer <token>`, checked before anything else."""

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware
from pydantic import SecretStr

from .errors import UnauthorizedError, error_response

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def bearer_auth(token: SecretStr, protected_prefixes: tuple[str, ...]) -> Middleware:
    expected = token.get_secret_value().encode()

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(protected_prefixes):
            scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
            # aiohttp hands over non-UTF-8 header bytes as lone surrogates: encode them back
            # as they came rather than fail (a 500, and a traceback quoting the header).
            try:
                offered = presented.strip().encode("utf-8", "surrogateescape")
            except UnicodeError:
                offered = b""
            # compare_digest: the time taken must not tell how much of a guess was right.
            if scheme.lower() != "bearer" or not hmac.compare_digest(offered, expected):
                response = error_response(UnauthorizedError())
                response.headers["WWW-Authenticate"] = 'Bearer realm="scim"'
                return response
        return await handler(request)

    return middleware
