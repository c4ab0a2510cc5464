"""Courses, sections, join codes, joining and teaching assistants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from functions.errors import ServiceError

from ..models import Course, Membership, Section, new_join_code

Role = Membership.Role

ERR_COURSE_NAME = "Give the course a name (at most 120 characters)."
ERR_SECTION_NAME = "A section name is 1 to 60 characters long; {name!r} is not."
ERR_NOT_STAFF = "Only staff accounts can create courses."
ERR_CODE_INVALID = (
    "The join code {code} is not valid: it may have been replaced by a new one. Ask your instructor for the current code."
)
ERR_CODE_EXPIRED = "The join code {code} expired on {when}. Ask your instructor for a new one."
ERR_CODE_FULL = "The join code {code} has been used the maximum number of times ({uses}). Ask your instructor for a new one."
ERR_ALREADY_MEMBER = "You are already in {course}."
ERR_STAFF_JOIN = "Staff accounts cannot join a course as a student."
ERR_MAX_USES = "The maximum number of uses is a whole number from 1 to 10000, or empty for no limit."
ERR_EXPIRY_PAST = "The expiry must be in the future."
ERR_NO_USER = "There is no account named {username}."
ERR_TA_IS_STUDENT = "{username} is a student of this course; a teaching assistant cannot be one."


def _section_names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()] or ["A"]
    for name in names:
        if len(name) > 60:
            raise ServiceError(ERR_SECTION_NAME.format(name=name))
    return list(dict.fromkeys(names))


def section_create(*, course: Course, name: str) -> Section:
    """A new section with a fresh join code (retried on the rare collision)."""
    name = name.strip()
    if not name or len(name) > 60:
        raise ServiceError(ERR_SECTION_NAME.format(name=name))
    for _ in range(5):
        try:
            with transaction.atomic():
                return Section.objects.create(course=course, name=name, join_code=new_join_code())
        except IntegrityError:
            if course.sections.filter(name=name).exists():
                return course.sections.get(name=name)
    raise ServiceError("Could not make a unique join code; try again.")


def course_create(*, creator: User, name: str, sections: str = "") -> Course:
    """A course with its sections; the creator is its instructor."""
    if not creator.is_staff:
        raise ServiceError(ERR_NOT_STAFF)
    name = name.strip()
    if not name or len(name) > 120:
        raise ServiceError(ERR_COURSE_NAME)
    section_names = _section_names(sections)
    with transaction.atomic():
        course = Course.objects.create(name=name, created_by=creator)
        Membership.objects.create(course=course, user=creator, role=Role.INSTRUCTOR)
        for section_name in section_names:
            section_create(course=course, name=section_name)
    return course


def section_code_rotate(*, section: Section) -> Section:
    """A new join code: the old one stops working at once."""
    for _ in range(5):
        try:
            with transaction.atomic():
                section.join_code = new_join_code()
                section.join_uses = 0
                section.save(update_fields=["join_code", "join_uses"])
                return section
        except IntegrityError:
            continue
    raise ServiceError("Could not make a unique join code; try again.")


def section_code_configure(*, section: Section, expires_at: datetime | None, max_uses: int | None) -> Section:
    if max_uses is not None and not 1 <= max_uses <= 10000:
        raise ServiceError(ERR_MAX_USES)
    if expires_at is not None and expires_at <= timezone.now():
        raise ServiceError(ERR_EXPIRY_PAST)
    section.join_expires_at = expires_at
    section.join_max_uses = max_uses
    section.save(update_fields=["join_expires_at", "join_max_uses"])
    return section


def join_check(*, section: Section | None, code: str) -> Section:
    """The section a join code leads to, or the reason it does not."""
    code = code.strip().upper()
    if section is None:
        raise ServiceError(ERR_CODE_INVALID.format(code=code))
    if section.join_expires_at is not None and section.join_expires_at <= timezone.now():
        when = timezone.localtime(section.join_expires_at).strftime("%Y-%m-%d %H:%M %Z")
        raise ServiceError(ERR_CODE_EXPIRED.format(code=code, when=when))
    if section.join_max_uses is not None and section.join_uses >= section.join_max_uses:
        raise ServiceError(ERR_CODE_FULL.format(code=code, uses=section.join_max_uses))
    return section


def course_join(*, user: User, code: str) -> Membership:
    """Join the section of a join code as a student; one use of the code."""
    with transaction.atomic():
        section = Section.objects.select_for_update().select_related("course").filter(join_code=code.strip().upper()).first()
        join_check(section=section, code=code)
        assert section is not None
        if user.is_staff:
            raise ServiceError(ERR_STAFF_JOIN)
        if Membership.objects.filter(course=section.course, user=user).exists():
            raise ServiceError(ERR_ALREADY_MEMBER.format(course=section.course.name))
        # Counted in the database, so two students joining at once count twice.
        updated = Section.objects.filter(pk=section.pk, join_code=section.join_code)
        if section.join_max_uses is not None:
            updated = updated.filter(join_uses__lt=section.join_max_uses)
        if updated.update(join_uses=F("join_uses") + 1) != 1:
            raise ServiceError(ERR_CODE_FULL.format(code=section.join_code, uses=section.join_max_uses))
        membership = Membership.objects.create(course=section.course, user=user, role=Role.STUDENT, source="join")
        membership.sections.add(section)
    return membership


def ta_add(*, course: Course, username: str, sections: Any) -> Membership:
    """Make an existing account a teaching assistant of some sections."""
    user = User.objects.filter(username=username.strip()).first()
    if user is None:
        raise ServiceError(ERR_NO_USER.format(username=username.strip()))
    with transaction.atomic():
        membership, _ = Membership.objects.get_or_create(course=course, user=user, defaults={"role": Role.TA})
        if membership.role == Role.STUDENT:
            raise ServiceError(ERR_TA_IS_STUDENT.format(username=user.username))
        if membership.role == Role.TA:
            membership.sections.set(sections)
    return membership
