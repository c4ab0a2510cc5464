"""Load (or refresh) the blueprints in functions/blueprints/ into the database."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from functions.models import Blueprint

BLUEPRINTS_DIR = Path(__file__).resolve().parents[2] / "blueprints"


class Command(BaseCommand):
    help = "Load the blueprints from functions/blueprints/ (idempotent)."

    def handle(self, *args, **options) -> None:
        names = []
        for folder in sorted(p for p in BLUEPRINTS_DIR.iterdir() if (p / "blueprint.json").exists()):
            meta = json.loads((folder / "blueprint.json").read_text())
            files = {
                str(path.relative_to(folder)): path.read_text()
                for path in sorted(folder.rglob("*"))
                if path.is_file() and path.name != "blueprint.json"
            }
            Blueprint.objects.update_or_create(
                name=folder.name,
                defaults={
                    "title": meta["title"],
                    "description": meta["description"],
                    "runtime": meta["runtime"],
                    "handler": meta["handler"],
                    "files": files,
                    "tags": meta.get("tags", []),
                    "test_event_template": meta.get("test_event_template", "hello-world"),
                },
            )
            names.append(folder.name)
        Blueprint.objects.exclude(name__in=names).delete()
        self.stdout.write(f"Loaded {len(names)} blueprints.")
