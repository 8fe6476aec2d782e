"""Service JWT verification (HS256 only, key rotation) and the `Principal` every route receives.

Two token shapes are accepted:
- ours: `sub`, `tenant_id` (defaults to `sub`), `roles`, `demo`, `exp`, `iat`, `aud`, `iss`;
- the existing InfraZen app's: `user_id`, `scenario`, `recommendation_id`, `context`, `exp`,
  `iat`, and no `aud`/`iss`. In InfraZen a tenant is a user, so the tenant is the user id.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import jwt

from .config import Settings
from .errors import Forbidden, Unauthorized

ROLES = ("viewer", "analyst", "admin")
ALGORITHM = "HS256"

# What each role may do, and whether the read-only demo user may (docs/api.md, "Roles"). The one
# table: routes and tools ask `Principal.require(action)`.
PERMISSIONS: dict[str, tuple[str, bool]] = {
    "read": ("viewer", True),  # data, tools, recommendation texts
    "chat": ("viewer", True),
    "upload": ("analyst", False),  # images, also claiming one sent without a token
    "report": ("analyst", False),
    "action": ("analyst", False),  # proposing and running an action tool
    "approve": ("admin", False),  # approving an action, budgets
    "audit": ("admin", False),
    "import": ("admin", False),  # importing a billing export (FOCUS) into the tenant's data
}
# InfraZen's `users.role` when the app puts it in a chat token; none means an ordinary user.
INFRAZEN_ROLES: dict[str, tuple[tuple[str, ...], bool]] = {
    "user": (("analyst",), False),
    "admin": (("admin",), False),
    "super_admin": (("admin",), False),
    "demouser": (("viewer",), True),
}


@dataclass(frozen=True)
class Principal:
    user_id: str
    tenant_id: str
    roles: tuple[str, ...] = ("viewer",)
    demo: bool = False
    # Scope a legacy InfraZen token was minted for (scenario, recommendation_id, context).
    scope: dict[str, Any] = field(default_factory=dict)
    # The token's `exp` (epoch seconds): long-lived connections end when their token does.
    expires_at: float | None = field(default=None, compare=False)

    def has_role(self, role: str) -> bool:
        """Roles are ordered: admin ⊇ analyst ⊇ viewer."""
        if role not in ROLES:
            return False
        return any(ROLES.index(r) >= ROLES.index(role) for r in self.roles if r in ROLES)

    def require_role(self, role: str) -> None:
        if not self.has_role(role):
            raise Forbidden(f"this needs the {role} role")

    @property
    def scenario(self) -> str | None:
        """The chat a legacy InfraZen token was minted for; None for our own tokens (no scope)."""
        return self.scope.get("scenario")

    @property
    def is_chat_token(self) -> bool:
        """A legacy InfraZen token: it reaches its own chat and nothing else."""
        return bool(self.scope.get("legacy"))

    def require_service_token(self, what: str) -> None:
        if self.is_chat_token:
            raise Forbidden(f"{what} needs a service token; a chat token opens its chat only")

    def allows_chat(self, scope: str, recommendation_id: object | None) -> bool:
        """A legacy InfraZen token opens only the chat it was minted for (scenario, recommendation)."""
        if self.scenario is None:
            return True
        return self.scenario == scope and (scope != "recommendation" or self.allows_recommendation(recommendation_id))

    def allows_recommendation(self, recommendation_id: object) -> bool:
        """A token minted for one recommendation's chat reads no other recommendation by id (its
        chat's tools, its text). Analytics chats read the tenant's recommendations: they list them."""
        return self.scenario != "recommendation" or self.scope.get("recommendation_id") == str(recommendation_id)

    def may(self, action: str) -> bool:
        role, demo_allowed = PERMISSIONS[action]
        return (demo_allowed or not self.demo) and self.has_role(role)

    def require(self, action: str) -> None:
        """Refuses what the principal's roles (or the demo flag) do not allow, saying which."""
        role, demo_allowed = PERMISSIONS[action]
        if self.demo and not demo_allowed:
            raise Forbidden(f"the demo user is read-only: no {action}")
        self.require_role(role)


def mint_token(
    settings: Settings,
    *,
    user: str,
    tenant: str | None = None,
    roles: list[str] | None = None,
    demo: bool = False,
    ttl_s: int = 3600,
    extra: dict[str, Any] | None = None,
) -> str:
    secrets = settings.jwt_secrets
    if not secrets:
        raise Unauthorized("no signing secret is configured (AGENT_SERVICE_JWT_SECRET)")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": user,
        "tenant_id": tenant or user,
        "roles": roles or ["viewer"],
        "demo": demo,
        "iat": now,
        "exp": now + ttl_s,
        "aud": settings.agent_jwt_audience,
        "iss": settings.agent_jwt_issuer,
    }
    claims.update(extra or {})
    return jwt.encode(claims, secrets[0], algorithm=ALGORITHM)


def _decode(settings: Settings, token: str) -> dict[str, Any]:
    secrets = settings.jwt_secrets
    if not secrets:
        raise Unauthorized("token verification is not configured")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Unauthorized("malformed token") from None
    if header.get("alg") != ALGORITHM:
        raise Unauthorized("token algorithm not accepted")
    last: jwt.PyJWTError | None = None
    for key in secrets:
        try:
            # aud/iss are checked below so that legacy tokens (which carry neither) can pass.
            return jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                leeway=settings.agent_jwt_leeway_s,
                options={"require": ["exp"], "verify_aud": False, "verify_iss": False},
            )
        except jwt.InvalidSignatureError as exc:
            last = exc
            continue
        except jwt.ExpiredSignatureError:
            raise Unauthorized("token expired") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from None
    raise Unauthorized("token signature not valid") from last


def _is_legacy(claims: dict[str, Any]) -> bool:
    return "user_id" in claims and "aud" not in claims and "iss" not in claims


def verify_token(settings: Settings, token: str) -> Principal:
    if not token:
        raise Unauthorized("missing token")
    claims = _decode(settings, token)
    if _is_legacy(claims):
        user = str(claims["user_id"]).strip()
        if not user or user == "None":
            raise Unauthorized("token has no user")
        # In InfraZen a tenant is a user: a `tenant_id` claim on such a token is ignored.
        roles, demo = INFRAZEN_ROLES.get(str(claims.get("role") or "user"), (("viewer",), False))
        return Principal(
            user_id=user,
            tenant_id=user,
            roles=roles,
            demo=demo or bool(claims.get("demo")),
            scope=_legacy_scope(claims),
            expires_at=_expiry(claims),
        )
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if settings.agent_jwt_audience not in auds:
        raise Unauthorized("token audience not accepted")
    if claims.get("iss") != settings.agent_jwt_issuer:
        raise Unauthorized("token issuer not accepted")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise Unauthorized("token has no subject")
    tenant = claims.get("tenant_id") or sub
    raw_roles = claims.get("roles") or ["viewer"]
    if isinstance(raw_roles, str):
        raw_roles = [raw_roles]
    roles = tuple(r for r in raw_roles if r in ROLES) or ("viewer",)
    return Principal(
        user_id=sub, tenant_id=str(tenant), roles=roles, demo=bool(claims.get("demo")), expires_at=_expiry(claims)
    )


def _legacy_scope(claims: dict[str, Any]) -> dict[str, Any]:
    """A legacy token is minted for one chat: a scope that names none, or names it badly, is
    refused (an unreadable scope must not read as "no scope, everything")."""
    rec = claims.get("recommendation_id")
    scenario = claims.get("scenario") or ("recommendation" if rec is not None else None)
    if scenario == "recommendation":
        if not (
            (isinstance(rec, int) and not isinstance(rec, bool) and rec > 0) or (isinstance(rec, str) and rec.isdigit())
        ):
            raise Unauthorized("the token names no valid recommendation_id")
    elif scenario != "analytics":
        raise Unauthorized("the token names no chat (scenario recommendation or analytics)")
    scope: dict[str, Any] = {"legacy": True, "scenario": scenario, "context": claims.get("context") or {}}
    if scenario == "recommendation":
        scope["recommendation_id"] = str(rec)
    return scope


def _expiry(claims: dict[str, Any]) -> float | None:
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, int | float) else None


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("missing Authorization: Bearer <token>")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization must be 'Bearer <token>'")
    return token.strip()
