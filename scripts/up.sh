#!/usr/bin/env bash
# `make up`: set up, then run Labda in the foreground: the web server, one
# Celery worker for tests (synchronous invocations and housekeeping), one for
# events (asynchronous invocations), and the scheduler (Celery beat). A part
# that exits is started again; Ctrl-C stops everything this command started.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
rm -f var/started-services var/stopping
scripts/setup.sh
port=${PORT:-8000}
host=${LABDA_WORKER_NAME:-$(hostname)}
pids=()

# Run a part until Ctrl-C, starting it again when it exits on its own.
keep_running() {
    local name=$1
    shift
    while true; do
        "$@" &
        local child=$!
        echo "$child" >"var/pid-$name"
        wait "$child" && status=0 || status=$?
        [ -f var/stopping ] && break
        echo "labda: $name exited ($status); starting it again in 2 s"
        sleep 2
        [ -f var/stopping ] && break
    done
}

cleanup() {
    trap - INT TERM EXIT
    echo "labda: stopping"
    touch var/stopping
    for file in var/pid-*; do
        [ -f "$file" ] && kill "$(cat "$file")" 2>/dev/null || true
    done
    wait "${pids[@]}" 2>/dev/null || true
    rm -f var/pid-*
    # Ctrl-C stops everything `make up` started, Redis and dockerd included.
    if grep -qx redis var/started-services 2>/dev/null; then
        redis-cli -p 6379 shutdown >/dev/null 2>&1 || true
        echo "labda: stopped Redis"
    fi
    if grep -qx dockerd var/started-services 2>/dev/null; then
        [ -f /var/run/docker.pid ] && $sudo kill "$(cat /var/run/docker.pid)" 2>/dev/null || true
        echo "labda: stopped dockerd"
    fi
    rm -f var/started-services var/stopping
}
trap cleanup INT TERM EXIT

celery=(.venv/bin/celery -A console)
# Each worker has its own name: a restarted worker removes the containers and
# ends the rows its own earlier run left, never another worker's.
LABDA_WORKER_NAME="$host-sync" keep_running worker-sync \
    "${celery[@]}" worker -P threads -c "${LABDA_WORKER_CONCURRENCY:-16}" -l info \
    -Q labda.sync,labda.housekeeping -n "sync@$host" &
pids+=($!)
LABDA_WORKER_NAME="$host-async" keep_running worker-async \
    "${celery[@]}" worker -P threads -c "${LABDA_ASYNC_WORKER_CONCURRENCY:-8}" -l info \
    -Q labda.async -n "async@$host" &
pids+=($!)
# Exactly one beat sends, even if another one runs somewhere (console/beat.py).
keep_running beat "${celery[@]}" beat -S console.beat:LockedScheduler -l info &
pids+=($!)
echo "labda: Labda is at http://127.0.0.1:$port/ (sign in as ${DJANGO_SUPERUSER_USERNAME:-admin})"
# --insecure: the development server serves the static files itself.
keep_running web .venv/bin/python manage.py runserver --insecure "127.0.0.1:$port" &
pids+=($!)
wait "${pids[@]}"
