"""The ``urikake`` command: the project's ``manage.py``.

``urikake migrate``, ``urikake runserver``, ``urikake createsuperuser`` and every command of
ours (``urikake audit verify``, ``urikake worker``, ``urikake demo``…) go through here.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "urikake.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["urikake", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
