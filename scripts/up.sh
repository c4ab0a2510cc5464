#!/usr/bin/env bash
# `make up`: set up, then run the web server and the Celery worker (with its
# beat schedule) in the foreground. Ctrl-C stops everything it started.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
rm -f var/started-services
scripts/setup.sh
port=${PORT:-8000}
pids=()
cleanup() {
    trap - INT TERM EXIT
    echo "labda: stopping"
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    # Ctrl-C stops everything `make up` started, Redis and dockerd included.
    if grep -qx redis var/started-services 2>/dev/null; then
        redis-cli -p 6379 shutdown >/dev/null 2>&1 || true
        echo "labda: stopped Redis"
    fi
    if grep -qx dockerd var/started-services 2>/dev/null; then
        [ -f /var/run/docker.pid ] && $sudo kill "$(cat /var/run/docker.pid)" 2>/dev/null || true
        echo "labda: stopped dockerd"
    fi
    rm -f var/started-services
}
trap cleanup INT TERM EXIT
.venv/bin/celery -A console worker -B -P threads -c "${LABDA_WORKER_CONCURRENCY:-16}" -l info \
    -s "$root/var/celerybeat-schedule" &
pids+=($!)
echo "labda: Labda is at http://127.0.0.1:$port/ (sign in as ${DJANGO_SUPERUSER_USERNAME:-admin})"
# --insecure: the development server serves the static files itself.
.venv/bin/python manage.py runserver --insecure "127.0.0.1:$port" &
pids+=($!)
wait -n "${pids[@]}"
