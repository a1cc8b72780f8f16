"""``python -m urikake`` is the same as the ``urikake`` command."""

from urikake.cli import main

main()
