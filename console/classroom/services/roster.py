"""CSV roster import: `student_id, name, email, section`. A plan says what
would be created, changed or refused; applying it writes exactly that, so the
same file imported twice changes nothing the second time."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from functions.errors import ServiceError

from ..models import AccountState, Course, Membership
from .courses import section_create

Role = Membership.Role

MAX_ROWS = 1000
HEADER = ["student_id", "name", "email", "section"]
ERR_EMPTY = "The file has no students. Each line is: student_id, name, email, section."
ERR_TOO_MANY = f"A roster has at most {MAX_ROWS} students."
ERR_NOT_TEXT = "The file is not a UTF-8 text (CSV) file."
REFUSE_ID = "the student_id must be 1 to 150 letters, digits or @.+-_ (it becomes the username)"
REFUSE_COLUMNS = "a line has four columns: student_id, name, email, section"
REFUSE_EMAIL = "{email!r} is not an email address"
REFUSE_SECTION = "no section given (the course has several)"
REFUSE_SECTION_NAME = "a section name is at most 60 characters"
REFUSE_DUPLICATE = "the student_id {sid} is already on line {line}"
REFUSE_STAFF = "{sid} is an instructor or teaching assistant's account"
REFUSE_OTHER_ACCOUNT = "an account {sid} already exists with another email address"

CREATE, ADD, CHANGE, UNCHANGED, REFUSE = "create", "add", "change", "unchanged", "refuse"


@dataclass
class RosterRow:
    line: int
    student_id: str
    name: str
    email: str
    section: str
    action: str = CREATE
    notes: list[str] = field(default_factory=list)


@dataclass
class RosterPlan:
    rows: list[RosterRow]
    new_sections: list[str]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def summary(self) -> str:
        counts = [(CREATE, "to create"), (ADD, "to add"), (CHANGE, "to change"), (UNCHANGED, "unchanged"), (REFUSE, "refused")]
        return ", ".join(f"{self.count(action)} {label}" for action, label in counts) + "."

    @property
    def writes(self) -> int:
        return sum(1 for row in self.rows if row.action in (CREATE, ADD, CHANGE))


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.rpartition(" ")
    return (first, last) if first else (last, "")


def _read(text: str) -> list[tuple[int, list[str]]]:
    rows = [(n, [c.strip() for c in r]) for n, r in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), 1)]
    rows = [(n, r) for n, r in rows if any(r)]
    if rows and [c.lower() for c in rows[0][1]] == HEADER:
        rows = rows[1:]
    if not rows:
        raise ServiceError(ERR_EMPTY)
    if len(rows) > MAX_ROWS:
        raise ServiceError(ERR_TOO_MANY)
    return rows


def _check(row: RosterRow, course: Course, default_section: str) -> None:
    if not row.section:
        row.section = default_section
    try:
        UnicodeUsernameValidator()(row.student_id)
        if not row.student_id or len(row.student_id) > 150:
            raise ValidationError("")
    except ValidationError:
        row.notes.append(REFUSE_ID)
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            row.notes.append(REFUSE_EMAIL.format(email=row.email))
    if not row.section:
        row.notes.append(REFUSE_SECTION)
    elif len(row.section) > 60:
        row.notes.append(REFUSE_SECTION_NAME)


def _compare(row: RosterRow, user: User, membership: Membership | None) -> None:
    """What importing the row does to an existing account."""
    if user.is_staff or (membership is not None and membership.role != Role.STUDENT):
        row.action, row.notes = REFUSE, [REFUSE_STAFF.format(sid=row.student_id)]
        return
    if Membership.objects.filter(user=user).exclude(role=Role.STUDENT).exists():
        row.action, row.notes = REFUSE, [REFUSE_STAFF.format(sid=row.student_id)]
        return
    if membership is None:
        # An account of another course joins this one only when it is the same person.
        if not row.email or row.email.lower() != user.email.lower():
            row.action, row.notes = REFUSE, [REFUSE_OTHER_ACCOUNT.format(sid=row.student_id)]
        else:
            row.action, row.notes = ADD, ["existing account, added to the course"]
        return
    changes = []
    if row.name and row.name != user.get_full_name():
        changes.append(f"name: {user.get_full_name()} → {row.name}")
    if row.email and row.email.lower() != user.email.lower():
        changes.append(f"email: {user.email or '(none)'} → {row.email}")
    current = ", ".join(s.name for s in membership.sections.all())
    if row.section != current:
        changes.append(f"section: {current or '(none)'} → {row.section}")
    row.action, row.notes = (CHANGE, changes) if changes else (UNCHANGED, [])


def roster_plan(*, course: Course, text: str) -> RosterPlan:
    """What importing `text` would do; nothing is written."""
    sections = list(course.sections.values_list("name", flat=True))
    default_section = sections[0] if len(sections) == 1 else ""
    seen: dict[str, int] = {}
    rows = []
    for line, cells in _read(text):
        if len(cells) != 4:
            rows.append(RosterRow(line, cells[0] if cells else "", "", "", "", REFUSE, [REFUSE_COLUMNS]))
            continue
        row = RosterRow(line, cells[0], " ".join(cells[1].split()), cells[2], cells[3])
        _check(row, course, default_section)
        if row.student_id in seen:
            row.notes.append(REFUSE_DUPLICATE.format(sid=row.student_id, line=seen[row.student_id]))
        seen.setdefault(row.student_id, line)
        if row.notes:
            row.action = REFUSE
        else:
            user = User.objects.filter(username=row.student_id).first()
            if user is not None:
                _compare(row, user, Membership.objects.filter(course=course, user=user).first())
        rows.append(row)
    new_sections = sorted({r.section for r in rows if r.action != REFUSE and r.section not in sections})
    for row in rows:
        if row.section in new_sections:
            row.notes.append(f"new section {row.section}")
    return RosterPlan(rows=rows, new_sections=new_sections)


def roster_apply(*, course: Course, text: str) -> RosterPlan:
    """Write what the plan of `text` says (planned again, inside the transaction)."""
    with transaction.atomic():
        plan = roster_plan(course=course, text=text)
        sections = {s.name: s for s in course.sections.all()}
        for name in plan.new_sections:
            sections[name] = section_create(course=course, name=name)
        for row in plan.rows:
            if row.action not in (CREATE, ADD, CHANGE):
                continue
            first, last = _split_name(row.name)
            if row.action == CREATE:
                user = User(username=row.student_id, email=row.email, first_name=first, last_name=last)
                # No password until the login cards are printed.
                user.set_unusable_password()
                user.save()
                AccountState.objects.create(user=user, must_change_password=True)
            else:
                user = User.objects.get(username=row.student_id)
                if row.name:
                    user.first_name, user.last_name = first, last
                if row.email:
                    user.email = row.email
                user.save(update_fields=["first_name", "last_name", "email"])
            membership, _ = Membership.objects.get_or_create(
                course=course, user=user, defaults={"role": Role.STUDENT, "source": "roster", "student_id": row.student_id}
            )
            membership.sections.set([sections[row.section]])
    return plan
