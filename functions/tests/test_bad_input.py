"""Bad input from a form: named on the page, nothing changed, nothing lost."""

from __future__ import annotations

import pytest
from django.urls import reverse

from functions.models import Function
from functions.services import configuration
from functions.services import functions as function_services

pytestmark = pytest.mark.django_db

CODE = {"lambda_function.py": "def lambda_handler(event, context):\n    return 1\n"}


@pytest.fixture
def function(owner):
    return function_services.function_create(owner=owner, name="Configured", runtime="python3.11", files=CODE)


@pytest.mark.parametrize("section", ["environment", "tags"])
def test_a_nul_byte_in_a_value_is_refused_by_name_and_the_rows_are_kept(client, owner, function, section):
    client.force_login(owner)
    response = client.post(
        reverse("functions:configuration-save", args=[function.pk, section]),
        {"key": ["GREETING", "NAME"], "value": ["hello", "a\x00b"]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert configuration.ERR_NUL.format(key="NAME") in body
    assert 'value="GREETING"' in body and 'value="hello"' in body
    function.refresh_from_db()
    assert function.environment == {} and function.tags == {}


def test_a_nul_byte_in_a_key_is_refused(function):
    with pytest.raises(configuration.ServiceError):
        configuration.function_update_environment(function=function, keys=["A\x00"], values=["x"])
    with pytest.raises(configuration.ServiceError, match="NUL"):
        configuration.function_update_tags(function=function, keys=["A\x00"], values=["x"])


def test_bulk_delete_deletes_nothing_when_one_selected_function_is_not_the_users(client, owner, stranger, function):
    mine = function_services.function_create(owner=owner, name="Mine2", runtime="python3.11", files=CODE)
    theirs = function_services.function_create(owner=stranger, name="Theirs", runtime="python3.11", files=CODE)
    client.force_login(owner)
    # The stranger's id in the middle: the ones before it must not be deleted either.
    response = client.post(reverse("functions:delete-many"), {"function": [function.pk, theirs.pk, mine.pk], "confirm": "delete"})
    assert response.status_code == 404
    assert set(Function.objects.values_list("name", flat=True)) == {"Configured", "Mine2", "Theirs"}
    client.post(reverse("functions:delete-many"), {"function": [function.pk, mine.pk], "confirm": "delete"})
    assert set(Function.objects.values_list("name", flat=True)) == {"Theirs"}
