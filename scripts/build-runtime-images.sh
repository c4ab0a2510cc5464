#!/usr/bin/env bash
# Builds the runtime images from invoker/runtimes/*/Dockerfile on top of their
# base images (made by build-base-image.sh: Debian bookworm or trixie, as the
# Dockerfile's BASE_IMAGE default says) and the vendor images (vendor.sh: the
# AWS SDKs and the Node.js 22 binary, fetched from the package registries on
# the host). Docker's layer cache makes a second run take a few seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runtimes="$root/invoker/runtimes"
base_prefix=${LABDA_BASE_PREFIX:-labda/base}
prefix=${LABDA_IMAGE_PREFIX:-labda/runtime}
vendor=${LABDA_VENDOR_PREFIX:-labda/vendor}

mkdir -p "$root/var"
# The tools first (one apt-get at a time), then the downloads side by side:
# each debootstrap and the vendor downloads take minutes, mostly waiting on
# the network.
missing=()
command -v debootstrap >/dev/null || [ -n "${LABDA_BASE_FROM:-}" ] || missing+=(debootstrap)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
"$runtimes/vendor.sh" &
pids=($!)
for suite in $(sed -n 's|^ARG BASE_IMAGE=labda/base:||p' "$runtimes"/*/Dockerfile | sort -u); do
    "$runtimes/build-base-image.sh" "$suite" &
    pids+=($!)
done
for pid in "${pids[@]}"; do
    wait "$pid" || { echo "labda: the runtime images' downloads failed (see above)"; exit 1; }
done

for dockerfile in "$runtimes"/*/Dockerfile; do
    runtime=$(basename "$(dirname "$dockerfile")")
    [ "$runtime" = base ] && continue
    suite=$(sed -n 's|^ARG BASE_IMAGE=labda/base:||p' "$dockerfile")
    # The classic builder: it needs no buildx plugin and no registry.
    if ! DOCKER_BUILDKIT=0 docker build -q -f "$dockerfile" -t "$prefix:$runtime" \
        --build-arg "BASE_IMAGE=$base_prefix:${suite:-bookworm}" \
        --build-arg "PYTHON_SDK_IMAGE=$vendor:python-sdk" \
        --build-arg "NODEJS_SDK_IMAGE=$vendor:nodejs-sdk" \
        --build-arg "NODE22_IMAGE=$vendor:node22" \
        "$runtimes" >/dev/null 2>"$root/var/build-$runtime.log"; then
        cat "$root/var/build-$runtime.log"
        exit 1
    fi
    echo "labda: runtime image $prefix:$runtime ready"
done
