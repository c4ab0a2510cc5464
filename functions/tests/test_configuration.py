"""Configuration, versions and aliases: validation, and the pages that save them."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from functions.errors import ServiceError
from functions.forms import GeneralForm, first_error
from functions.models import Alias, ExecutionRole, Function, FunctionVersion
from functions.selectors import versions as version_selectors
from functions.services import configuration, versions
from functions.services import functions as function_services
from functions.services import invocations as invocation_services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("memory", "timeout", "storage", "message"),
    [
        (127, 3, 512, configuration.ERR_MEMORY),
        (10241, 3, 512, configuration.ERR_MEMORY),
        (128, 0, 512, configuration.ERR_TIMEOUT),
        (128, 901, 512, configuration.ERR_TIMEOUT),
        (128, 3, 511, configuration.ERR_EPHEMERAL),
        (128, 3, 10241, configuration.ERR_EPHEMERAL),
    ],
)
def test_general_limits_are_named_and_nothing_changes(function, memory, timeout, storage, message):
    before = (function.memory_size, function.timeout, function.revision_id)
    with pytest.raises(ServiceError) as error:
        configuration.function_update_general(
            function=function, description="", memory_size=memory, timeout=timeout, ephemeral_storage=storage
        )
    assert str(error.value) == message
    function.refresh_from_db()
    assert (function.memory_size, function.timeout, function.revision_id) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("memory_size", "lots", configuration.ERR_MEMORY),
        ("timeout_sec", "3s", configuration.ERR_TIMEOUT),
        ("ephemeral_storage", "", configuration.ERR_EPHEMERAL),
    ],
)
def test_the_general_form_names_the_limit_of_a_value_that_is_not_a_number(field, value, message):
    data = {"description": "", "memory_size": "128", "timeout_min": "0", "timeout_sec": "3", "ephemeral_storage": "512"}
    form = GeneralForm(data | {field: value})
    assert not form.is_valid()
    assert first_error(form) == message


def test_a_general_change_makes_a_new_revision(function):
    before = function.revision_id
    configuration.function_update_general(
        function=function, description="d", memory_size=1024, timeout=900, ephemeral_storage=10240
    )
    function.refresh_from_db()
    assert (function.memory_size, function.timeout, function.ephemeral_storage) == (1024, 900, 10240)
    assert function.revision_id != before


def test_reserved_environment_keys_are_refused(function):
    with pytest.raises(ServiceError, match="Reserved keys used in this request: AWS_REGION"):
        configuration.function_update_environment(function=function, keys=["AWS_REGION", "OK"], values=["x", "y"])
    function.refresh_from_db()
    assert function.environment == {}


def test_environment_is_limited_to_4_kb(function):
    with pytest.raises(ServiceError, match="exceeded the 4KB limit"):
        configuration.function_update_environment(function=function, keys=["BIG"], values=["x" * 4100])
    configuration.function_update_environment(function=function, keys=["A", "", "B"], values=["1", "", "2"])
    function.refresh_from_db()
    assert function.environment == {"A": "1", "B": "2"}


def test_environment_keys_must_be_names(function):
    with pytest.raises(ServiceError, match="must start with a letter"):
        configuration.function_update_environment(function=function, keys=["1BAD"], values=["x"])


def test_concurrency_accepts_zero_and_unreserved(function):
    configuration.function_put_concurrency(function=function, reserved=0)
    assert Function.objects.get(pk=function.pk).reserved_concurrency == 0
    configuration.function_put_concurrency(function=function, reserved=None)
    assert Function.objects.get(pk=function.pk).reserved_concurrency is None
    with pytest.raises(ServiceError, match="from 0 to"):
        configuration.function_put_concurrency(function=function, reserved=-1)


def test_policies_must_be_documents(function):
    with pytest.raises(ServiceError, match="line 1, column 2"):
        configuration.role_update_policies(role=function.role, policies_json="[x]")
    configuration.role_update_policies(role=function.role, policies_json='[{"name": "None", "document": {"Statement": []}}]')
    assert not ExecutionRole.objects.get(pk=function.role.pk).allows_logs


def test_publishing_snapshots_and_skips_when_unchanged(function):
    first, created = versions.version_publish(function=function)
    assert created and first.number == 1 and first.code_sha256 == function.code_sha256
    again, created = versions.version_publish(function=function)
    assert not created and again.number == 1
    function_services.function_update_code(
        function=function, files={"lambda_function.py": "def lambda_handler(e, c):\n    return 2\n"}
    )
    second, created = versions.version_publish(function=function)
    assert created and second.number == 2
    # The published copy never changes.
    assert FunctionVersion.objects.get(pk=first.pk).code_sha256 != second.code_sha256


def test_aliases_route_by_weight(function):
    versions.version_publish(function=function)
    function_services.function_update_code(
        function=function, files={"lambda_function.py": "def lambda_handler(e, c):\n    return 2\n"}
    )
    versions.version_publish(function=function)
    alias = versions.alias_create(function=function, name="prod", version="1", additional_version="2", weight_percent=25)
    rng = random.Random(7)
    picks = [version_selectors.resolve_qualifier(function, "prod", rng=rng)[0] for _ in range(2000)]
    assert 0.2 < picks.count("2") / len(picks) < 0.3
    assert version_selectors.resolve_qualifier(function, "1") == ("1", "")
    assert alias.additional_weight == 0.25


@pytest.mark.parametrize(
    ("name", "version", "message"), [("123", "1", versions.ERR_ALIAS_NAME), ("prod", "9", "Version 9 does not exist")]
)
def test_bad_aliases_are_refused(function, name, version, message):
    versions.version_publish(function=function)
    with pytest.raises(ServiceError, match=message):
        versions.alias_create(function=function, name=name, version=version)
    assert not Alias.objects.exists()


def test_an_unknown_qualifier_is_not_found(function):
    with pytest.raises(ServiceError, match="Function not found: .*:HelloWorld:nope"):
        invocation_services.invocation_create(function=function, payload="{}", qualifier="nope")


def test_the_configuration_page_saves_a_section_and_shows_errors(client, owner, function):
    client.force_login(owner)
    url = reverse("functions:configuration-save", args=[function.pk, "general"])
    bad = client.post(
        url,
        {"description": "", "memory_size": "64", "timeout_min": "0", "timeout_sec": "3", "ephemeral_storage": "512"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 400 and configuration.ERR_MEMORY in bad.content.decode()
    good = client.post(
        url,
        {"description": "new", "memory_size": "256", "timeout_min": "1", "timeout_sec": "30", "ephemeral_storage": "512"},
        headers={"HX-Request": "true"},
    )
    assert good.status_code == 200 and "Successfully updated" in good.content.decode()
    function.refresh_from_db()
    assert (function.memory_size, function.timeout, function.description) == (256, 90, "new")
    # The tab, opened again, shows the saved values.
    tab = client.get(reverse("functions:detail", args=[function.pk]), {"tab": "configuration"}).content.decode()
    assert 'id="id_memory_size" name="memory_size" value="256"' in tab
    assert 'name="timeout_min" aria-label="Timeout minutes" min="0" value="1"' in tab
    assert 'name="timeout_sec" aria-label="Timeout seconds" min="0" value="30"' in tab


# An element only that tab's content has (the Code tab has the Test tab's
# event editor too, so the Test tab is told apart by having no code editor).
TAB_CONTENT = {
    "code": 'id="code-source"',
    "test": 'id="event-editor"',
    "monitor": 'id="monitor"',
    "configuration": 'id="config-general"',
    "aliases": 'id="aliases-tab"',
    "versions": 'id="versions-tab"',
}


def test_every_tab_renders(client, owner, function):
    from functions.views.tabs import TABS

    assert set(TABS) == set(TAB_CONTENT)
    client.force_login(owner)
    for tab, label in ((tab, info[0]) for tab, info in TABS.items()):
        response = client.get(reverse("functions:detail", args=[function.pk]), {"tab": tab})
        assert response.status_code == 200, tab
        page = response.content.decode()
        assert page.count('aria-selected="true"') == 1, tab
        assert f'href="?tab={tab}" class="active" aria-selected="true">{label}</a>' in page, tab
        assert TAB_CONTENT[tab] in page, tab
        others = {other: marker for other, marker in TAB_CONTENT.items() if other not in (tab, "test")}
        assert not [other for other, marker in others.items() if marker in page], tab


def test_upload_refuses_a_bad_archive_and_keeps_the_code(client, owner, function):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(owner)
    before = function.code_sha256
    response = client.post(
        reverse("functions:upload-zip", args=[function.pk]),
        {"zip_file": SimpleUploadedFile("code.zip", b"not a zip")},
        follow=True,
    )
    assert "Could not unzip uploaded file" in response.content.decode()
    function.refresh_from_db()
    assert function.code_sha256 == before


def test_download_gives_the_package(client, owner, function):
    client.force_login(owner)
    response = client.get(reverse("functions:download-zip", args=[function.pk]))
    assert response["Content-Type"] == "application/zip" and response.content == bytes(function.code_zip)


def test_deleting_from_the_list_only_touches_own_functions(client, owner, function, their_function):
    theirs = their_function
    client.force_login(owner)
    assert client.post(reverse("functions:delete-many"), {"function": [theirs.pk], "confirm": "delete"}).status_code == 404
    assert Function.objects.filter(pk=theirs.pk).exists()
    client.post(reverse("functions:delete-many"), {"function": [function.pk], "confirm": "delete"})
    assert not Function.objects.filter(pk=function.pk).exists()


def test_another_users_configuration_urls_are_404(client, stranger, function):
    versions.version_publish(function=function)
    alias = versions.alias_create(function=function, name="live", version="1")
    client.force_login(stranger)
    urls = [
        reverse("functions:configuration-save", args=[function.pk, name])
        for name in ("general", "environment", "runtime", "concurrency", "tags", "permissions")
    ]
    urls += [
        reverse("functions:version-publish", args=[function.pk]),
        reverse("functions:alias-save", args=[function.pk]),
        reverse("functions:alias-delete", args=[function.pk, alias.pk]),
        reverse("functions:upload-zip", args=[function.pk]),
    ]
    for url in urls:
        assert client.post(url, {"memory_size": "512", "name": "x", "version": "1"}).status_code == 404, url
    assert client.get(reverse("functions:download-zip", args=[function.pk])).status_code == 404
    assert Alias.objects.filter(pk=alias.pk).exists() and FunctionVersion.objects.filter(function=function).count() == 1
