"""Webhook signatures: HMAC-SHA256 over ``f"{timestamp}." + body``, checked in constant time."""

from __future__ import annotations

import pytest

from urikake.integrations.ekyc import signing

SECRET = "whsec_test"
BODY = b'{"a":1}'
TS = 1_700_000_000
# Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
KNOWN = "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"


def verify(ts: str | None, sig: str | None, body: bytes = BODY, now: int = TS) -> int:
    return signing.verify(SECRET, ts, sig, body, now=now, tolerance=300)


def test_sign_matches_an_independent_computation() -> None:
    assert signing.sign(SECRET, TS, BODY) == KNOWN
    assert signing.signature_header(SECRET, TS, BODY) == f"v1={KNOWN}"
    assert signing.signed_headers(SECRET, TS, BODY) == {
        "X-Ekyc-Timestamp": str(TS),
        "X-Ekyc-Signature": f"v1={KNOWN}",
    }


def test_a_correct_call_verifies() -> None:
    assert verify(str(TS), f"v1={KNOWN}") == TS


@pytest.mark.parametrize(
    ("ts", "sig", "body", "error"),
    [
        (str(TS), "v1=" + "0" * 64, BODY, signing.BadSignature),
        (str(TS), f"v1={KNOWN}", b'{"a":2}', signing.BadSignature),  # body changed
        (str(TS + 1), f"v1={KNOWN}", BODY, signing.BadSignature),  # timestamp changed
        (str(TS), f"v1={KNOWN.upper()}", BODY, signing.BadSignature),
        (None, f"v1={KNOWN}", BODY, signing.MissingHeader),
        (str(TS), None, BODY, signing.MissingHeader),
        (str(TS), "", BODY, signing.MissingHeader),
        ("17e8", f"v1={KNOWN}", BODY, signing.MalformedHeader),
        ("-1700000000", f"v1={KNOWN}", BODY, signing.MalformedHeader),
        (str(TS), KNOWN, BODY, signing.MalformedHeader),  # no scheme
        (str(TS), f"v0={KNOWN}", BODY, signing.MalformedHeader),  # no v1 entry
        (str(TS), "v1=" + "a" * 2000, BODY, signing.MalformedHeader),
    ],
)
def test_bad_calls_are_refused_with_a_specific_reason(
    ts: str | None, sig: str | None, body: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        verify(ts, sig, body)


def test_timestamp_tolerance_is_inclusive_and_symmetric() -> None:
    sig = f"v1={KNOWN}"
    assert verify(str(TS), sig, now=TS + 300) == TS
    assert verify(str(TS), sig, now=TS - 300) == TS
    with pytest.raises(signing.StaleTimestamp):
        verify(str(TS), sig, now=TS + 301)  # too old: a replay
    with pytest.raises(signing.StaleTimestamp):
        verify(str(TS), sig, now=TS - 301)  # from the future


def test_the_signature_is_checked_before_the_timestamp() -> None:
    # Someone without the secret learns nothing about our clock.
    with pytest.raises(signing.BadSignature):
        verify(str(TS), "v1=" + "0" * 64, now=TS + 10_000)


def test_several_signatures_allow_secret_rotation() -> None:
    old = signing.sign("old-secret", TS, BODY)
    assert verify(str(TS), f"v1={old}, v1={KNOWN}") == TS
    assert verify(str(TS), f"v2=whatever,v1={KNOWN}") == TS


def test_an_empty_secret_never_verifies() -> None:
    with pytest.raises(ValueError, match="empty"):
        signing.verify("", str(TS), f"v1={KNOWN}", BODY, now=TS, tolerance=300)
