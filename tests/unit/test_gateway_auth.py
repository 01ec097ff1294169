"""Bearer tokens: HS256 with a shared secret, and RS256 with keys from a JWKS URL.

The JWKS is served from 127.0.0.1 by a thread of this process.
"""

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from desk_gateway.auth import Principal, TokenVerifier, mint_token
from desk_infra.problems import PROBLEM_BASE, Problem
from desk_infra.settings import JwtSettings
from helpdesk_contracts.vocabulary import ActorKind
from jwt.algorithms import RSAAlgorithm
from pydantic import SecretStr

SECRET = "unit-test-secret-of-a-decent-length-0123456789"
OTHER_SECRET = "another-secret-also-of-a-decent-length-9876543210"
KID = "desk-key-1"


def hs256_settings(
    *, secret: str = SECRET, audience: str = "supportdesk", issuer: str = "supportdesk"
) -> JwtSettings:
    return JwtSettings(
        secret=SecretStr(secret),
        jwks_url=None,
        issuer=issuer,
        audience=audience,
        DESK_ENVIRONMENT="test",
    )


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid claims for ``hs256_settings()``; an override of ``None`` drops a claim."""
    now = int(time.time())
    values: dict[str, Any] = {
        "sub": "ann",
        "tid": "acme",
        "kind": "operator",
        "permissions": ["support:request:update:all"],
        "iss": "supportdesk",
        "aud": "supportdesk",
        "iat": now,
        "exp": now + 600,
        **overrides,
    }
    return {k: v for k, v in values.items() if v is not None}


def hs256(payload: dict[str, Any], secret: str = SECRET, **headers: Any) -> str:
    return jwt.encode(payload, secret, algorithm="HS256", headers=headers or None)


async def refused(verifier: TokenVerifier, token: str) -> Problem:
    with pytest.raises(Problem) as caught:
        await verifier.verify(token)
    return caught.value


def assert_unauthorized(problem: Problem) -> None:
    assert problem.status == 401
    assert problem.type == PROBLEM_BASE + "unauthorized"
    assert problem.headers == {"WWW-Authenticate": 'Bearer realm="supportdesk"'}


# --- HS256 -----------------------------------------------------------------------


async def test_a_minted_token_verifies_to_its_principal() -> None:
    settings = hs256_settings()
    token = mint_token(
        settings,
        tenant_id="acme",
        user_id="ann",
        kind=ActorKind.OPERATOR,
        permissions=["support:request:update:all", "support:internal"],
    )

    who = await TokenVerifier(settings).verify(token)

    assert who == Principal(
        tenant_id="acme",
        user_id="ann",
        kind=ActorKind.OPERATOR,
        permissions=frozenset({"support:request:update:all", "support:internal"}),
    )
    assert not who.is_requester


async def test_a_requester_token_verifies_as_a_requester() -> None:
    settings = hs256_settings()
    token = mint_token(
        settings,
        tenant_id="acme",
        user_id="rita",
        kind=ActorKind.REQUESTER,
        permissions=[],
    )

    who = await TokenVerifier(settings).verify(token)

    assert who.is_requester
    assert who.permissions == frozenset()


async def test_minted_permissions_are_deduplicated() -> None:
    settings = hs256_settings()
    token = mint_token(
        settings,
        tenant_id="acme",
        user_id="ann",
        kind=ActorKind.OPERATOR,
        permissions=["b", "a", "b"],
    )

    payload = jwt.decode(token, SECRET, algorithms=["HS256"], audience="supportdesk")

    assert payload["permissions"] == ["a", "b"]
    assert payload["exp"] - payload["iat"] == 12 * 3600


async def test_an_expired_token_is_401() -> None:
    settings = hs256_settings()
    token = mint_token(
        settings,
        tenant_id="acme",
        user_id="ann",
        kind=ActorKind.OPERATOR,
        permissions=[],
        ttl_seconds=-60,
    )

    problem = await refused(TokenVerifier(settings), token)

    assert_unauthorized(problem)
    assert "expired" in problem.detail.lower()


async def test_a_token_for_another_audience_is_401() -> None:
    token = mint_token(
        hs256_settings(audience="billing"),
        tenant_id="acme",
        user_id="ann",
        kind=ActorKind.OPERATOR,
        permissions=[],
    )

    problem = await refused(TokenVerifier(hs256_settings()), token)

    assert_unauthorized(problem)
    assert "audience" in problem.detail.lower()


async def test_a_token_from_another_issuer_is_401() -> None:
    token = hs256(claims(iss="someone-else"))

    problem = await refused(TokenVerifier(hs256_settings()), token)

    assert_unauthorized(problem)


async def test_a_token_signed_with_another_secret_is_401() -> None:
    token = hs256(claims(), secret=OTHER_SECRET)

    problem = await refused(TokenVerifier(hs256_settings()), token)

    assert_unauthorized(problem)
    assert "signature" in problem.detail.lower()


@pytest.mark.parametrize("claim", ["exp", "sub", "iss", "aud"])
async def test_a_token_without_a_required_claim_is_401(claim: str) -> None:
    token = hs256(claims(**{claim: None}))

    problem = await refused(TokenVerifier(hs256_settings()), token)

    assert_unauthorized(problem)


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"tid": None}, "tid"),
        ({"tid": ""}, "tid"),
        ({"tid": 42}, "tid"),
        ({"kind": "system"}, "kind"),
        ({"kind": "admin"}, "kind"),
        ({"kind": None}, "kind"),
        ({"permissions": "support:request:update:all"}, "permissions"),
        ({"permissions": {"support:internal": True}}, "permissions"),
        ({"permissions": ["support:internal", 7]}, "permissions"),
    ],
    ids=[
        "no tid",
        "empty tid",
        "numeric tid",
        "kind system",
        "unknown kind",
        "no kind",
        "permissions a string",
        "permissions an object",
        "permissions not all strings",
    ],
)
async def test_a_signed_token_with_bad_desk_claims_is_401(
    overrides: dict[str, Any], complaint: str
) -> None:
    token = hs256(claims(**overrides))

    problem = await refused(TokenVerifier(hs256_settings()), token)

    assert_unauthorized(problem)
    assert complaint in problem.detail


async def test_a_minted_system_token_is_refused() -> None:
    settings = hs256_settings()
    token = mint_token(
        settings,
        tenant_id="acme",
        user_id="desk",
        kind=ActorKind.SYSTEM,
        permissions=[],
    )

    problem = await refused(TokenVerifier(settings), token)

    assert_unauthorized(problem)


async def test_absent_permissions_mean_none() -> None:
    token = hs256(claims(permissions=None))

    who = await TokenVerifier(hs256_settings()).verify(token)

    assert who.permissions == frozenset()


@pytest.mark.parametrize("token", ["", "not.a.jwt", "a.b"])
async def test_something_that_is_no_jwt_is_401(token: str) -> None:
    problem = await refused(TokenVerifier(hs256_settings()), token)

    assert_unauthorized(problem)


async def test_an_unsigned_token_is_401() -> None:
    token = jwt.encode(claims(), "", algorithm="none")

    problem = await refused(TokenVerifier(hs256_settings()), token)

    assert_unauthorized(problem)


# --- RS256 through a JWKS ----------------------------------------------------------


@dataclass
class Jwks:
    url: str
    key: rsa.RSAPrivateKey
    requests: list[str]


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks() -> Iterator[Jwks]:
    key = new_key()
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    document = json.dumps(
        {"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}
    ).encode()
    requests: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            if self.path != "/.well-known/jwks.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test output is not the place for access logs."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield Jwks(f"http://{host!s}:{port}/.well-known/jwks.json", key, requests)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def jwks_settings(url: str) -> JwtSettings:
    return JwtSettings(
        secret=SecretStr(SECRET),
        jwks_url=url,
        issuer="supportdesk",
        audience="supportdesk",
        DESK_ENVIRONMENT="production",
    )


def rs256(payload: dict[str, Any], key: rsa.RSAPrivateKey, kid: str = KID) -> str:
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


async def test_an_rs256_token_verifies_against_the_jwks(jwks: Jwks) -> None:
    verifier = TokenVerifier(jwks_settings(jwks.url))
    token = rs256(claims(sub="olivia", tid="acme", kind="operator"), jwks.key)
    asked = len(jwks.requests)

    who = await verifier.verify(token)

    assert who == Principal(
        "acme", "olivia", ActorKind.OPERATOR, frozenset({"support:request:update:all"})
    )
    assert len(jwks.requests) > asked, "the keys came from the JWKS URL"


@pytest.mark.parametrize("kid", [None, KID], ids=["no kid", "the jwks kid"])
async def test_an_hs256_token_is_refused_once_a_jwks_is_configured(
    jwks: Jwks, kid: str | None
) -> None:
    verifier = TokenVerifier(jwks_settings(jwks.url))
    token = hs256(claims(), **({"kid": kid} if kid else {}))

    problem = await refused(verifier, token)

    assert_unauthorized(problem)


async def test_an_rs256_token_signed_by_a_stranger_is_refused(jwks: Jwks) -> None:
    verifier = TokenVerifier(jwks_settings(jwks.url))
    token = rs256(claims(), new_key())

    problem = await refused(verifier, token)

    assert_unauthorized(problem)


async def test_an_rs256_token_naming_an_unknown_key_is_refused(jwks: Jwks) -> None:
    verifier = TokenVerifier(jwks_settings(jwks.url))
    token = rs256(claims(), jwks.key, kid="retired-key")

    problem = await refused(verifier, token)

    assert_unauthorized(problem)


async def test_rs256_tokens_still_carry_the_desk_claims(jwks: Jwks) -> None:
    verifier = TokenVerifier(jwks_settings(jwks.url))
    token = rs256(claims(kind="system"), jwks.key)

    problem = await refused(verifier, token)

    assert_unauthorized(problem)


async def test_an_rs256_token_is_refused_without_a_jwks(jwks: Jwks) -> None:
    verifier = TokenVerifier(hs256_settings())
    token = rs256(claims(), jwks.key)

    problem = await refused(verifier, token)

    assert_unauthorized(problem)


async def test_a_token_verified_before_is_refused_once_it_expires() -> None:
    verifier = TokenVerifier(hs256_settings())
    token = hs256(claims(exp=int(time.time()) + 2))
    first = await verifier.verify(token)
    again = await verifier.verify(token)

    await asyncio.sleep(2.1)

    assert again == first
    assert_unauthorized(await refused(verifier, token))


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("tid", "../admin"),
        ("tid", "a/b"),
        ("tid", "x" * 65),
        ("sub", "ann\nsmith"),
        ("sub", ""),
    ],
)
async def test_ids_that_cannot_travel_safely_are_refused(
    claim: str, value: str
) -> None:
    verifier = TokenVerifier(hs256_settings())

    problem = await refused(verifier, hs256(claims(**{claim: value})))

    assert_unauthorized(problem)
