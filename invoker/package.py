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
# Lambda's console edits a package inline only up to 3 MB; beyond, it offers
# the download. Here the limit holds for the unzipped size too.
MAX_EDITOR_PACKAGE_BYTES = 3 * 1024 * 1024


class CodePackageError(ValueError):
    pass


MAX_NAME_BYTES = 255  # one path component (Linux NAME_MAX)
MAX_PATH_BYTES = 1024


def _check_name(name: str) -> str:
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise CodePackageError(f"The .zip file has an entry that escapes the function folder: {name}")
    parts = PurePosixPath(name).parts
    if ".." in parts:
        raise CodePackageError(f"The .zip file has an entry that escapes the function folder: {name}")
    if len(name.encode()) > MAX_PATH_BYTES or any(len(part.encode()) > MAX_NAME_BYTES for part in parts):
        raise CodePackageError(f"The .zip file has an entry whose name is too long: {name[:80]}...")
    return name


def _check_layout(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse what could not be unpacked into one folder: two files with the
    same path, a file that is also a folder (x and x/y), a file with no name."""
    files: dict[tuple[str, ...], str] = {}
    folders: dict[tuple[str, ...], str] = {}
    for info in infos:
        parts = PurePosixPath(info.filename).parts
        if not info.is_dir():
            if not parts:
                raise CodePackageError(f"The .zip file has a file with no name: {info.filename!r}")
            if parts in files:
                raise CodePackageError(f"The .zip file has two entries named {info.filename}.")
            files[parts] = info.filename
        for depth in range(1, len(parts) if not info.is_dir() else len(parts) + 1):
            folders.setdefault(parts[:depth], info.filename)
    for parts, name in files.items():
        if parts in folders:
            raise CodePackageError(
                f"The .zip file has {name} both as a file and as a folder (of {folders[parts]}); a path can be only one."
            )


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
    _check_layout(infos)
    return infos


ERR_UNZIPPED = f"The unzipped package is larger than {MAX_UNZIPPED_BYTES:,} bytes (250 MB), the limit."


def _chunks(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, counted: list[int], limit: int, too_large: CodePackageError
) -> Iterator[bytes]:
    """The decompressed bytes of one entry, 1 MB at a time. counted[0] sums
    the real bytes of every entry so far (headers can lie); past `limit`,
    raise `too_large`."""
    try:
        with archive.open(info) as member:
            while chunk := member.read(1024 * 1024):
                counted[0] += len(chunk)
                if counted[0] > limit:
                    raise too_large
                yield chunk
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise CodePackageError(f"The .zip file is damaged ({info.filename}: {exc}).") from None


def validate_zip(data: bytes) -> int:
    """Check a package; return its unpacked size in bytes. Nothing is kept in
    memory but one chunk at a time."""
    infos = _entries(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    counted = [0]
    for info in infos:
        if not info.is_dir():
            for _ in _chunks(archive, info, counted, MAX_UNZIPPED_BYTES, CodePackageError(ERR_UNZIPPED)):
                pass
    return counted[0]


def extract_zip(data: bytes, dest: Path) -> None:
    """Unpack into a new folder. Files are readable by the sandbox user and
    keep an executable bit (a custom runtime's bootstrap needs it)."""
    infos = _entries(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    counted = [0]
    dest.mkdir(parents=True)
    for info in infos:
        target = dest.joinpath(*PurePosixPath(info.filename).parts)
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            target.chmod(0o755)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        for parent in target.relative_to(dest).parents:
            (dest / parent).chmod(0o755)
        with open(target, "xb") as out:
            for chunk in _chunks(archive, info, counted, MAX_UNZIPPED_BYTES, CodePackageError(ERR_UNZIPPED)):
                out.write(chunk)
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


class TooLargeForEditor(CodePackageError):
    """The package is too large to edit inline (it can still be downloaded,
    uploaded and invoked)."""


ERR_EDITOR = (
    "The deployment package of this function is too large to enable inline code editing "
    f"(the limit is {MAX_EDITOR_PACKAGE_BYTES // (1024 * 1024)} MB, zipped or unzipped). "
    "You can still invoke it, download the .zip and upload a new one."
)


def read_text_files(data: bytes) -> dict[str, str | None]:
    """{path: text} for the code editor; None for files it cannot show
    (binary or over the editor's per-file limit). TooLargeForEditor when the
    package, zipped or unzipped, is over MAX_EDITOR_PACKAGE_BYTES: reading
    stops there, so a small zip of a huge file never becomes a huge page."""
    if len(data) > MAX_EDITOR_PACKAGE_BYTES:
        raise TooLargeForEditor(ERR_EDITOR)
    infos = _entries(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    counted = [0]
    files: dict[str, str | None] = {}
    for info in infos:
        if info.is_dir():
            continue
        content = b"".join(_chunks(archive, info, counted, MAX_EDITOR_PACKAGE_BYTES, TooLargeForEditor(ERR_EDITOR)))
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
