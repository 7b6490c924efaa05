"""Live progress of an import ("n of m documents"), kept in Redis so the page can poll it while
the import's own database transaction is still open."""

from portal.extensions import redis_connection

TTL_SECONDS = 24 * 3600


def _key(import_run_id: int) -> str:
    return f"import-progress:{import_run_id}"


class Progress:
    """Counts the documents (or runs) an import has done out of how many it expects."""

    def __init__(self, import_run_id: int | None):
        self.import_run_id = import_run_id

    def expect(self, total: int) -> None:
        self._set(total=total, done=0)

    def expect_more(self, count: int) -> None:
        """Documents found on the way (e.g. declarations) join the total."""
        if self.import_run_id is not None and count:
            redis_connection().hincrby(_key(self.import_run_id), "total", count)

    def advance(self, by: int = 1) -> None:
        if self.import_run_id is not None:
            redis_connection().hincrby(_key(self.import_run_id), "done", by)

    def _set(self, **fields) -> None:
        if self.import_run_id is None:
            return
        connection = redis_connection()
        connection.hset(_key(self.import_run_id), mapping=fields)
        connection.expire(_key(self.import_run_id), TTL_SECONDS)


def read(import_run_id: int) -> tuple[int, int]:
    """(done, total) of a running import; (0, 0) when nothing is known yet."""
    values = redis_connection().hgetall(_key(import_run_id))
    return int(values.get(b"done", 0)), int(values.get(b"total", 0))
