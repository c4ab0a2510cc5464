"""Uploads and the Code tab: an oversized upload is refused from its
Content-Length before its body is read, a package is checked before it is
read whole, a bad archive is refused with its reason, and the Code tab edits
inline only up to 3 MB, offering the download beyond."""

from __future__ import annotations

import io
import os
import warnings
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from functions import forms, middleware
from functions.models import Function
from functions.services import functions as function_services
from invoker import package

pytestmark = pytest.mark.django_db

CODE = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}
MiB = 1024 * 1024


@pytest.fixture
def function(owner):
    return function_services.function_create(owner=owner, name="Uploaded", runtime="python3.11", files=CODE)


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body of an oversized upload was read")

    readline = read


def post_claiming(client, url: str, size: int):
    return client.generic(
        "POST",
        url,
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(size),
        **{"wsgi.input": Unreadable()},
    )


def test_an_oversized_upload_is_refused_by_its_content_length_without_reading_it(client, owner, function):
    client.force_login(owner)
    before = function.code_sha256
    response = post_claiming(client, reverse("functions:upload-zip", args=[function.pk]), 200 * MiB)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert middleware.err_too_large(200 * MiB) in page
    function.refresh_from_db()
    assert function.code_sha256 == before


def test_an_oversized_create_goes_back_to_the_upload_form_with_the_reason(client, owner):
    client.force_login(owner)
    response = post_claiming(client, reverse("functions:create"), 60 * MiB)
    assert response.status_code == 302 and "option=upload" in response["Location"]
    assert middleware.err_too_large(60 * MiB) in client.get(response["Location"]).content.decode()
    assert not Function.objects.exists()


def test_any_other_oversized_post_is_a_413(client, owner, function):
    client.force_login(owner)
    response = post_claiming(client, reverse("functions:deploy", args=[function.pk]), 100 * MiB)
    assert response.status_code == 413


def test_a_package_over_the_limit_is_refused_from_its_size(client, owner, function, monkeypatch):
    # Within the request limit (a 1 MiB margin for the form), over the package's.
    monkeypatch.setattr(package, "MAX_ZIPPED_BYTES", 2 * MiB)
    client.force_login(owner)
    data = os.urandom(2 * MiB + 100)
    response = client.post(
        reverse("functions:upload-zip", args=[function.pk]), {"zip_file": SimpleUploadedFile("big.zip", data)}, follow=True
    )
    assert forms.ERR_ZIP_SIZE.format(size=len(data), limit=2 * MiB) in response.content.decode()


def test_a_zip_with_a_duplicate_entry_is_refused_at_upload(client, owner, function):
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")
        archive.writestr("lambda_function.py", "def lambda_handler(e, c):\n    return 1\n")
        archive.writestr("lambda_function.py", "def lambda_handler(e, c):\n    return 2\n")
    client.force_login(owner)
    before = function.code_sha256
    response = client.post(
        reverse("functions:upload-zip", args=[function.pk]),
        {"zip_file": SimpleUploadedFile("dup.zip", buffer.getvalue())},
        follow=True,
    )
    assert "two entries named lambda_function.py" in response.content.decode()
    function.refresh_from_db()
    assert function.code_sha256 == before


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "entries",
    [
        # A small zip that expands past the limit (the 295 KB -> 246 MB, scaled down).
        {"lambda_function.py": b"def lambda_handler(e, c):\n    return 1\n", "data.txt": b"x" * (20 * MiB)},
        # A zip that is itself over the limit.
        {"lambda_function.py": b"def lambda_handler(e, c):\n    return 1\n", "blob.bin": os.urandom(3 * MiB + 10)},
    ],
)
def test_the_code_tab_offers_the_download_of_a_package_too_large_to_edit(client, owner, entries):
    function = function_services.function_create(owner=owner, name="Big", runtime="python3.11", zip_bytes=_zip(entries))
    client.force_login(owner)
    response = client.get(reverse("functions:detail", args=[function.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert len(body) < 200_000
    assert package.ERR_EDITOR in body
    assert reverse("functions:download-zip", args=[function.pk]) in body
    assert 'id="files-data"' not in body and 'id="deploy"' not in body


def test_the_code_tab_still_edits_a_small_package(client, owner, function):
    client.force_login(owner)
    body = client.get(reverse("functions:detail", args=[function.pk])).content.decode()
    assert 'id="files-data"' in body and 'id="deploy"' in body and package.ERR_EDITOR not in body
