"""OAuth 2.0 with Nmbrs' identity server, through Authlib (nmbrs-rest-api.md §2).

Authorization code flow with PKCE S256, code exchange, refresh (rotating refresh tokens) and
revocation. Client authentication is HTTP Basic with id and secret percent-encoded first (RFC 6749
§2.3.1): Nmbrs credentials contain characters like `*` and `$`, and Authlib's stock
`client_secret_basic` does not encode them.
"""

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session

from portal.nmbrs.errors import N_, InvalidCredentials, NmbrsUnavailable, UnexpectedAnswer
from portal.nmbrs.rest.errors import ConsentRejected

AUTHORIZE_PATH = "/connect/authorize"
TOKEN_PATH = "/connect/token"
REVOCATION_PATH = "/connect/revocation"
BASIC_ENCODED = "client_secret_basic_encoded"

# What the imports need (§2.3); `openid` is never requested (partner clients get "Invalid scope").
REQUIRED_SCOPES = (
    "offline_access",
    "company.info.read",
    "company.payrollsettings.read",
    "company.document.read",
    "employee.document.read",
    "document.read",
    "employee.info.read",
    "employee.bankaccount.read",
)
# Used to identify the consenting debtor and user; not needed for imports.
OPTIONAL_SCOPES = ("user.info.read", "debtor.info.read")
REQUESTED_SCOPES = REQUIRED_SCOPES + OPTIONAL_SCOPES


class InvalidGrant(ConsentRejected):
    """The refresh token or code was refused (expired, used already, or revoked)."""


class InvalidClient(InvalidCredentials):
    default_message = N_(
        "Nmbrs did not accept the API application (client id or client secret). Check them in "
        "Settings → Nmbrs API application."
    )


@dataclass(frozen=True)
class TokenSet:
    """What the token endpoint answered; `refresh_token` is single use (rotation)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime
    scopes: frozenset[str]

    @classmethod
    def from_response(cls, token: dict, requested: tuple[str, ...] = REQUESTED_SCOPES,
                      now: datetime | None = None) -> "TokenSet":
        """Build from the token response; a missing `scope` means what was requested (§6.3)."""
        now = now or datetime.now(timezone.utc)
        access = token.get("access_token")
        if not access:
            raise UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (no access token)")
        expires_in = token.get("expires_in")
        lifetime = int(expires_in) if str(expires_in or "").isdigit() else 3600
        scope = token.get("scope")
        scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset(requested)
        return cls(access_token=access, refresh_token=token.get("refresh_token") or None,
                   expires_at=now + timedelta(seconds=lifetime), scopes=scopes)

    @property
    def missing_scopes(self) -> list[str]:
        """Required scopes Nmbrs did not grant."""
        return [s for s in REQUIRED_SCOPES if s not in self.scopes]


def new_code_verifier() -> str:
    """A PKCE code verifier (RFC 7636: 43-128 unreserved characters)."""
    return generate_token(64)


def new_state() -> str:
    return generate_token(40)


def _basic_encoded(client, method, uri, headers, body):
    """HTTP Basic with both parts form-encoded first (RFC 6749 §2.3.1)."""
    pair = f"{quote(client.client_id, safe='')}:{quote(client.client_secret, safe='')}"
    headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return uri, headers, body


class NmbrsOAuth:
    """The Nmbrs API application (client id + secret) talking to the identity server."""

    def __init__(self, client_id: str, client_secret: str,
                 identity_url: str, timeout: float = 30.0):
        self.client_id = client_id
        self._client_secret = client_secret
        self.identity_url = identity_url.rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"NmbrsOAuth({self.client_id!r}, client_secret='***', {self.identity_url!r})"

    def _session(self, redirect_uri: str | None = None) -> OAuth2Session:
        session = OAuth2Session(self.client_id, self._client_secret, redirect_uri=redirect_uri,
                                code_challenge_method="S256",
                                token_endpoint_auth_method=BASIC_ENCODED,
                                revocation_endpoint_auth_method=BASIC_ENCODED)
        session.register_client_auth_method((BASIC_ENCODED, _basic_encoded))
        return session

    def authorization_url(self, redirect_uri: str, state: str, code_verifier: str,
                          scopes: tuple[str, ...] = REQUESTED_SCOPES) -> str:
        """Where to send the browser for consent (PKCE S256 challenge included)."""
        with self._session(redirect_uri) as session:
            url, _ = session.create_authorization_url(
                self.identity_url + AUTHORIZE_PATH, state=state, code_verifier=code_verifier,
                scope=" ".join(scopes))
        return url

    def exchange_code(self, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        """Trade the (single-use, 5-minute) authorization code for tokens."""
        with self._session(redirect_uri) as session:
            token = self._call(lambda: session.fetch_token(
                self.identity_url + TOKEN_PATH, grant_type="authorization_code", code=code,
                code_verifier=code_verifier, redirect_uri=redirect_uri, timeout=self.timeout))
        return TokenSet.from_response(token)

    def refresh(self, refresh_token: str) -> TokenSet:
        """Use a refresh token (once: Nmbrs rotates it) for a new token set."""
        with self._session() as session:
            token = self._call(lambda: session.refresh_token(
                self.identity_url + TOKEN_PATH, refresh_token=refresh_token,
                timeout=self.timeout))
        tokens = TokenSet.from_response(dict(token))
        if tokens.refresh_token == refresh_token or not tokens.refresh_token:
            # Authlib copies the old one when the answer has none; keep it (no rotation seen).
            tokens = TokenSet(tokens.access_token, refresh_token, tokens.expires_at,
                              tokens.scopes)
        return tokens

    def revoke(self, token: str, hint: str = "refresh_token") -> None:
        """Revoke a token (on disconnect). Failures are reported, never hidden."""
        with self._session() as session:
            response = self._call(lambda: session.revoke_token(
                self.identity_url + REVOCATION_PATH, token=token, token_type_hint=hint,
                timeout=self.timeout))
        if response.status_code >= 400:
            raise NmbrsUnavailable(f"{NmbrsUnavailable.default_message} "
                                   f"(revocation HTTP {response.status_code})")

    @staticmethod
    def _call(action):
        try:
            return action()
        except OAuthError as exc:
            raise _oauth_error(exc.error) from None
        except requests.RequestException as exc:
            raise NmbrsUnavailable(
                f"{NmbrsUnavailable.default_message} ({type(exc).__name__})") from None
        except ValueError:
            raise UnexpectedAnswer(
                f"{UnexpectedAnswer.default_message} (token endpoint answer)") from None


def _oauth_error(error: str | None):
    if error == "invalid_grant":
        return InvalidGrant(f"{InvalidGrant.default_message} (invalid_grant)")
    if error in ("invalid_client", "unauthorized_client"):
        return InvalidClient(f"{InvalidClient.default_message} ({error})")
    if error in ("temporarily_unavailable", "server_error"):
        return NmbrsUnavailable(f"{NmbrsUnavailable.default_message} ({error})")
    return ConsentRejected(f"{ConsentRejected.default_message} ({error or 'unknown error'})")
