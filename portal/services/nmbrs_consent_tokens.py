"""The access token of one domain's Nmbrs consent, refreshed so that no token is ever lost.

Nmbrs refresh tokens are single use (rotation). So, per consent:
- refreshes are serialised across workers by a Redis lock;
- inside the lock the consent is re-read: if another worker refreshed meanwhile, its access token
  is used and nothing is refreshed;
- the rotated refresh token is committed (encrypted) before the new access token is handed out;
- `invalid_grant` re-reads the consent once (another process may have rotated it outside the
  lock) and retries with the newer token before giving up.
Token writes use their own database session, so an import's unfinished transaction is never
committed by a refresh.
"""

import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from portal.models._common import utcnow
from portal.models.nmbrs_rest import NmbrsConsent
from portal.nmbrs.rest.errors import ConsentRejected
from portal.nmbrs.rest.oauth import InvalidGrant, NmbrsOAuth, TokenSet

log = logging.getLogger(__name__)

EXPIRY_MARGIN = timedelta(seconds=60)
REFRESH_TOKEN_LIFETIME = timedelta(days=30)  # "good for 30 days" (§2.5); sliding or not is unknown
LOCK_TIMEOUT = 60
LOCK_WAIT = 45


def lock_name(consent_id: int) -> str:
    return f"nmbrs:consent:{consent_id}:refresh"


class ConsentTokens:
    """`TokenSource` for `RestTransport`, backed by one `NmbrsConsent` row."""

    def __init__(self, consent_id: int, oauth: NmbrsOAuth, engine, redis):
        self.consent_id = consent_id
        self.oauth = oauth
        self.engine = engine
        self.redis = redis
        # (access token, expiry) last read or refreshed: one database read per token, not one
        # per call (a fifth of a REST import's time went to reading the consent again).
        self._known: tuple[str, datetime] | None = None

    def access_token(self) -> str:
        """The access token while it is valid, else a refreshed one."""
        known = self._known
        if known is not None and _still_valid(known[1]):
            return known[0]
        with Session(self.engine) as session:
            consent = self._load(session)
            if _valid(consent):
                return self._remember(consent)
            current = consent.access_token
        return self.refresh(current)

    def _remember(self, consent: NmbrsConsent) -> str:
        self._known = (consent.access_token, consent.access_token_expires_at)
        return consent.access_token

    def refresh(self, rejected: str | None) -> str:
        """A new access token; `rejected` is the one Nmbrs refused (or None when expired)."""
        lock = self.redis.lock(lock_name(self.consent_id), timeout=LOCK_TIMEOUT,
                               blocking_timeout=LOCK_WAIT)
        if not lock.acquire():
            raise ConsentRejected(f"{ConsentRejected.default_message} (refresh lock busy)")
        try:
            return self._refresh_locked(rejected)
        finally:
            try:
                lock.release()
            except Exception:  # lock expired while refreshing; the token is stored anyway
                log.warning("Nmbrs consent %s: refresh lock expired", self.consent_id)

    def _refresh_locked(self, rejected: str | None) -> str:
        with Session(self.engine, expire_on_commit=False) as session:
            consent = self._load(session)
            if _valid(consent) and consent.access_token != rejected:
                return self._remember(consent)  # another worker refreshed while we waited
            used = consent.refresh_token
            try:
                self._use(session, consent, used)
            except InvalidGrant:
                session.expire_all()  # re-read once: was it rotated by someone else?
                consent = self._load(session)
                if consent.refresh_token in (None, used):
                    self._mark_failed(session, consent)
                    raise
                self._use(session, consent, consent.refresh_token)
            return self._remember(consent)

    def _use(self, session: Session, consent: NmbrsConsent, refresh_token: str | None) -> TokenSet:
        if not refresh_token:
            raise InvalidGrant(f"{InvalidGrant.default_message} (no refresh token stored)")
        tokens = self.oauth.refresh(refresh_token)
        store_tokens(consent, tokens)
        session.commit()  # the rotated refresh token is safe before anyone uses the new access
        return tokens

    @staticmethod
    def _mark_failed(session: Session, consent: NmbrsConsent) -> None:
        consent.refresh_failed_at = utcnow()
        session.commit()

    def _load(self, session: Session) -> NmbrsConsent:
        consent = session.get(NmbrsConsent, self.consent_id)
        if consent is None:
            raise ConsentRejected(f"{ConsentRejected.default_message} (no consent)")
        return consent


def store_tokens(consent: NmbrsConsent, tokens: TokenSet) -> None:
    """Put a token answer on the consent (not committed)."""
    now = utcnow()
    consent.access_token = tokens.access_token
    consent.access_token_expires_at = _naive(tokens.expires_at)
    if tokens.refresh_token and tokens.refresh_token != consent.refresh_token:
        consent.refresh_token = tokens.refresh_token
    if consent.refresh_token_expires_at is None:
        consent.refresh_token_expires_at = refresh_token_expiry(now)
    consent.scopes = " ".join(sorted(tokens.scopes))
    consent.last_refreshed_at = now
    consent.refresh_failed_at = None


def refresh_token_expiry(consented_at: datetime) -> datetime:
    """30 days after the consent. Whether rotation extends it is unknown (§6.2): assume it does
    not, so the daily check warns in time; a Reconnect starts a new 30 days."""
    return consented_at + REFRESH_TOKEN_LIFETIME


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _valid(consent: NmbrsConsent) -> bool:
    return bool(consent.access_token) and _still_valid(consent.access_token_expires_at)


def _still_valid(expires: datetime | None) -> bool:
    return expires is not None and expires - EXPIRY_MARGIN > utcnow()
