#!/usr/bin/env bash
# `make run`: the demo on http://127.0.0.1:5000 with the Nmbrs sandbox, the RQ worker and Redis.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
[ -x "$PY" ] || die "no .venv; run 'make run' (it creates one)."

mkdir -p instance
ENV_FILE=instance/demo.env
if [ ! -f "$ENV_FILE" ]; then
    say "Creating $ENV_FILE (random SECRET_KEY and encryption key; keep it: restarts need the key)"
    (
        umask 077
        {
            echo "# Demo settings written by 'make run'. Delete this file and instance/*.sqlite3 to start over."
            echo "SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_hex(32))')"
            echo "ENCRYPTION_KEYS=$("$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
            echo "DEMO_MODE=1"
            echo "HTMX_VENDORED=1"
            echo "SESSION_COOKIE_SECURE=0"
            echo "REDIS_URL=redis://127.0.0.1:6379/0"
            echo "NMBRS_SOAP_URL=http://127.0.0.1:8765/soap/v3"
        } >"$ENV_FILE"
    )
fi
set -a
# shellcheck disable=SC1090
source "$ENV_FILE"
set +a
# The REST API and its identity server are served by the same local sandbox as SOAP.
export NMBRS_REST_URL="${NMBRS_REST_URL:-http://127.0.0.1:8765}"
export NMBRS_IDENTITY_URL="${NMBRS_IDENTITY_URL:-http://127.0.0.1:8765}"
export FLASK_APP=app
FLASK="$VENV/bin/flask"

ensure_redis "$REDIS_URL" --save "" --appendonly no

# A new database (no Alembic version table yet) gets the demo data after the migrations.
NEW_DB=$("$PY" - <<'PY'
from sqlalchemy import create_engine, inspect
from app import create_app
app = create_app()
engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
print("no" if inspect(engine).has_table("alembic_version") else "yes")
engine.dispose()
PY
)
say "Applying migrations (flask --app app db upgrade)"
"$FLASK" db upgrade
if [ "$NEW_DB" = yes ]; then
    say "New database: loading the demo data (flask --app app seed-demo)"
    (umask 077; "$FLASK" seed-demo | tee instance/demo-logins.txt)
    chmod 600 instance/demo-logins.txt
    echo "(These sign-ins are kept in instance/demo-logins.txt.)"
else
    say "Existing database kept. Demo sign-ins: instance/demo-logins.txt"
fi
"$FLASK" nmbrs-demo-application  # the sandbox's Nmbrs API application, once

PIDS=()
cleanup() {
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

if "$FLASK" nmbrs-sandbox --help >/dev/null 2>&1; then
    say "Starting the Nmbrs sandbox on http://127.0.0.1:8765"
    "$FLASK" nmbrs-sandbox --port 8765 &
    PIDS+=($!)
else
    say "Skipping the Nmbrs sandbox: 'flask --app app nmbrs-sandbox' is not available in this version."
fi

say "Starting the RQ worker with its scheduler (flask --app app worker)"
"$FLASK" worker &
PIDS+=($!)

say "Payroll Link: open http://127.0.0.1:5000 and sign in with a login above. Ctrl-C stops everything."
# In the background too, so a signal to this script (Ctrl-C, TERM) stops all three at once.
"$FLASK" run --host 127.0.0.1 --port 5000 &
WEB=$!
PIDS+=("$WEB")
wait "$WEB"
