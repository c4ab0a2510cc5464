"""The hasher of temporary passwords (login cards, resets).

They are random (50 bits: ten characters of 32) and replaced at the first
sign-in, so 10,000 PBKDF2 rounds (the default has a million, which makes a
sheet of 30 cards take half a minute or more) still leave about 10^19 hashes
to guess one offline. Signing in with one re-hashes it with the default."""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher

ALGORITHM = "labda_temporary_pbkdf2_sha256"


class TemporaryPasswordHasher(PBKDF2PasswordHasher):
    algorithm = ALGORITHM
    iterations = 10_000
