"""GigaChat's auth against its fake: the access token is fetched with the authorization key, a
uuid4 RqUID and the scope, kept while valid, fetched again a minute before it expires and after a
401; wrong credentials fail without retries; a CA bundle (GIGACHAT_CA_BUNDLE) is trusted over
real TLS; neither key nor token reaches a log line."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from infrazen_agent.llm import CallMeta, LLMUnavailable
from infrazen_agent.llm.providers.gigachat import GigaChatClient, authorization_key
from tests.support.fake_gigachat import FakeGigaChat
from tests.support.llm_server import Reply
from tests.support.servers import LiveServer

from .conftest import GatewayFor, ProviderCase, case_for

META = CallMeta(tenant_id="t1", user_id="u1", scenario="chat_analytics")
HELLO = [{"role": "user", "content": "hello"}]


@pytest.fixture
def gigachat(request: pytest.FixtureRequest) -> Iterator[ProviderCase]:
    case = case_for("gigachat", request)
    yield case
    case.server.reset()


def _client(gateway: object) -> GigaChatClient:
    client = gateway._clients["gigachat"]  # type: ignore[attr-defined]
    assert isinstance(client, GigaChatClient)
    return client


async def test_the_token_is_fetched_once_and_reused_while_valid(
    gigachat: ProviderCase, gateway_for: GatewayFor
) -> None:
    gateway = await gateway_for(gigachat, gigachat_scope="GIGACHAT_API_CORP")
    for _ in range(3):
        await gateway.complete(HELLO, meta=META)
    fake: FakeGigaChat = gigachat.server
    assert len(fake.token_requests) == 1 and len(fake.requests) == 3
    sent = fake.token_requests[0]
    assert sent["scope"] == "GIGACHAT_API_CORP" and uuid.UUID(sent["rquid"]).version == 4


async def test_a_token_near_its_expiry_is_refreshed_before_use(gigachat: ProviderCase, gateway_for: GatewayFor) -> None:
    gateway = await gateway_for(gigachat)
    fake: FakeGigaChat = gigachat.server
    fake.token_ttl_s = 30  # inside the one-minute margin: every call needs a fresh one
    await gateway.complete(HELLO, meta=META)
    await gateway.complete(HELLO, meta=META)
    assert len(fake.token_requests) == 2 and _client(gateway).tokens_fetched == 2


async def test_a_revoked_token_gets_a_new_one_and_the_request_is_repeated_once(
    gigachat: ProviderCase, gateway_for: GatewayFor
) -> None:
    gateway = await gateway_for(gigachat, llm_max_retries=0)
    fake: FakeGigaChat = gigachat.server
    await gateway.complete(HELLO, meta=META)
    fake.tokens.clear()  # the server forgets every token (revoked, or its clock ran ahead)
    fake.script(Reply(text="still here"))
    done = await gateway.complete(HELLO, meta=META)
    assert done.content == "still here" and not done.fallback_used
    assert len(fake.token_requests) == 2


async def test_wrong_credentials_fail_without_retries_and_never_reach_the_logs(
    gigachat: ProviderCase, gateway_for: GatewayFor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gateway = await gateway_for(gigachat, gigachat_credentials="d3Jvbmc6a2V5", llm_max_retries=2)
    with pytest.raises(LLMUnavailable, match="http_401"):
        await gateway.complete(HELLO, meta=META)
    fake: FakeGigaChat = gigachat.server
    assert len(fake.token_requests) == 2 and fake.requests == []  # each model once; no retry on 401
    assert "d3Jvbmc6a2V5" not in caplog.text and "d3Jvbmc6a2V5" not in repr(gateway.settings)
    assert "d3Jvbmc6a2V5" not in repr(_client(gateway)) and "d3Jvbmc6a2V5" not in str(gateway.describe())


def test_the_authorization_key_is_built_from_the_client_id_and_secret() -> None:
    assert authorization_key("", "giga-id", "giga-secret") == "Z2lnYS1pZDpnaWdhLXNlY3JldA=="
    assert authorization_key("given", "x", "y") == "given"


def _certificates(tmp: Path) -> tuple[Path, Path, Path]:
    """A CA (the stand-in for the Russian Trusted Root CA) and a localhost certificate it signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Trusted Root CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    import ipaddress

    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = tmp / "ca.pem", tmp / "server.pem", tmp / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


async def test_the_ca_bundle_is_trusted_over_tls(
    gigachat: ProviderCase, gateway_for: GatewayFor, tmp_path: Path
) -> None:
    ca, cert, key = _certificates(tmp_path)
    fake = FakeGigaChat()
    server = LiveServer(fake.app, access_log=False, ssl_certfile=str(cert), ssl_keyfile=str(key)).start()
    try:
        base = f"https://127.0.0.1:{server.port}"
        urls = {
            "gigachat_api_base": f"{base}/api/v1",
            "gigachat_auth_url": f"{base}/api/v2/oauth",
            "llm_max_retries": 0,
        }
        trusted = await gateway_for(gigachat, gigachat_ca_bundle=str(ca), **urls)
        assert (await trusted.complete(HELLO, meta=META)).content == "ok"
        untrusted = await gateway_for(gigachat, **urls)  # the system store alone does not know the CA
        with pytest.raises(LLMUnavailable) as info:
            await untrusted.complete(HELLO, meta=META)
        assert "certificate" in str(info.value).lower() or "ssl" in str(info.value).lower()
        assert len(fake.token_requests) == 1  # the untrusted client never got past the handshake
        for gateway in (trusted, untrusted):
            await _client(gateway).aclose()  # free the connections before the server stops
    finally:
        server.stop()
