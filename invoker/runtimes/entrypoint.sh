#!/bin/sh
# Every runtime container starts here (PID 1 is docker-init, which reaps).
# The Lambda Runtime API reaches the container as a Unix socket, because the
# container has no network. A loopback relay gives runtimes that expect
# host:port (AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001: curl, awslambdaric) the
# same API. Whatever the runtime prints becomes the function's log: it goes to
# the pipe the worker reads, in order with the Runtime API calls.
socat -lf /dev/null TCP-LISTEN:9001,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:/var/run/labda/runtime.sock &
# The AWS SDKs' endpoint (AWS_ENDPOINT_URL=http://127.0.0.1:9002): for now the
# same socket, whose server answers any AWS call with "not available yet".
socat -lf /dev/null TCP-LISTEN:9002,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:/var/run/labda/runtime.sock &
# Only tini reads it (it says how the runtime ended); the function never sees it.
unset TINI_VERBOSITY
# Custom runtimes may call the API at once: wait (briefly) for the relay.
i=0
while [ $i -lt 200 ] && ! grep -q ':2329 ' /proc/net/tcp 2>/dev/null; do
    i=$((i + 1)); sleep 0.005
done
# Descriptor 3 is the same pipe, for log records framed as Lambda's runtime
# clients frame them (a record with newlines stays one event; see log_pipe).
export _LAMBDA_TELEMETRY_LOG_FD=3
exec "$@" >/var/run/labda/log 2>&1 3>&1
