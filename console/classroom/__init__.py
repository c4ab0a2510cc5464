"""The classroom: courses, sections, memberships (roles), join codes, roster
import, login cards, and read-only audited views of students' work."""
