"""OAuth 2.0 through Authlib: PKCE S256, encoded client authentication, rotation, errors."""

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from portal.nmbrs.rest.oauth import (
    REQUIRED_SCOPES,
    InvalidClient,
    InvalidGrant,
    NmbrsOAuth,
    TokenSet,
    new_code_verifier,
)

IDENTITY = "https://identityservice.nmbrs.com"
TOKEN_URL = f"{IDENTITY}/connect/token"


@pytest.fixture
def oauth():
    return NmbrsOAuth("PartnerApp_Payroll*Link", "s3cr$t*/=", IDENTITY)


@pytest.fixture
def identity():
    with responses.RequestsMock() as mock:
        yield mock


def _form(call) -> dict:
    return {k: v[0] for k, v in parse_qs(call.request.body).items()}


def test_authorization_url_carries_state_scopes_and_s256_challenge(oauth):
    verifier = new_code_verifier()

    url = oauth.authorization_url("https://portal.example/nmbrs/callback", "state-1", verifier)

    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert url.startswith(f"{IDENTITY}/connect/authorize?")
    assert query["code_challenge"] == expected.decode() and query["code_challenge_method"] == "S256"
    assert query["state"] == "state-1" and query["response_type"] == "code"
    assert set(REQUIRED_SCOPES) <= set(query["scope"].split()) and "openid" not in query["scope"]
    assert 43 <= len(verifier) <= 128


def test_code_exchange_sends_verifier_and_percent_encoded_basic_auth(oauth, identity):
    identity.post(TOKEN_URL, json={"access_token": "a1", "refresh_token": "r1",
                                   "expires_in": 3600, "token_type": "Bearer",
                                   "scope": "offline_access company.info.read"})

    tokens = oauth.exchange_code("code-1", "https://portal.example/cb", "v" * 50)

    form = _form(identity.calls[0])
    assert form["grant_type"] == "authorization_code" and form["code_verifier"] == "v" * 50
    assert form["code"] == "code-1" and "client_secret" not in form
    basic = identity.calls[0].request.headers["Authorization"].split()[1]
    assert base64.b64decode(basic).decode() == "PartnerApp_Payroll%2ALink:s3cr%24t%2A%2F%3D"
    assert (tokens.access_token, tokens.refresh_token) == ("a1", "r1")
    assert "company.payrollsettings.read" in tokens.missing_scopes


def test_refresh_returns_the_rotated_refresh_token(oauth, identity):
    identity.post(TOKEN_URL, json={"access_token": "a2", "refresh_token": "r2",
                                   "expires_in": 3600, "token_type": "Bearer"})

    tokens = oauth.refresh("r1")

    form = _form(identity.calls[0])
    assert form == {"grant_type": "refresh_token", "refresh_token": "r1"}
    assert tokens.refresh_token == "r2" and tokens.scopes  # no scope in answer: as requested


def test_invalid_grant_is_a_consent_problem(oauth, identity):
    identity.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})

    with pytest.raises(InvalidGrant, match="Reconnect"):
        oauth.refresh("used-token")


def test_invalid_client_points_to_the_api_application(oauth, identity):
    identity.post(TOKEN_URL, status=401, json={"error": "invalid_client"})

    with pytest.raises(InvalidClient, match="API application"):
        oauth.exchange_code("c", "https://x/cb", "v" * 50)


def test_revoke_posts_the_refresh_token(oauth, identity):
    identity.post(f"{IDENTITY}/connect/revocation", status=200)

    oauth.revoke("r9")

    assert _form(identity.calls[0]) == {"token": "r9", "token_type_hint": "refresh_token"}


def test_token_set_never_shows_tokens():
    tokens = TokenSet.from_response({"access_token": "secret-a", "refresh_token": "secret-r"})
    assert "secret" not in repr(tokens)
