"""Unpacked function code on this worker host, one read-only folder per
package, named by its SHA-256; and the function's layers, merged in order into
one read-only folder per combination (mounted at /opt). Any worker host fills
its own cache from the database, so no host has to share a disk with the web."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from .package import extract_zip
from .spec import FunctionSpec


def _cached(dest: Path, fill: Callable[[Path], None]) -> Path:
    """dest, filled once by fill(tmp) in a temporary folder, then renamed."""
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".tmp-{uuid.uuid4().hex}"
    try:
        fill(tmp)
        tmp.chmod(0o755)
        try:
            tmp.rename(dest)
        except OSError:
            # Another thread unpacked the same package first.
            if not dest.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def code_dir(spec: FunctionSpec) -> Path:
    root = Path(settings.LABDA_CODE_DIR)
    return _cached(root / spec.code_sha256_hex, lambda tmp: extract_zip(spec.load_code(), tmp))


def layers_key(spec: FunctionSpec) -> str:
    return hashlib.sha256(":".join(layer.sha256_hex for layer in spec.layers).encode()).hexdigest()


def opt_dir(spec: FunctionSpec) -> Path | None:
    """The merged layers of the function (None without layers)."""
    if not spec.layers:
        return None

    def merge(tmp: Path) -> None:
        tmp.mkdir()
        for index, layer in enumerate(spec.layers):
            part = tmp.parent / f"{tmp.name}-{index}"
            try:
                extract_zip(layer.load(), part)
                shutil.copytree(part, tmp, dirs_exist_ok=True)
            finally:
                shutil.rmtree(part, ignore_errors=True)

    return _cached(Path(settings.LABDA_CODE_DIR) / "layers" / layers_key(spec), merge)
