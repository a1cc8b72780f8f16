"""Perfection rules: may a deal be funded, and the 債権譲渡登記 filing data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from defusedxml import ElementTree
from lxml import etree

from urikake.domain import perfection
from urikake.domain.errors import DomainError
from urikake.domain.perfection import (
    FILING_REQUIRED_FIELDS,
    FilingClaim,
    FilingParty,
    Method,
    PerfectionPolicy,
    Stage,
    check_can_fund,
    registration_fee_yen,
    registration_filing_xml,
)
from urikake.domain.products import ProductId, spec


def test_three_party_waits_for_the_notice_to_arrive() -> None:
    policy = spec(ProductId.THREE_PARTY).perfection
    assert policy.method is Method.NOTICE
    for stage in (Stage.PENDING, Stage.NOTICE_SENT):
        with pytest.raises(DomainError) as exc:
            check_can_fund(policy, stage)
        assert exc.value.code == "perfection.required"
    assert check_can_fund(policy, Stage.PERFECTED) is False  # not "early"


def test_two_party_early_funding_needs_the_filing_and_is_reported() -> None:
    policy = PerfectionPolicy(Method.REGISTRATION, fund_before_perfection=True)
    with pytest.raises(DomainError) as exc:
        check_can_fund(policy, Stage.PENDING)
    assert exc.value.code == "perfection.not_filed"
    assert check_can_fund(policy, Stage.FILED) is True
    assert check_can_fund(policy, Stage.EXTENDED) is False
    with pytest.raises(DomainError):
        check_can_fund(policy, Stage.CANCELLED)


@pytest.mark.parametrize(
    ("claims", "fee"), [(1, 7_500), (5_000, 7_500), (5_001, 15_000), (100_000, 15_000)]
)
def test_registration_fee(claims: int, fee: int) -> None:
    assert registration_fee_yen(claims) == fee


@pytest.mark.parametrize("claims", [0, 100_001])
def test_registration_fee_refuses_impossible_counts(claims: int) -> None:
    with pytest.raises(DomainError):
        registration_fee_yen(claims)


def _claim(n: int, amount: int = 1_100_000, address: str = "東京都港区芝公園4-2-8") -> FilingClaim:
    return FilingClaim(
        n,
        FilingParty("株式会社ヤマダ&商事", address, "1180301018771"),
        f"INV-{n}",
        date(2026, 11, 1),
        date(2027, 1, 31),
        amount,
    )


ASSIGNOR = FilingParty("株式会社売主", "大阪府大阪市北区梅田1-1-1", "5999901000003")
ASSIGNEE = FilingParty("株式会社ウリカケ", "東京都千代田区大手町1-1-1", "7999901000001")
SCHEMA = Path(perfection.__file__).parent / "data" / "registration_filing.xsd"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA), _PARSER))


def _filing(**overrides: object) -> bytes:
    kwargs: dict[str, object] = {
        "assignor": ASSIGNOR,
        "assignee": ASSIGNEE,
        "claims": [_claim(1), _claim(2, 550_000)],
        "cause_date": date(2026, 11, 24),
        "duration_years": 5,
    } | overrides
    return registration_filing_xml(**kwargs)  # type: ignore[arg-type]


def test_filing_xml_is_deterministic_escaped_and_complete() -> None:
    data = _filing()
    assert data == _filing()
    root = ElementTree.fromstring(data)
    assert root.findtext("債権数") == "2"
    assert root.findtext("債権の総額") == "1650000"
    assert root.findtext("登録免許税") == "7500"
    claims = root.find("債権個別事項")
    assert claims is not None
    assert [c.findtext("債務者") for c in claims] == ["株式会社ヤマダ&商事"] * 2
    assert [c.findtext("債務者本店") for c in claims] == ["東京都港区芝公園4-2-8"] * 2


def test_filing_names_companies_by_their_12_digit_registry_number() -> None:
    root = ElementTree.fromstring(_filing())
    assert root.findtext("譲渡人/会社法人等番号") == "999901000003"
    assert root.findtext("譲受人/会社法人等番号") == "999901000001"
    claim = root.find("債権個別事項/債権")
    assert claim is not None
    assert claim.findtext("債務者会社法人等番号") == "180301018771"
    assert b"1180301018771" not in _filing()  # no 13-digit 法人番号 anywhere
    assert "法人番号>".encode() not in _filing()  # no <…法人番号> element either


def test_the_generated_filing_is_valid_against_the_registry_schema() -> None:
    schema = _schema()
    for claims in ([_claim(1)], [_claim(n) for n in range(1, 40)]):
        document = etree.fromstring(_filing(claims=claims), _PARSER)
        assert schema.validate(document), schema.error_log
    # A debtor without a known 法人番号 is still a valid claim (the number is optional).
    anonymous = FilingClaim(
        1, FilingParty("ヤマダ商店", "東京都", ""), "A", date(2026, 1, 1), date(2026, 2, 1), 1
    )
    assert schema.validate(etree.fromstring(_filing(claims=[anonymous]), _PARSER))


def _without(xml: bytes, path: str) -> etree._Element:
    root = etree.fromstring(xml, _PARSER)
    for element in root.findall(path):
        element.getparent().remove(element)
    return root


@pytest.mark.parametrize(("path", "label", "required"), FILING_REQUIRED_FIELDS)
def test_the_schema_and_the_required_field_table_agree(
    path: str, label: str, required: bool
) -> None:
    schema = _schema()
    document = _without(_filing(), path)
    assert schema.validate(document) is not required, (path, label)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("譲渡人/会社法人等番号", "5999901000003"),  # a 13-digit 法人番号 where 12 digits belong
        ("債権個別事項/債権/債務者本店", ""),  # the debtor's address left empty
        ("譲受人/商号", "   "),
        ("債権個別事項/債権/債権額", "0"),
        ("存続期間", "51年"),
    ],
)
def test_the_schema_refuses_what_the_registry_refuses(path: str, text: str) -> None:
    root = etree.fromstring(_filing(), _PARSER)
    element = root.find(path)
    assert element is not None
    element.text = text
    assert not _schema().validate(root)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"claims": [_claim(1, address="")]},
            "債務者（株式会社ヤマダ&商事）の本店（所在地）がありません",
        ),
        ({"assignor": FilingParty("株式会社売主", "大阪府", "")}, "譲渡人の法人番号"),
        ({"assignor": FilingParty("株式会社売主", "大阪府", "5999901000004")}, "正しくありません"),
        ({"assignee": FilingParty("株式会社ウリカケ", "", "7999901000001")}, "譲受人の本店"),
    ],
)
def test_incomplete_filing_data_is_refused_in_japanese(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(DomainError) as exc:
        _filing(**overrides)
    assert exc.value.code == "perfection.filing_incomplete"
    assert message in exc.value.message


def test_filing_refuses_a_duration_beyond_the_statutory_limit() -> None:
    with pytest.raises(DomainError) as exc:
        _filing(duration_years=51)
    assert exc.value.field == "duration_years"
