"""Deployment packages (.zip): checked before anything is stored, unpacked safely.

A package is refused whole, with a message that says why, when it is not a
zip, when an entry would land outside the function's folder, is a symlink, or
when it is too large once unpacked or has too many entries. The unpacked size
is counted from the bytes actually decompressed, not from the headers.
"""

from __future__ import annotations

import base64
import hashlib
import io
import stat
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

MAX_ZIPPED_BYTES = 50 * 1024 * 1024  # Lambda: 50 MB zipped
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024  # Lambda: 250 MB unzipped
MAX_ENTRIES = 10_000
MAX_EDITOR_FILE_BYTES = 512 * 1024  # Lambda's console editor limit per file


class CodePackageError(ValueError):
    pass


def _check_name(name: str) -> str:
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise CodePackageError(f"The .zip file has an entry that escapes the function folder: {name}")
    parts = PurePosixPath(name).parts
    if ".." in parts:
        raise CodePackageError(f"The .zip file has an entry that escapes the function folder: {name}")
    return name


def _entries(data: bytes) -> list[zipfile.ZipInfo]:
    if len(data) > MAX_ZIPPED_BYTES:
        raise CodePackageError(f"The .zip file is {len(data):,} bytes; the limit is {MAX_ZIPPED_BYTES:,} bytes (50 MB).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        raise CodePackageError("Could not unzip uploaded file. Please check your file, then try to upload again.") from None
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise CodePackageError(f"The .zip file has {len(infos):,} entries; the limit is {MAX_ENTRIES:,}.")
    for info in infos:
        _check_name(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise CodePackageError(f"The .zip file has a symbolic link, which is not allowed: {info.filename}")
        if info.flag_bits & 0x1:
            raise CodePackageError(f"The .zip file has an encrypted entry: {info.filename}")
    return infos


def _read_all(data: bytes, infos: list[zipfile.ZipInfo]) -> Iterator[tuple[zipfile.ZipInfo, bytes]]:
    """Yield (info, bytes) for each file, counting real decompressed bytes."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    total = 0
    for info in infos:
        if info.is_dir():
            yield info, b""
            continue
        chunks = []
        try:
            with archive.open(info) as member:
                while chunk := member.read(1024 * 1024):
                    total += len(chunk)
                    if total > MAX_UNZIPPED_BYTES:
                        raise CodePackageError(
                            f"The unzipped package is larger than {MAX_UNZIPPED_BYTES:,} bytes (250 MB), the limit."
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise CodePackageError(f"The .zip file is damaged ({info.filename}: {exc}).") from None
        yield info, b"".join(chunks)


def validate_zip(data: bytes) -> int:
    """Check a package; return its unpacked size in bytes."""
    infos = _entries(data)
    return sum(len(content) for _, content in _read_all(data, infos))


def extract_zip(data: bytes, dest: Path) -> None:
    """Unpack into a new folder. Files are readable by the sandbox user and
    keep an executable bit (a custom runtime's bootstrap needs it)."""
    infos = _entries(data)
    dest.mkdir(parents=True)
    for info, content in _read_all(data, infos):
        target = dest.joinpath(*PurePosixPath(info.filename).parts)
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            target.chmod(0o755)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        for parent in target.relative_to(dest).parents:
            (dest / parent).chmod(0o755)
        with open(target, "xb") as out:
            out.write(content)
        executable = (info.external_attr >> 16) & 0o111
        target.chmod(0o755 if executable else 0o644)


def build_zip(files: dict[str, str | bytes], executable: frozenset[str] = frozenset()) -> bytes:
    """A package from {path: content}, with stable timestamps so the same
    files give the same CodeSha256."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            _check_name(name)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if name in executable or name == "bootstrap" else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            content = files[name]
            archive.writestr(info, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def read_text_files(data: bytes) -> dict[str, str | None]:
    """{path: text} for the code editor; None for files it cannot show
    (binary or over the editor's size limit)."""
    infos = _entries(data)
    files: dict[str, str | None] = {}
    for info, content in _read_all(data, infos):
        if info.is_dir():
            continue
        if len(content) > MAX_EDITOR_FILE_BYTES:
            files[info.filename] = None
            continue
        try:
            files[info.filename] = content.decode("utf-8")
        except UnicodeDecodeError:
            files[info.filename] = None
    return files


def code_sha256(data: bytes) -> str:
    """Lambda's CodeSha256: base64 of the SHA-256 of the package."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
