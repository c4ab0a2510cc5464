"""Unpacked function code on this worker host, one read-only folder per
package, named by its SHA-256. Any worker host fills its own cache from the
database, so no host has to share a disk with the web."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from django.conf import settings

from .package import extract_zip
from .spec import FunctionSpec


def code_dir(spec: FunctionSpec) -> Path:
    root = Path(settings.LABDA_CODE_DIR)
    dest = root / spec.code_sha256_hex
    if dest.is_dir():
        return dest
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    try:
        extract_zip(spec.load_code(), tmp)
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
