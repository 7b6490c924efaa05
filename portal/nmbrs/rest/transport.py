"""HTTP transport for the Nmbrs REST API: bearer token + subscription key, retries, rate limit,
pagination and the asynchronous document flow (nmbrs-rest-api.md §3, §3.9, §4)."""

import email.utils
import logging
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Protocol

import requests

from portal.nmbrs.errors import N_, NmbrsError, NmbrsUnavailable, UnexpectedAnswer
from portal.nmbrs.rest.errors import (
    INVALID_TOKEN_CODES,
    ConsentRejected,
    QuotaExceeded,
    RateLimited,
    error_for_response,
)

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100
MAX_PAGES = 10_000
DOCUMENT_FIRST_POLL = 1.0
DOCUMENT_MAX_POLL = 10.0
DEFAULT_DOCUMENT_TIMEOUT = 180.0


class TokenSource(Protocol):
    """Where the transport gets its access token, and a fresh one after a 401."""

    def access_token(self) -> str: ...

    def refresh(self, rejected: str) -> str: ...


class DocumentNotReady(NmbrsUnavailable):
    default_message = N_(
        "Nmbrs did not finish generating a document in time. The import will be retried."
    )


class RestTransport:
    """GETs JSON and documents from the Nmbrs REST API for one consent (one debtor)."""

    def __init__(self, base_url: str, subscription_key: str, tokens: TokenSource,
                 timeout: float = 30.0, rate_limiter=None, max_attempts: int = 4,
                 retry_budget: float = 20.0, backoff: float = 0.5,
                 document_timeout: float = DEFAULT_DOCUMENT_TIMEOUT, calls_at_once: int = 1,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.base_url = base_url.rstrip("/")
        self._subscription_key = subscription_key
        self.tokens = tokens
        self.timeout = timeout
        self.rate_limiter = rate_limiter
        self.max_attempts = max(1, max_attempts)
        self.retry_budget = retry_budget
        self.backoff = backoff
        self.document_timeout = document_timeout
        self._sleep = sleep
        self._clock = clock
        self.session = requests.Session()
        # How many calls of one import may run at once (`parallel`).
        self.calls_at_once = calls_at_once
        # Called once when Nmbrs answers 42909 (the owner pauses this consent's imports).
        self.on_quota_exceeded: Callable[[], None] | None = None

    def __repr__(self) -> str:
        return f"RestTransport({self.base_url!r}, subscription_key='***')"

    # -- JSON ---------------------------------------------------------------------------------

    def get_json(self, path: str, params: dict | None = None) -> dict:
        """One JSON object from a GET."""
        return self._json(self.get(path, params))

    def get_all(self, path: str, params: dict | None = None) -> list:
        """Every `data` item of a paginated list, following pages to the last one."""
        items, page = [], 1
        while page <= MAX_PAGES:
            body = self.get_json(path, {**(params or {}), "pageNumber": page,
                                        "pageSize": MAX_PAGE_SIZE})
            data = body.get("data")
            if not isinstance(data, list):
                raise UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (no data list)")
            items.extend(data)
            if not data or page >= _total_pages(body):
                return items
            page += 1
        raise UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (endless pagination)")

    def get_task(self, path: str, params: dict | None = None) -> str:
        """Start a document: the `taskId` Nmbrs answers."""
        task_id = self.get_json(path, params).get("taskId")
        if not isinstance(task_id, str) or not task_id:
            raise UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (no taskId)")
        return task_id

    # -- documents ----------------------------------------------------------------------------

    def document(self, task_id: str) -> bytes:
        """Poll /api/documents/{taskId}: 202 while generating, 200 with the bytes when ready.

        Polls back off from 1 s to 10 s, each one passes the shared rate limit, and the whole
        wait is bounded by `document_timeout` (then a transient DocumentNotReady).
        """
        deadline = self._clock() + self.document_timeout
        delay = DOCUMENT_FIRST_POLL
        while True:
            response = self.get(f"/api/documents/{task_id}")
            if response.status_code == 200:
                return response.content
            if self._clock() + delay > deadline:
                raise DocumentNotReady(f"{DocumentNotReady.default_message} (task {task_id})")
            self._sleep(delay)
            delay = min(delay * 2, DOCUMENT_MAX_POLL)

    def fetch_document(self, path: str, params: dict | None = None) -> bytes:
        """Start a document and wait for its bytes."""
        return self.document(self.get_task(path, params))

    # -- one GET with refresh, retries and error mapping --------------------------------------

    def get(self, path: str, params: dict | None = None) -> requests.Response:
        """A successful (2xx) answer, after at most one token refresh and transient retries."""
        deadline = self._clock() + self.retry_budget
        attempt, refreshed = 1, False
        token = self.tokens.access_token()
        while True:
            response = self._send(path, params, token)
            if 200 <= response.status_code < 300:
                return response
            error = self._error(response)
            if self._token_rejected(response, error) and not refreshed:
                log.info("Nmbrs refused the access token; refreshing once and replaying")
                token, refreshed = self.tokens.refresh(token), True
                continue
            delay = self._retry_delay(error, attempt)
            if delay is None or self._clock() + delay > deadline:
                if isinstance(error, QuotaExceeded) and self.on_quota_exceeded is not None:
                    self.on_quota_exceeded()
                raise error
            log.warning("Nmbrs GET %s failed (%s), retry %d in %.2fs", path,
                        type(error).__name__, attempt, delay)
            self._wait_before_retry(error, delay)
            attempt += 1

    def _send(self, path: str, params: dict | None, token: str) -> requests.Response:
        if self.rate_limiter is not None:
            self.rate_limiter.acquire()
        headers = {
            "Authorization": f"Bearer {token}",
            "X-Subscription-Key": self._subscription_key,
            "Accept": "application/json",
        }
        try:
            return self.session.get(f"{self.base_url}{path}", params=params, headers=headers,
                                    timeout=self.timeout)
        except requests.Timeout:
            raise NmbrsUnavailable(f"{NmbrsUnavailable.default_message} (timeout)") from None
        except requests.RequestException as exc:
            raise NmbrsUnavailable(
                f"{NmbrsUnavailable.default_message} ({type(exc).__name__})") from None

    def _wait_before_retry(self, error: NmbrsError, delay: float) -> None:
        """Nmbrs' Retry-After holds every worker: the shared limiter pauses and this worker's next
        grant waits it out. Other backoffs are this worker's own."""
        if (self.rate_limiter is not None and isinstance(error, RateLimited)
                and error.retry_after is not None):
            self.rate_limiter.pause(delay)
        else:
            self._sleep(delay)

    @staticmethod
    def _token_rejected(response: requests.Response, error: NmbrsError) -> bool:
        return response.status_code == 401 and (
            error.code in INVALID_TOKEN_CODES or error.code is None)

    def _retry_delay(self, error: NmbrsError, attempt: int) -> float | None:
        if not error.transient or attempt >= self.max_attempts:
            return None
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return error.retry_after
        return self.backoff * 2 ** (attempt - 1)

    @staticmethod
    def _error(response: requests.Response) -> NmbrsError:
        try:
            body = response.json()
        except ValueError:
            body = None  # gateways may send HTML or nothing
        return error_for_response(response.status_code, body,
                                  retry_after=parse_retry_after(response.headers.get("Retry-After")))

    @staticmethod
    def _json(response: requests.Response) -> dict:
        try:
            body = response.json()
        except ValueError:
            raise UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (not JSON)") from None
        if not isinstance(body, dict):
            raise UnexpectedAnswer(f"{UnexpectedAnswer.default_message} (not a JSON object)")
        return body


def _total_pages(body: dict) -> int:
    pagination = body.get("pagination") or {}
    total = pagination.get("totalPages")
    return total if isinstance(total, int) else 1


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` in seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


__all__ = ["ConsentRejected", "DocumentNotReady", "RestTransport", "TokenSource"]
