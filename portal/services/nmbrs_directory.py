"""What Nmbrs knows about debtors and companies, fetched once per credentials and import round.

An import round (a day of automatic imports, or one manual import) touches many
administrations of the same credentials; they share one debtor list and one company list per
debtor through this Redis cache instead of asking Nmbrs again. (The sub-domain is stored with the
credentials, `portal.services.nmbrs_access`.)
"""

import json
import time
from dataclasses import asdict
from datetime import date

from redis import Redis

from portal.nmbrs.types import Company, Debtor

ROUND_TTL_SECONDS = 6 * 3600
LOCK_SECONDS = 60


class Directory:
    def __init__(self, client, credentials_id: int | str, round_key: str, redis: Redis):
        self.client = client
        self.redis = redis
        self.prefix = f"nmbrs-directory:{credentials_id}:{round_key}"

    def debtors(self) -> list[Debtor]:
        rows = self._cached("debtors", lambda: [asdict(d) for d in self.client.debtors()])
        return [Debtor(**row) for row in rows]

    def companies(self, debtor_id: int) -> list[Company]:
        rows = self._cached(f"companies:{debtor_id}",
                            lambda: [asdict(c) for c in self.client.companies(debtor_id)])
        return [Company(**row) for row in rows]

    def _cached(self, name: str, fetch):
        """The cached answer, or fetch it; one process fetches while the others wait for it."""
        key = f"{self.prefix}:{name}"
        deadline = time.monotonic() + LOCK_SECONDS
        while True:
            stored = self.redis.get(key)
            if stored is not None:
                return json.loads(stored)
            if self.redis.set(f"{key}:lock", "1", nx=True, ex=LOCK_SECONDS):
                break
            if time.monotonic() > deadline:
                break  # the fetching process died: fetch it ourselves
            time.sleep(0.05)
        try:
            value = fetch()
            self.redis.set(key, json.dumps(value), ex=ROUND_TTL_SECONDS)
            return value
        finally:
            self.redis.delete(f"{key}:lock")


def round_key(today: date | None = None, manual_import_id: int | None = None) -> str:
    """Automatic imports of one day form a round; a manual import is its own round."""
    if manual_import_id is not None:
        return f"manual-{manual_import_id}"
    return f"day-{(today or date.today()).isoformat()}"


