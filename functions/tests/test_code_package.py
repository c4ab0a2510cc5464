"""Deployment packages: bad archives are refused with a clear message."""

from __future__ import annotations

import io
import stat
import time
import zipfile

import pytest

from invoker import package
from invoker.package import CodePackageError


def zip_of(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def test_it_refuses_what_is_not_a_zip():
    with pytest.raises(CodePackageError, match="Could not unzip uploaded file"):
        package.validate_zip(b"just some text")


@pytest.mark.parametrize("name", ["../evil.py", "/abs.py", "a/../../evil.py", "C:\\x.py"])
def test_it_refuses_entries_that_escape_the_folder(name):
    with pytest.raises(CodePackageError, match="escapes the function folder"):
        package.validate_zip(zip_of([(name, b"x")]))


def test_it_refuses_symlinks():
    info = zipfile.ZipInfo("link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(CodePackageError, match="symbolic link"):
        package.validate_zip(zip_of([(info, b"/etc/passwd")]))


def test_it_counts_the_real_unpacked_size(monkeypatch):
    monkeypatch.setattr(package, "MAX_UNZIPPED_BYTES", 1024 * 1024)
    bomb = zip_of([("zeros.bin", b"\0" * (2 * 1024 * 1024))])
    assert len(bomb) < 10_000
    with pytest.raises(CodePackageError, match="larger than"):
        package.validate_zip(bomb)


def test_it_refuses_too_many_entries(monkeypatch):
    monkeypatch.setattr(package, "MAX_ENTRIES", 5)
    with pytest.raises(CodePackageError, match="6 entries; the limit is 5"):
        package.validate_zip(zip_of([(f"f{i}.py", b"") for i in range(6)]))


def test_the_same_files_give_the_same_sha():
    files = {"b.py": "2", "a.py": "1"}
    # Listed in another order, at another time: the same package.
    in_other_order = dict(reversed(files.items()))
    assert list(in_other_order) != list(files)
    sha = package.code_sha256(package.build_zip(files))
    time.sleep(2.1)  # a zip entry's time has a resolution of 2 s
    assert package.code_sha256(package.build_zip(in_other_order)) == sha
    assert package.code_sha256(package.build_zip({"b.py": "2", "a.py": "1 "})) != sha


def test_it_unpacks_with_a_runnable_bootstrap(tmp_path):
    data = package.build_zip({"bootstrap": "#!/bin/sh\n", "lib/util.py": "x = 1\n"})
    package.extract_zip(data, tmp_path / "code")
    assert (tmp_path / "code" / "bootstrap").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "code" / "lib" / "util.py").read_text() == "x = 1\n"
    assert (tmp_path / "code" / "lib").stat().st_mode & 0o777 == 0o755
