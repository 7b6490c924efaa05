#!/usr/bin/env bash
# `make test`: the suite on SQLite (with the browser tests) and, when it answers, on PostgreSQL.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
[ -x "$PY" ] || die "no .venv; run 'make test' (it creates one)."

CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
    if is_root && command -v apt-get >/dev/null 2>&1; then
        apt_install chromium
    else
        say "No $CHROMIUM and not root: the browser tests will be skipped (sudo apt-get install -y chromium)."
    fi
fi

ensure_redis redis://127.0.0.1:6379/0 --save "" --appendonly no

unset DATABASE_URL
say "Tests on SQLite"
"$PY" -m pytest "$@"

PG_URL="${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1/test}"
if "$PY" - "$PG_URL" <<'PY'
import sys
import psycopg
from psycopg import sql
from urllib.parse import urlsplit

url = sys.argv[1]
name = urlsplit(url).path.lstrip("/")
try:
    server = psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=3,
                             autocommit=True)
except psycopg.OperationalError as error:
    print(f"PostgreSQL does not answer ({error}).".strip())
    sys.exit(1)
with server:
    if not server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
PY
then
    say "Tests on PostgreSQL ($PG_URL); the browser tests ran on SQLite"
    DATABASE_URL="$PG_URL" "$PY" -m pytest -m "not browser" "$@"
else
    say "Skipping the PostgreSQL pass: nothing answers at $PG_URL."
fi
