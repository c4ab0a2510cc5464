#!/usr/bin/env bash
# Builds the runtime images from invoker/runtimes/*/Dockerfile on top of the
# base image (made by build-base-image.sh). Docker's layer cache makes a
# second run take about a second.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runtimes="$root/invoker/runtimes"
base=${LABDA_BASE_IMAGE:-labda/base:bookworm}
prefix=${LABDA_IMAGE_PREFIX:-labda/runtime}

"$runtimes/build-base-image.sh"
mkdir -p "$root/var"
for dockerfile in "$runtimes"/*/Dockerfile; do
    runtime=$(basename "$(dirname "$dockerfile")")
    [ "$runtime" = base ] && continue
    # The classic builder: it needs no buildx plugin and no registry.
    if ! DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE_IMAGE=$base" -f "$dockerfile" \
        -t "$prefix:$runtime" "$runtimes" >/dev/null 2>"$root/var/build-$runtime.log"; then
        cat "$root/var/build-$runtime.log"
        exit 1
    fi
    echo "labda: runtime image $prefix:$runtime ready"
done
