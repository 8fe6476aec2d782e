"""JWT verification: our tokens, rotation, the existing InfraZen app's tokens, and every refusal."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest

from infrazen_agent.auth import Principal, mint_token, verify_token
from infrazen_agent.config import Settings
from infrazen_agent.errors import Forbidden, Unauthorized

SECRET = "unit-secret-0123456789abcdef-0123456789"


def _settings(**kw: Any) -> Settings:
    return Settings(_env_file=None, agent_service_jwt_secret=SECRET, **kw)  # type: ignore[call-arg]


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": "u1",
        "tenant_id": "t1",
        "roles": ["analyst"],
        "iat": now,
        "exp": now + 300,
        "aud": "infrazen-agent",
        "iss": "infrazen",
    }
    claims.update(overrides)
    return claims


def test_minted_token_round_trips() -> None:
    s = _settings()
    p = verify_token(s, mint_token(s, user="u1", tenant="t1", roles=["analyst"], demo=True))
    assert p == Principal(user_id="u1", tenant_id="t1", roles=("analyst",), demo=True)


def test_tenant_defaults_to_subject_and_role_to_viewer() -> None:
    s = _settings()
    token = jwt.encode(_claims(tenant_id=None, roles=None), SECRET, algorithm="HS256")
    p = verify_token(s, token)
    assert (p.tenant_id, p.roles) == ("u1", ("viewer",))


def test_previous_secret_is_accepted_during_rotation() -> None:
    old = "old-secret-0123456789abcdef-0123456789"
    s = _settings(agent_service_jwt_secret_previous=old)
    assert verify_token(s, jwt.encode(_claims(), old, algorithm="HS256")).tenant_id == "t1"


@pytest.mark.parametrize(
    ("make_token", "message"),
    [
        (lambda: jwt.encode(_claims(exp=int(time.time()) - 120), SECRET, algorithm="HS256"), "expired"),
        (
            lambda: jwt.encode(_claims(), "another-key-0123456789abcdef-0123456789", algorithm="HS256"),
            "signature",
        ),
        (lambda: jwt.encode(_claims(aud="someone-else"), SECRET, algorithm="HS256"), "audience"),
        (lambda: jwt.encode(_claims(iss="evil"), SECRET, algorithm="HS256"), "issuer"),
        (
            lambda: jwt.encode({k: v for k, v in _claims().items() if k != "exp"}, SECRET, algorithm="HS256"),
            "exp",
        ),
        (lambda: jwt.encode(_claims(), SECRET * 2, algorithm="HS512"), "algorithm"),
        (lambda: "not.a.jwt", "malformed"),
    ],
    ids=["expired", "other-key", "wrong-audience", "wrong-issuer", "no-exp", "hs512", "garbage"],
)
def test_refused_tokens(make_token: Callable[[], str], message: str) -> None:
    with pytest.raises(Unauthorized, match=message):
        verify_token(_settings(), make_token())


def _alg_none_token(claims: dict[str, Any]) -> str:
    def b64(obj: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


def test_alg_none_is_refused() -> None:
    with pytest.raises(Unauthorized, match="algorithm"):
        verify_token(_settings(), _alg_none_token(_claims()))


def test_small_clock_skew_is_tolerated() -> None:
    token = jwt.encode(_claims(exp=int(time.time()) - 5), SECRET, algorithm="HS256")
    assert verify_token(_settings(), token).user_id == "u1"


def test_legacy_infrazen_token_is_accepted_with_its_scope() -> None:
    now = int(time.time())
    legacy = {
        "user_id": 1001,
        "scenario": "recommendation",
        "recommendation_id": 42,
        "context": {"time_range_days": 30},
        "iat": now,
        "exp": now + 86400,
    }
    p = verify_token(_settings(), jwt.encode(legacy, SECRET, algorithm="HS256"))
    assert (p.user_id, p.tenant_id, p.roles, p.demo) == ("1001", "1001", ("analyst",), False)  # an InfraZen user
    assert p.scope == {
        "legacy": True,
        "scenario": "recommendation",
        "recommendation_id": "42",
        "context": {"time_range_days": 30},
    }
    assert p.is_chat_token and p.allows_recommendation(42) and not p.allows_recommendation(43)


def test_legacy_shape_still_needs_exp_and_signature() -> None:
    legacy = {"user_id": 7, "scenario": "analytics"}
    with pytest.raises(Unauthorized):
        verify_token(_settings(), jwt.encode(legacy, SECRET, algorithm="HS256"))
    legacy["exp"] = int(time.time()) + 60
    with pytest.raises(Unauthorized, match="signature"):
        verify_token(_settings(), jwt.encode(legacy, "wrong-key-0123456789abcdef-0123456789", algorithm="HS256"))


def test_unknown_roles_are_dropped_and_roles_are_ordered() -> None:
    token = jwt.encode(_claims(roles=["superuser", "analyst"]), SECRET, algorithm="HS256")
    p = verify_token(_settings(), token)
    assert p.roles == ("analyst",)
    assert p.has_role("viewer") and p.has_role("analyst") and not p.has_role("admin")
    with pytest.raises(Forbidden):
        p.require_role("admin")
    with pytest.raises(Forbidden, match="read-only"):
        Principal("d", "t", roles=("admin",), demo=True).require("upload")


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Basic abc",
        "Bearer ",
        "Bearer not.a.jwt",
        "Bearer {alg_none}",
        "Bearer {expired}",
        "Bearer {wrong_aud}",
        "Bearer {other_key}",
    ],
)
async def test_http_refusals_are_401_json(client: httpx.AsyncClient, settings: Settings, authorization: str) -> None:
    secret = settings.jwt_secrets[0]
    tokens = {
        "alg_none": _alg_none_token(_claims()),
        "expired": jwt.encode(_claims(exp=int(time.time()) - 600), secret, algorithm="HS256"),
        "wrong_aud": jwt.encode(_claims(aud="other"), secret, algorithm="HS256"),
        "other_key": jwt.encode(_claims(), "x" * 32, algorithm="HS256"),
    }
    headers = {"Authorization": authorization.format(**tokens)} if authorization else {}
    r = await client.get("/v1/upload/up_aaaaaaaaaaaaaaaaaaaaaaaa", headers=headers)
    assert r.status_code == 401
    body = r.json()
    assert body["error"]["code"] == "unauthorized"
    assert body["error"]["request_id"] == r.headers["x-request-id"]
    assert "Traceback" not in r.text


async def test_http_accepts_minted_token(client: httpx.AsyncClient, auth: Callable[..., dict[str, str]]) -> None:
    r = await client.get("/v1/upload/up_aaaaaaaaaaaaaaaaaaaaaaaa", headers=auth("u1", "t1"))
    assert r.status_code == 404  # authenticated; the id simply does not exist


def test_legacy_token_opens_only_the_chat_it_was_minted_for() -> None:
    now = int(time.time())

    def legacy(**claims: Any) -> Principal:
        token = jwt.encode({"user_id": 7, "iat": now, "exp": now + 60, **claims}, SECRET, algorithm="HS256")
        return verify_token(_settings(), token)

    rec42 = legacy(scenario="recommendation", recommendation_id=42)
    assert rec42.allows_chat("recommendation", 42) and rec42.allows_chat("recommendation", "42")
    assert not rec42.allows_chat("recommendation", 43) and not rec42.allows_chat("analytics", None)
    analytics = legacy(scenario="analytics", context={"time_range_days": 30})
    assert analytics.allows_chat("analytics", None) and not analytics.allows_chat("recommendation", 42)
    assert not legacy(recommendation_id=42).allows_chat("analytics", None)  # a claimed rec implies its chat
    ours = verify_token(_settings(), mint_token(_settings(), user="u", tenant="t"))
    assert ours.allows_chat("recommendation", 1) and ours.allows_chat("analytics", None)


ROLE_TABLE = {
    # action: (viewer, analyst, admin, demo admin)
    "read": (True, True, True, True),
    "chat": (True, True, True, True),
    "upload": (False, True, True, False),
    "report": (False, True, True, False),
    "action": (False, True, True, False),
    "approve": (False, False, True, False),
    "audit": (False, False, True, False),
}


@pytest.mark.parametrize("action", sorted(ROLE_TABLE))
def test_the_role_table(action: str) -> None:
    principals = [
        Principal("u", "t", roles=("viewer",)),
        Principal("u", "t", roles=("analyst",)),
        Principal("u", "t", roles=("admin",)),
        Principal("u", "t", roles=("admin",), demo=True),
    ]
    assert tuple(p.may(action) for p in principals) == ROLE_TABLE[action]
    for p, allowed in zip(principals, ROLE_TABLE[action], strict=True):
        if not allowed:
            with pytest.raises(Forbidden):
                p.require(action)


@pytest.mark.parametrize(
    ("role", "roles", "demo"),
    [
        ("user", ("analyst",), False),
        ("admin", ("admin",), False),
        ("super_admin", ("admin",), False),
        ("demouser", ("viewer",), True),
        ("something-else", ("viewer",), False),
    ],
)
def test_infrazen_roles_map_onto_ours(role: str, roles: tuple[str, ...], demo: bool) -> None:
    now = int(time.time())
    claims = {"user_id": 7, "scenario": "analytics", "role": role, "iat": now, "exp": now + 60}
    p = verify_token(_settings(), jwt.encode(claims, SECRET, algorithm="HS256"))
    assert (p.roles, p.demo) == (roles, demo)
