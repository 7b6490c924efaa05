"""The sandbox's OAuth 2.0 identity server, like identityservice.nmbrs.com (nmbrs-rest-api.md §2).

Authorization code flow with optional PKCE (S256 checked when sent), single-use codes valid for
5 minutes, refresh tokens that rotate (the old one is refused afterwards), revocation. The consent
page lists the demo debtors; with `auto_consent` set to a debtor number the sandbox consents for
that debtor at once. Client authentication: HTTP Basic (percent-encoded parts) or form fields.
"""

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlencode

from werkzeug.wrappers import Request, Response

from portal.nmbrs.sandbox.data import SandboxData, SandboxDebtor

SANDBOX_CLIENT_ID = "PartnerApp_PayrollLink_Demo"
SANDBOX_CLIENT_SECRET = "demo-secret*$7Qm2"
SANDBOX_SUBSCRIPTION_KEY = "demo-subscription-key-5c1e9a"
CODE_LIFETIME = 300
ACCESS_TOKEN_LIFETIME = 3600
REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600
ALL_SCOPES = frozenset({
    "offline_access", "company.info.read", "company.payrollsettings.read",
    "company.document.read", "employee.document.read", "document.read", "employee.info.read",
    "employee.bankaccount.read", "user.info.read", "debtor.info.read", "company.info",
    "employee.info", "employee.document", "employee.bankaccount",
})


@dataclass
class Grant:
    """What one consent allows: a debtor and the scopes granted."""

    debtor_id: int
    scopes: frozenset[str]
    client_id: str


@dataclass
class PendingCode:
    grant: Grant
    redirect_uri: str
    challenge: str | None
    expires: float


@dataclass
class IdentityState:
    """Codes, access tokens and refresh tokens issued so far (thread-safe)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    codes: dict[str, PendingCode] = field(default_factory=dict)
    access: dict[str, tuple[Grant, float]] = field(default_factory=dict)
    refresh: dict[str, tuple[Grant, float]] = field(default_factory=dict)
    refreshes: int = 0


class IdentityServer:
    """`/connect/authorize`, `/connect/token`, `/connect/revocation`."""

    def __init__(self, world: SandboxData, auto_consent: str | None = None,
                 clock=time.time):
        self.world = world
        self.auto_consent = auto_consent
        self.state = IdentityState()
        self._clock = clock

    # -- authorize ----------------------------------------------------------------------------

    def authorize(self, request: Request) -> Response:
        args = request.values
        problem = self._authorize_problem(args)
        if problem:
            return Response(f"<h1>Invalid request</h1><p>{html.escape(problem)}</p>", status=400,
                            mimetype="text/html")
        if request.method == "POST":
            return self._decide(args)
        debtor = self._debtor_by_number(self.auto_consent) if self.auto_consent else None
        if debtor is not None:
            return self._redirect_with_code(args, debtor)
        return Response(self._consent_page(args), mimetype="text/html")

    def _authorize_problem(self, args) -> str | None:
        if args.get("client_id") != SANDBOX_CLIENT_ID:
            return "Unknown client_id."
        if args.get("response_type") != "code":
            return "response_type must be code."
        if not args.get("redirect_uri", "").startswith(("http://", "https://")):
            return "redirect_uri is missing."
        if "openid" in args.get("scope", "").split():
            return "Invalid scope: openid."
        if args.get("code_challenge") and args.get("code_challenge_method") != "S256":
            return "code_challenge_method must be S256."
        return None

    def _consent_page(self, args) -> str:
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                         for k, v in args.items(multi=True) if k not in ("debtor", "decision"))
        choices = "".join(
            f'<p><button name="debtor" value="{html.escape(d.number)}">Consent as a user of '
            f'{html.escape(d.name)} (debtor {html.escape(d.number)})</button></p>'
            for d in self.world.debtors)
        return (f"<!doctype html><title>Nmbrs sandbox consent</title><h1>Nmbrs sandbox</h1>"
                f"<p>Payroll Link asks for: {html.escape(args.get('scope', ''))}</p>"
                f'<form method="post" action="/connect/authorize">{hidden}{choices}'
                f'<p><button name="decision" value="deny">Deny</button></p></form>')

    def _decide(self, args) -> Response:
        if args.get("decision") == "deny":
            return _redirect(args["redirect_uri"], {"error": "access_denied",
                                                    "error_description": "The user denied consent",
                                                    "state": args.get("state", "")})
        debtor = self._debtor_by_number(args.get("debtor"))
        if debtor is None:
            return Response("Unknown debtor", status=400)
        return self._redirect_with_code(args, debtor)

    def _redirect_with_code(self, args, debtor: SandboxDebtor) -> Response:
        requested = frozenset(args.get("scope", "").split())
        grant = Grant(debtor.id, requested & ALL_SCOPES, args["client_id"])
        code = secrets.token_urlsafe(24)
        with self.state.lock:
            self.state.codes[code] = PendingCode(grant, args["redirect_uri"],
                                                 args.get("code_challenge"),
                                                 self._clock() + CODE_LIFETIME)
        return _redirect(args["redirect_uri"], {"code": code, "state": args.get("state", "")})

    def _debtor_by_number(self, number: str | None) -> SandboxDebtor | None:
        return next((d for d in self.world.debtors if d.number == str(number)), None)

    # -- token --------------------------------------------------------------------------------

    def token(self, request: Request) -> Response:
        if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
            return _oauth_error("invalid_request", "POST a form.")
        if _client_id(request) != (SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET):
            return _oauth_error("invalid_client", status=401)
        grant_type = request.form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange(request.form)
        if grant_type == "refresh_token":
            return self._refresh(request.form.get("refresh_token", ""))
        return _oauth_error("unsupported_grant_type")

    def _exchange(self, form) -> Response:
        with self.state.lock:
            pending = self.state.codes.pop(form.get("code", ""), None)  # single use
            if pending is None or pending.expires < self._clock():
                return _oauth_error("invalid_grant", "Unknown, used or expired code.")
            if pending.redirect_uri != form.get("redirect_uri"):
                return _oauth_error("invalid_grant", "redirect_uri does not match.")
            if pending.challenge and not _pkce_ok(pending.challenge, form.get("code_verifier")):
                return _oauth_error("invalid_grant", "code_verifier does not match.")
            return self._issue(pending.grant)

    def _refresh(self, refresh_token: str) -> Response:
        with self.state.lock:
            found = self.state.refresh.pop(refresh_token, None)  # rotation: single use
            if found is None or found[1] < self._clock():
                return _oauth_error("invalid_grant", "Unknown, used, revoked or expired token.")
            self.state.refreshes += 1
            return self._issue(found[0])

    def _issue(self, grant: Grant) -> Response:
        now = self._clock()
        access = secrets.token_urlsafe(32)
        self.state.access[access] = (grant, now + ACCESS_TOKEN_LIFETIME)
        body = {"access_token": access, "token_type": "Bearer",
                "expires_in": ACCESS_TOKEN_LIFETIME, "scope": " ".join(sorted(grant.scopes))}
        if "offline_access" in grant.scopes:
            refresh = secrets.token_urlsafe(32)
            self.state.refresh[refresh] = (grant, now + REFRESH_TOKEN_LIFETIME)
            body["refresh_token"] = refresh
        return _json(body)

    def revoke(self, request: Request) -> Response:
        if _client_id(request) != (SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET):
            return _oauth_error("invalid_client", status=401)
        token = request.form.get("token", "")
        with self.state.lock:
            self.state.refresh.pop(token, None)
            self.state.access.pop(token, None)
        return Response(status=200)

    # -- for the API --------------------------------------------------------------------------

    def grant_for(self, access_token: str) -> Grant | None:
        """The consent behind a valid access token, or None."""
        with self.state.lock:
            found = self.state.access.get(access_token)
        if found is None or found[1] < self._clock():
            return None
        return found[0]

    def expire_access_tokens(self) -> None:
        """Test hook: every access token issued so far stops working (as after an hour)."""
        with self.state.lock:
            self.state.access.clear()


def _client_id(request: Request) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            pair = base64.b64decode(header[6:]).decode()
        except ValueError:
            return ("", "")
        client_id, _, secret = pair.partition(":")
        return unquote(client_id), unquote(secret)
    return request.form.get("client_id", ""), request.form.get("client_secret", "")


def _pkce_ok(challenge: str, verifier: str | None) -> bool:
    if not verifier:
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    return secrets.compare_digest(base64.urlsafe_b64encode(digest).rstrip(b"=").decode(), challenge)


def _redirect(uri: str, params: dict) -> Response:
    separator = "&" if "?" in uri else "?"
    return Response(status=302, headers={"Location": f"{uri}{separator}{urlencode(params)}"})


def _json(body) -> Response:
    return Response(json.dumps(body), mimetype="application/json",
                    headers={"Cache-Control": "no-store"})


def _oauth_error(error: str, description: str = "", status: int = 400) -> Response:
    response = _json({"error": error, "error_description": description})
    response.status_code = status
    return response
