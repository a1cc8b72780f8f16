from __future__ import annotations

import pytest

from urikake.domain.email_address import normalise_email


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Hanako@Example.COM", "hanako@example.com"),
        ("  hanako@example.com\n", "hanako@example.com"),
        ("ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "hanako@example.com"),  # full-width
        ("", ""),
        (None, ""),
    ],
)
def test_one_spelling_per_address(typed: str | None, stored: str) -> None:
    assert normalise_email(typed) == stored
