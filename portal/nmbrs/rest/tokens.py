"""Token sources for `RestTransport`: give an access token, and a fresh one after a 401."""

from datetime import datetime, timedelta, timezone

from portal.nmbrs.rest.oauth import NmbrsOAuth, TokenSet

EXPIRY_MARGIN = timedelta(seconds=60)


class MemoryTokens:
    """Tokens held in memory only (tests, scripts). Refreshes rotate the refresh token."""

    def __init__(self, oauth: NmbrsOAuth, tokens: TokenSet):
        self.oauth = oauth
        self.tokens = tokens

    def access_token(self) -> str:
        if self.tokens.expires_at - EXPIRY_MARGIN <= datetime.now(timezone.utc):
            return self.refresh(self.tokens.access_token)
        return self.tokens.access_token

    def refresh(self, rejected: str) -> str:
        if rejected != self.tokens.access_token:
            return self.tokens.access_token  # someone refreshed already
        self.tokens = self.oauth.refresh(self.tokens.refresh_token)
        return self.tokens.access_token
