"""Write the demo's applicant sample files into src/urikake/system/samples/.

    .venv/bin/python scripts/make_samples.py            # for SHIPPED_DAY (the shipped copies)
    .venv/bin/python scripts/make_samples.py 2027-01-15 /tmp/samples

Deterministic: the same day gives byte-identical files (a test checks the shipped copies).
The pages serve fresh copies made for today at /samples/<name> (urikake.system.sample_files).
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "urikake.settings")

import django  # noqa: E402

django.setup()

from urikake.system import sample_files  # noqa: E402


def main(argv: list[str]) -> None:
    day = date.fromisoformat(argv[0]) if argv else sample_files.SHIPPED_DAY
    target = Path(argv[1]) if len(argv) > 1 else ROOT / "src/urikake/system/samples"
    target.mkdir(parents=True, exist_ok=True)
    for name in sample_files.APPLICANT_FILES:
        (target / name).write_bytes(sample_files.build(name, day))
        print(f"{target / name}  ({day.isoformat()})")


if __name__ == "__main__":
    main(sys.argv[1:])
