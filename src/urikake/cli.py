"""The ``urikake`` command: the project's ``manage.py``.

``urikake migrate``, ``urikake runserver``, ``urikake createsuperuser`` and every command of
ours (``urikake audit verify``, ``urikake worker``, ``urikake demo``…) go through here.
"""

from __future__ import annotations

import os
import sys

# Commands that work on files only — no database, models or app registry — and run without
# django.setup(): `urikake reconcile` on a million lines is timed end to end, and loading
# every app (≈ 1 s of CPU) was part of its serial start-up.
_FILE_COMMANDS = {"reconcile": "urikake.treasury.management.commands.reconcile"}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "urikake.settings")
    args = sys.argv[1:] if argv is None else argv
    module = _FILE_COMMANDS.get(args[0]) if args else None
    if module is not None:
        import importlib

        importlib.import_module(module).Command().run_from_argv(["urikake", *args])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["urikake", *args])


if __name__ == "__main__":
    main()
