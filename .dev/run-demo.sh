#!/usr/bin/env bash
# `make run`: the demo on http://127.0.0.1:5000 with the Nmbrs sandbox, the RQ worker and Redis.
# Other ports: `make run PORT=5001 SANDBOX_PORT=8766` (the web server and the Nmbrs sandbox).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PORT="${PORT:-5000}"
SANDBOX_PORT="${SANDBOX_PORT:-8765}"
SANDBOX="http://127.0.0.1:$SANDBOX_PORT"
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
        } >"$ENV_FILE"
    )
fi
# SOAP, the REST API and its identity server: all served by the local sandbox. Kept in the
# env file too, so `flask` commands run with it loaded talk to this sandbox, not to Nmbrs.
sed -i '/^NMBRS_\(SOAP\|REST\|IDENTITY\)_URL=/d' "$ENV_FILE"
{
    echo "NMBRS_SOAP_URL=$SANDBOX/soap/v3"
    echo "NMBRS_REST_URL=$SANDBOX"
    echo "NMBRS_IDENTITY_URL=$SANDBOX"
} >>"$ENV_FILE"
set -a
# shellcheck disable=SC1090
source "$ENV_FILE"
set +a
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
    say "Starting the Nmbrs sandbox on $SANDBOX"
    "$FLASK" nmbrs-sandbox --port "$SANDBOX_PORT" &
    PIDS+=($!)
else
    say "Skipping the Nmbrs sandbox: 'flask --app app nmbrs-sandbox' is not available in this version."
fi

say "Starting the RQ worker with its scheduler (flask --app app worker)"
"$FLASK" worker &
PIDS+=($!)

say "Payroll Link: open http://127.0.0.1:$PORT and sign in with a login above. Ctrl-C stops everything."
# In the background too, so a signal to this script (Ctrl-C, TERM) stops all three at once.
"$FLASK" run --host 127.0.0.1 --port "$PORT" &
WEB=$!
PIDS+=("$WEB")
wait "$WEB"
