"""Students' passwords: the temporary ones of login cards and resets, which
must be replaced at the first sign-in."""

from __future__ import annotations

import secrets

from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ..hashers import ALGORITHM as TEMPORARY_HASHER
from ..models import JOIN_CODE_ALPHABET, AccountState, Membership


def temporary_password() -> str:
    """Ten characters a student can read off a card: no 0/O, no 1/I."""
    chars = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def password_issue(*, user: User) -> str:
    """Give `user` a new temporary password (returned once, never stored in
    clear) that must be changed at the next sign-in; lifts a lockout."""
    password = temporary_password()
    with transaction.atomic():
        user.password = make_password(password, hasher=TEMPORARY_HASHER)
        user.save(update_fields=["password"])
        AccountState.objects.update_or_create(
            user=user, defaults={"must_change_password": True, "password_issued_at": timezone.now()}
        )
    axes_reset(username=user.username)
    return password


def cards_issue(*, memberships: list[Membership]) -> list[tuple[Membership, str]]:
    """A temporary password for each student of a login card sheet."""
    return [(m, password_issue(user=m.user)) for m in memberships]


def password_changed(*, user: User) -> None:
    AccountState.objects.filter(user=user).update(must_change_password=False)


def must_change_password(*, user: User) -> bool:
    return AccountState.objects.filter(user=user, must_change_password=True).exists()
