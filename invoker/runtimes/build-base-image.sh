#!/usr/bin/env bash
# Makes a base image the runtime images are built FROM:
#   build-base-image.sh [SUITE]      (bookworm by default; trixie for the newer runtimes)
#
# Where a registry is reachable, LABDA_BASE_FROM=debian builds it from the
# official debian:SUITE-slim image with base/Dockerfile. The lab machines reach
# no registry, so by default the base is made locally: debootstrap a minimal
# Debian SUITE (the same packages), then `docker import`. The root filesystem
# tarball is cached, so a second run (or a fresh Docker engine) does not
# debootstrap again.
set -euo pipefail
suite=${1:-bookworm}
prefix=${LABDA_BASE_PREFIX:-labda/base}
tag=$prefix:$suite
here=$(cd "$(dirname "$0")" && pwd)

if docker image inspect "$tag" >/dev/null 2>&1; then
    exit 0
fi
if [ -n "${LABDA_BASE_FROM:-}" ]; then
    # Accepts "debian" or the older "debian:bookworm-slim" form.
    docker build --build-arg "DEBIAN_IMAGE=${LABDA_BASE_FROM%%:*}:$suite-slim" -t "$tag" "$here/base"
    exit 0
fi

cache=${LABDA_CACHE_DIR:-${HOME:-/root}/.cache/labda}
tarball=$cache/base-$suite.tar
mirror=${LABDA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=$(tr '\n' ',' < "$here/base/packages.txt" | sed 's/,$//')

if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
    }
    mkdir -p "$cache"
    root=$(mktemp -d "$cache/rootfs.XXXXXX")
    trap 'rm -rf "$root"' EXIT
    echo "labda: debootstrapping the runtime base ($suite: $packages)..."
    debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >"$cache/debootstrap-$suite.log" 2>&1 \
        || { tail -20 "$cache/debootstrap-$suite.log"; exit 1; }
    # The sandbox user, as on Lambda (sbx_user1051, uid 993).
    echo 'sbx_user1051:x:993:990::/tmp:/usr/sbin/nologin' >>"$root/etc/passwd"
    echo 'sbx_user1051:x:990:' >>"$root/etc/group"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
        "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/locale
    tar -C "$root" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
fi
docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    "$tarball" "$tag" >/dev/null
echo "labda: base image $tag ready"
