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


def _quietly_zip_of(entries):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name
        return zip_of(entries)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("x.py", b"1"), ("x.py", b"2")], "two entries named x.py"),
        ([("lib/x.py", b"1"), ("lib//x.py", b"2")], "two entries named lib//x.py"),
        ([("x", b"1"), ("x/y", b"2")], "x both as a file and as a folder"),
        ([("a/b/c.py", b"1"), ("a/b", b"2")], "a/b both as a file and as a folder"),
        ([("x", b"1"), ("x/", b"")], "x both as a file and as a folder"),
        ([(".", b"x")], "a file with no name"),
        ([("a" * 300, b"x")], "name is too long"),
    ],
)
def test_it_refuses_entries_that_cannot_share_one_folder(entries, message, tmp_path):
    data = _quietly_zip_of(entries)
    with pytest.raises(CodePackageError, match=message):
        package.validate_zip(data)
    with pytest.raises(CodePackageError, match=message):
        package.extract_zip(data, tmp_path / "code")
    assert not (tmp_path / "code").exists()


def test_validation_reads_a_large_entry_without_holding_it(monkeypatch):
    import tracemalloc

    data = zip_of([("zeros.bin", b"\0" * (40 * 1024 * 1024))])
    tracemalloc.start()
    try:
        assert package.validate_zip(data) == 40 * 1024 * 1024
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


def test_a_package_that_cannot_be_unpacked_fails_to_start_without_showing_a_host_path(settings, request):
    import tempfile
    from pathlib import Path

    from django.conf import settings as django_settings

    from invoker.environment import EnvironmentStartError, ExecutionEnvironment
    from invoker.package import sha256_hex
    from invoker.spec import FunctionSpec

    # A short folder: the Runtime API socket's path must fit AF_UNIX's 108 bytes.
    tmp_path = Path(tempfile.mkdtemp(prefix="lt"))
    request.addfinalizer(lambda: __import__("shutil").rmtree(tmp_path, ignore_errors=True))
    settings.LABDA_CODE_DIR = tmp_path / "code"
    settings.LABDA_RUN_DIR = tmp_path / "run"
    data = _quietly_zip_of([("lambda_function.py", b"1"), ("lambda_function.py", b"2")])
    spec = FunctionSpec(
        function_uid="u1",
        revision_id="r1",
        name="Fn",
        version="$LATEST",
        runtime="python3.11",
        handler="lambda_function.lambda_handler",
        memory_size=128,
        timeout=3,
        ephemeral_storage=512,
        environment={},
        code_sha256_hex=sha256_hex(data),
        load_code=lambda: data,
    )
    with pytest.raises(EnvironmentStartError) as caught:
        ExecutionEnvironment(spec, worker="w").start()
    message = str(caught.value)
    assert "two entries named lambda_function.py" in message
    assert str(tmp_path) not in message and str(django_settings.BASE_DIR) not in message
