"""Courses, their sections, memberships (a user's role in a course), the
accounts' first-sign-in flag, and the audit of instructors' views."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

# No 0/O and no 1/I: a code read aloud or copied from a projector is typed right.
JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class Course(models.Model):
    name = models.CharField(max_length=120)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # LTI 1.3 later: the platform's context id for this course.
    external_id = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    """A group of students in a course, with its join code."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(max_length=60)
    join_code = models.CharField(max_length=JOIN_CODE_LENGTH, unique=True, default=new_join_code)
    join_expires_at = models.DateTimeField(null=True, blank=True)
    join_max_uses = models.PositiveIntegerField(null=True, blank=True)
    join_uses = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["course", "name"], name="section_name_unique_in_course")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in a course. A student is in one section; a teaching
    assistant sees the students of their sections; an instructor all."""

    class Role(models.TextChoices):
        INSTRUCTOR = "instructor", "Instructor"
        TA = "ta", "Teaching assistant"
        STUDENT = "student", "Student"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    sections = models.ManyToManyField(Section, blank=True, related_name="memberships")
    # The school's student id (the roster's first column).
    student_id = models.CharField(max_length=64, blank=True)
    # LTI 1.3 later: the platform's user id (`sub`) and where it came from.
    external_id = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=16, default="console")  # console | roster | join | lti
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__username"]
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="one_membership_per_course")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.course}"


class AccountState(models.Model):
    """Per account: a temporary password (a login card, a reset) must be
    replaced at the first sign-in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_state")
    must_change_password = models.BooleanField(default=False)
    password_issued_at = models.DateTimeField(null=True, blank=True)


class ViewRecord(models.Model):
    """The audit: who opened whose work, where and when."""

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=500)
    viewed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-viewed_at"]
