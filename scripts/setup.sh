#!/usr/bin/env bash
# Everything Labda needs on a fresh Debian/Ubuntu machine, idempotent and quick
# on a second run: system packages, the virtualenv, Redis, the Docker engine,
# the runtime images, the database, the blueprints and the admin user.
#
#   scripts/setup.sh          set up to run (make up)
#   scripts/setup.sh --test   also the test tools and Chromium (make test)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mode=${1:-}
mkdir -p var
# What this run had to start, so `make up` can stop it again on Ctrl-C.
started=var/started-services
log() { printf 'labda: %s\n' "$*"; }

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# --- system packages (only what is missing)
need=()
python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null || need+=(python3)
python3 -m venv --help >/dev/null 2>&1 || need+=(python3-venv)
command -v redis-server >/dev/null || need+=(redis-server)
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v curl >/dev/null || need+=(curl)
# Deploy checks JavaScript with `node --check` (functions/services/syntax.py).
command -v node >/dev/null || need+=(nodejs)
if [ "$mode" = "--test" ]; then
    command -v chromium >/dev/null || need+=(chromium)
fi
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >var/apt.log 2>&1 \
        || { tail -20 var/apt.log; exit 1; }
fi

# --- Python virtualenv, reinstalled only when a requirements file changed
requirements=requirements.txt
[ "$mode" = "--test" ] && requirements=requirements-dev.txt
stamp="var/.installed-$(cat requirements.txt "$requirements" | sha256sum | cut -c1-16)"
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
if [ ! -f "$stamp" ]; then
    log "installing Python packages from $requirements"
    .venv/bin/pip install -q --disable-pip-version-check -r "$requirements"
    touch "$stamp"
fi

# --- Redis on loopback, unless one already answers at REDIS_URL
redis_url=${REDIS_URL:-redis://127.0.0.1:6379/0}
if ! .venv/bin/python -c "import redis,sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()" "$redis_url" 2>/dev/null; then
    if [ -n "${REDIS_URL:-}" ]; then
        log "no Redis answers at REDIS_URL=$REDIS_URL"; exit 1
    fi
    log "starting Redis on 127.0.0.1:6379"
    mkdir -p var/redis
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --dir "$root/var/redis" \
        --appendonly yes --appendfsync everysec --logfile "$root/var/redis.log"
    echo redis >>"$started"
    for _ in $(seq 50); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

# --- the Docker engine, unless one already answers
if ! docker info >/dev/null 2>&1; then
    if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
        $sudo systemctl start docker || true
    fi
    if ! docker info >/dev/null 2>&1; then
        log "starting dockerd"
        $sudo sh -c "nohup dockerd >'$root/var/dockerd.log' 2>&1 &"
        echo dockerd >>"$started"
    fi
    for _ in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { log "the Docker engine did not start:"; tail -20 var/dockerd.log; exit 1; }
fi

# --- runtime images (the base is made locally when no registry is reachable)
scripts/build-runtime-images.sh

# --- Django: secret key, database, blueprints, admin user
[ -s var/secret_key ] || .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" >var/secret_key
.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py load_blueprints
if [ "$mode" != "--test" ]; then
    .venv/bin/python manage.py ensure_admin
fi
log "set-up done"
