"""Layers: versions from a .zip, a function's ordered list (checked as Lambda
checks it), versions that keep their own list, the engine's spec, and the
pages. The real runs are in test_layers_integration.py."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from functions.errors import ServiceError
from functions.limits import MAX_UNZIPPED_BYTES
from functions.models import FunctionLayer, Layer, LayerVersion
from functions.services import functions as function_services
from functions.services import layers as layer_services
from functions.services import versions
from functions.services.specs import function_spec

pytestmark = pytest.mark.django_db

CODE = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def publish(owner, name="libs", files=None, **kwargs) -> LayerVersion:
    data = zip_of(files or {"python/lib_" + name + ".py": "X = 1\n"})
    return layer_services.layer_version_publish(owner=owner, name=name, zip_bytes=data, **kwargs)


@pytest.fixture
def function(owner):
    return function_services.function_create(owner=owner, name="WithLayers", runtime="python3.11", files=CODE)


def test_each_publish_is_a_new_numbered_version(owner):
    first = publish(owner, description="first", compatible_runtimes=["python3.11", "python3.13"])
    second = publish(owner, files={"python/other.py": "Y = 2\n"})
    assert (first.number, second.number) == (1, 2) and first.layer == second.layer
    assert first.arn == "arn:aws:lambda:us-east-1:123456789012:layer:libs:1"
    assert first.compatible_runtimes == ["python3.11", "python3.13"]
    assert first.unzipped_size == len("X = 1\n") and first.code_size == len(first.content_zip)
    assert base64.b64decode(first.code_sha256) != base64.b64decode(second.code_sha256)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "bad name"}, "Layer name must be"),
        ({"compatible_runtimes": ["cobol"]}, "Unknown compatible runtime cobol"),
    ],
)
def test_a_bad_layer_is_refused(owner, kwargs, message):
    with pytest.raises(ServiceError, match=message):
        publish(owner, **kwargs)
    with pytest.raises(ServiceError, match="Could not unzip"):
        layer_services.layer_version_publish(owner=owner, name="broken", zip_bytes=b"not a zip")
    assert not LayerVersion.objects.exists()


def test_a_function_uses_up_to_five_layers_in_order(owner, function):
    layers = [publish(owner, name=f"l{i}") for i in range(6)]
    revision = function.revision_id
    layer_services.function_set_layers(function=function, layer_versions=layers[4::-1])
    function.refresh_from_db()
    assert function.revision_id != revision  # warm environments of the old list retire
    spec = function_spec(function)
    assert [layer.sha256_hex for layer in spec.layers] == [base64.b64decode(lv.code_sha256).hex() for lv in layers[4::-1]]
    assert spec.layers[0].load() == bytes(layers[4].content_zip)
    with pytest.raises(ServiceError, match="at most 5 layers"):
        layer_services.function_set_layers(function=function, layer_versions=layers)
    with pytest.raises(ServiceError, match="only once"):
        layer_services.function_set_layers(function=function, layer_versions=[layers[0], publish(owner, name="l0")])


def test_an_incompatible_layer_is_refused(owner, function):
    node_only = publish(owner, name="nodelib", compatible_runtimes=["nodejs22.x", "nodejs20.x"])
    with pytest.raises(ServiceError) as caught:
        layer_services.function_set_layers(function=function, layer_versions=[node_only])
    assert str(caught.value) == (
        "Layer version arn:aws:lambda:us-east-1:123456789012:layer:nodelib:1 is not compatible with the "
        "function's runtime python3.11 (compatible runtimes: nodejs22.x, nodejs20.x)."
    )
    assert not FunctionLayer.objects.exists()


def test_layers_count_toward_the_250_mb_unzipped_limit(owner, function):
    big = publish(owner, name="big")
    LayerVersion.objects.filter(pk=big.pk).update(unzipped_size=MAX_UNZIPPED_BYTES - 10)
    big.refresh_from_db()
    code = len(CODE["lambda_function.py"])
    with pytest.raises(ServiceError) as caught:
        layer_services.function_set_layers(function=function, layer_versions=[big])
    assert str(caught.value) == (
        "Function code combined with layers exceeds the maximum allowed size of 262,144,000 bytes (250 MB unzipped). "
        f"The actual size is {MAX_UNZIPPED_BYTES - 10 + code:,} bytes."
    )
    LayerVersion.objects.filter(pk=big.pk).update(unzipped_size=MAX_UNZIPPED_BYTES - 100)
    big.refresh_from_db()
    layer_services.function_set_layers(function=function, layer_versions=[big])
    # New code that would pass the limit with the layer is refused; the old code stays.
    with pytest.raises(ServiceError, match="combined with layers exceeds"):
        function_services.function_update_code(function=function, files={"lambda_function.py": "x" * 200})


def test_a_version_keeps_its_layers(owner, function):
    first, second = publish(owner, name="a"), publish(owner, name="b")
    layer_services.function_set_layers(function=function, layer_versions=[first])
    version, created = versions.version_publish(function=function)
    assert created
    # Nothing changed but the layers: publishing again makes a new version.
    layer_services.function_set_layers(function=function, layer_versions=[second])
    version2, created2 = versions.version_publish(function=function)
    assert created2 and version2.number == 2
    layer_services.function_set_layers(function=function, layer_versions=[])
    # Deleting a layer version in use hides it; the version still runs with it.
    layer_services.layer_version_delete(layer_version=first)
    first.refresh_from_db()
    assert first.deleted is True
    spec = function_spec(function, version="1")
    assert [layer.load() for layer in spec.layers] == [bytes(first.content_zip)]
    assert function_spec(function).layers == ()
    with pytest.raises(ServiceError, match="was deleted"):
        layer_services.function_set_layers(function=function, layer_versions=[first])
    # An unused version goes for good, and its layer with its last version.
    unused = publish(owner, name="unused")
    layer_services.layer_version_delete(layer_version=unused)
    assert not Layer.objects.filter(name="unused").exists()


def test_the_layers_page_creates_and_deletes_versions(client, owner, stranger):
    client.force_login(owner)
    upload = SimpleUploadedFile("layer.zip", zip_of({"python/req.py": "V = 1\n"}), content_type="application/zip")
    page = client.post(
        reverse("functions:layer-create"),
        {"name": "req-layer", "description": "HTTP", "compatible_runtimes": ["python3.13", "python3.11"], "zip_file": upload},
        follow=True,
    )
    assert "Successfully created layer req-layer version 1." in page.content.decode()
    assert "arn:aws:lambda:us-east-1:123456789012:layer:req-layer:1" in page.content.decode()
    version = LayerVersion.objects.get()
    assert version.compatible_runtimes == ["python3.13", "python3.11"]
    bad = client.post(reverse("functions:layer-create"), {"name": "x", "zip_file": SimpleUploadedFile("a.zip", b"nope")})
    assert bad.status_code == 400 and "Could not unzip uploaded file" in bad.content.decode()
    # Another user sees none of it and cannot delete it.
    client.force_login(stranger)
    assert "req-layer" not in client.get(reverse("functions:layer-list")).content.decode()
    assert client.post(reverse("functions:layer-version-delete", args=[version.pk])).status_code == 404
    client.force_login(owner)
    client.post(reverse("functions:layer-version-delete", args=[version.pk]))
    assert not LayerVersion.objects.exists()


def test_the_configuration_tab_sets_the_layers(client, owner, stranger, function):
    mine, other = publish(owner, name="mine"), publish(stranger, name="theirs")
    client.force_login(owner)
    url = reverse("functions:configuration-save", args=[function.pk, "layers"])
    saved = client.post(url, {"layer": [str(mine.pk), "", ""]})
    assert saved.status_code == 200 and "Successfully updated the function&#x27;s layers" in saved.content.decode()
    assert [link.layer_version for link in FunctionLayer.objects.filter(function=function)] == [mine]
    refused = client.post(url, {"layer": [str(other.pk)]})  # someone else's layer
    assert refused.status_code == 400 and "Choose layer versions from the list." in refused.content.decode()
    tab = client.get(reverse("functions:detail", args=[function.pk]) + "?tab=configuration").content.decode()
    assert 'id="config-layers"' in tab and "mine:1" in tab and "theirs" not in tab


def test_deleting_an_account_takes_its_layers_and_functions(owner, function):
    layer_services.function_set_layers(function=function, layer_versions=[publish(owner)])
    versions.version_publish(function=function)
    owner.delete()
    assert not LayerVersion.objects.exists() and not FunctionLayer.objects.exists()
