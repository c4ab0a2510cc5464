"""Create the admin (instructor) user once.

With DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD set, those are
used (as `createsuperuser --noinput` does); otherwise the user is "admin" with
a generated password, printed once and kept in var/admin-password.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin user if it does not exist."

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        username = os.getenv("DJANGO_SUPERUSER_USERNAME", "admin")
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Admin user: {username} (exists)")
            return
        password = os.getenv("DJANGO_SUPERUSER_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email=os.getenv("DJANGO_SUPERUSER_EMAIL", ""), password=password)
        if generated:
            path = settings.BASE_DIR / "var" / "admin-password"
            path.write_text(password + "\n")
            path.chmod(0o600)
            self.stdout.write(self.style.SUCCESS(f"Created admin user {username!r} with password: {password}  (also in {path})"))
        else:
            self.stdout.write(self.style.SUCCESS(f"Created admin user {username!r}"))
