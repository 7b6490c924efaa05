# Shared helpers for .dev/*.sh (sourced, not run). Debian/Ubuntu, Python 3.11.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

apt_install() {
    # apt_install PACKAGE...: install Debian packages when root, else say what to install and stop.
    if is_root && command -v apt-get >/dev/null 2>&1; then
        say "Installing $* with apt-get"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
    else
        die "missing: $*. Install it first:  sudo apt-get install -y $*"
    fi
}

redis_answers() {
    # redis_answers URL: true when a Redis server answers PING at URL.
    "$PY" - "$1" <<'PY' >/dev/null 2>&1
import sys
from redis import Redis
Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()
PY
}

ensure_redis() {
    # ensure_redis URL [extra redis-server args...]: start a local redis-server if none answers.
    local url="$1"; shift
    if redis_answers "$url"; then
        say "Redis answers on $url"
        return 0
    fi
    local host port
    read -r host port < <("$PY" -c 'import sys; from urllib.parse import urlsplit; u = urlsplit(sys.argv[1]); print(u.hostname or "127.0.0.1", u.port or 6379)' "$url")
    case "$host" in
        127.0.0.1|localhost|::1) ;;
        *) die "nothing answers on REDIS_URL=$url, and it is not a local address I can start." ;;
    esac
    command -v redis-server >/dev/null 2>&1 || apt_install redis-server
    say "Starting redis-server on 127.0.0.1:$port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" "$@" >/dev/null
    for _ in $(seq 1 50); do
        redis_answers "$url" && return 0
        sleep 0.1
    done
    die "redis-server did not start on port $port"
}
