"""Bearer tokens: who the caller is, for which tenant, with which permissions.

Claims: ``sub`` (user id), ``tid`` (tenant id), ``kind`` (``operator`` or
``requester``), ``permissions`` (list of strings), plus ``iss``, ``aud``, ``exp``.
Development signs with HS256 and a shared secret; production verifies RS256 with the
keys of a JWKS URL.
"""

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from desk_infra.problems import Problem
from desk_infra.settings import JwtSettings
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.vocabulary import ActorKind

TOKEN_KINDS = (ActorKind.OPERATOR, ActorKind.REQUESTER)
VERIFIED_CACHE_SIZE = 10_000
# Ids travel in internal paths and headers: printable, bounded, no slashes.
TENANT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    user_id: str
    kind: ActorKind
    permissions: frozenset[str]

    def has(self, permission: Permission) -> bool:
        return permission.value in self.permissions

    @property
    def is_requester(self) -> bool:
        return self.kind is ActorKind.REQUESTER


class TokenVerifier:
    """Checks signatures and claims; JWKS keys are fetched off the event loop."""

    def __init__(self, settings: JwtSettings) -> None:
        self._settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwks_url) if settings.jwks_url else None
        self._verified: dict[str, tuple[float, Principal]] = {}

    async def verify(self, token: str) -> Principal:
        """The caller a token names; a token verified before is not checked again
        until it expires (the signature of the same bytes cannot change)."""
        cached = self._verified.get(token)
        if cached is not None and cached[0] > time.time():
            return cached[1]
        principal, expires = await self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (expires, principal)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            if self._jwks is not None:
                key: Any = await asyncio.to_thread(
                    self._jwks.get_signing_key_from_jwt, token
                )
                claims = self._decode(token, key.key, "RS256")
            else:
                claims = self._decode(
                    token, self._settings.secret.get_secret_value(), "HS256"
                )
        except jwt.PyJWKClientConnectionError as exc:
            raise Problem(503, "the token signing keys cannot be fetched now") from exc
        except jwt.PyJWTError as exc:
            raise _unauthorized(f"the bearer token is not valid: {exc}") from exc
        return _principal(claims), float(claims["exp"])

    def _decode(self, token: str, key: Any, algorithm: str) -> dict[str, Any]:
        return jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=self._settings.audience,
            issuer=self._settings.issuer,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )


def _principal(claims: dict[str, Any]) -> Principal:
    tenant, kind, permissions = (
        claims.get("tid"),
        claims.get("kind"),
        claims.get("permissions", []),
    )
    if not isinstance(tenant, str) or not TENANT_ID.fullmatch(tenant):
        raise _unauthorized("the token names no valid tenant (claim tid)")
    if not USER_ID.fullmatch(str(claims["sub"])):
        raise _unauthorized("the token's subject is not a valid user id")
    if kind not in TOKEN_KINDS:
        raise _unauthorized("the token's kind must be operator or requester")
    if not isinstance(permissions, list) or not all(
        isinstance(p, str) for p in permissions
    ):
        raise _unauthorized("the token's permissions must be a list of strings")
    return Principal(
        tenant, str(claims["sub"]), ActorKind(kind), frozenset(permissions)
    )


def _unauthorized(detail: str) -> Problem:
    return Problem(
        401,
        detail,
        type_="unauthorized",
        headers={"WWW-Authenticate": 'Bearer realm="supportdesk"'},
    )


def mint_token(
    settings: JwtSettings,
    *,
    tenant_id: str,
    user_id: str,
    kind: ActorKind,
    permissions: list[str],
    ttl_seconds: int = 12 * 3600,
) -> str:
    """A development token signed with the HS256 secret."""
    now = int(time.time())
    claims = {
        "sub": user_id,
        "tid": tenant_id,
        "kind": kind.value,
        "permissions": sorted(set(permissions)),
        "iss": settings.issuer,
        "aud": settings.audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, settings.secret.get_secret_value(), algorithm="HS256")


_bearer = HTTPBearer(auto_error=False, description="A portal token (JWT).")


async def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("this API needs a bearer token")
    verifier: TokenVerifier = request.app.state.verifier
    return await verifier.verify(credentials.credentials)
