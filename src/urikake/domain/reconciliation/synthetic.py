"""Synthetic open items and deposits with their ground truth, for tests and the benchmark.

This is **not real data**: it models what bank statements do to payments so that the engine's
precision (correct automatic matches / all automatic matches) and its automatic-match rate
can be measured. Deterministic for a given seed.

Debtors: invented Japanese company names from word lists (山田商事, 東洋エンジニアリング北関東 …),
master data in kanji (``debtor_name``) with a katakana reading (``debtor_kana``, with or
without the legal-form reading), 株式会社 / 有限会社 / 合同会社 / no legal form. Each debtor has
a payer name as its bank prints it (``ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ``, ``ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ``, spaces, lost voiced
marks, the full ``ｶﾌﾞｼｷｶﾞｲｼﾔ`` cut at 48 characters for long names). Open items: 1 to ~60 per
debtor, tax-inclusive amounts (often round), month-end or 20th/25th due dates.

Deposit kinds (shares of :data:`KIND_SHARES`; ``expected`` is what a careful person would do):

=====================  =========================================================  ==========
exact                  one item, full amount, on/around the due date              auto
fee                    one item less a common transfer fee (110…880 yen)          auto
multi                  2–4 items of one debtor in one payment (sometimes − fee)   auto
early / late           exact, paid 1–30 days before / after the due date          auto
very_late              exact, paid 95–150 days after the due date                 suggested
partial                part of one item (half, or a round sum)                    suggested
same_amount_twice      one of two open items of the same amount (monthly fee)     suggested
similar_name           a debtor whose name differs from another's by one mark     auto
duplicate              the same item paid twice (two deposits)                    suggested
linked_parent          the parent company pays; its payer → debtor link is known  auto
third_party            parent company / collection agent, no link                 suggested
unrelated              refunds, individuals, other companies                      unmatched
=====================  =========================================================  ==========
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from urikake.domain.bank_calendar import (
    BusinessDayConvention,
    adjust_to_business_day,
    is_bank_business_day,
    next_bank_business_day,
)
from urikake.domain.reconciliation.engine import payer_key
from urikake.domain.reconciliation.types import (
    DEFAULT_FEE_AMOUNTS,
    Deposit,
    Match,
    MatchStatus,
    OpenItem,
)
from urikake.domain.zengin_charset import to_zengin, truncate_zengin

__all__ = ["KIND_SHARES", "Evaluation", "SyntheticBook", "Truth", "evaluate", "generate"]

PAYER_WIDTH = 48  # 振込依頼人名 in 入出金明細 / 振込入金通知

#: Share of deposits per kind (sums to 1).
KIND_SHARES: dict[str, float] = {
    "exact": 0.515,
    "fee": 0.12,
    "multi": 0.06,
    "early": 0.06,
    "late": 0.06,
    "very_late": 0.01,
    "partial": 0.03,
    "same_amount_twice": 0.015,
    "similar_name": 0.015,
    "duplicate": 0.01,
    "linked_parent": 0.02,
    "third_party": 0.03,
    "unrelated": 0.05,
}
EXPECTED_AUTO = frozenset(
    {"exact", "fee", "multi", "early", "late", "similar_name", "linked_parent"}
)

_FAMILY = [
    ("山田", "ヤマダ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("渡辺", "ワタナベ"),
    ("伊藤", "イトウ"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山本", "ヤマモト"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("池田", "イケダ"),
    ("橋本", "ハシモト"),
    ("阿部", "アベ"),
    ("石川", "イシカワ"),
    ("前田", "マエダ"),
    ("藤田", "フジタ"),
    ("岡田", "オカダ"),
    ("後藤", "ゴトウ"),
    ("長谷川", "ハセガワ"),
    ("村上", "ムラカミ"),
    ("近藤", "コンドウ"),
    ("坂本", "サカモト"),
    ("遠藤", "エンドウ"),
    ("青木", "アオキ"),
    ("西村", "ニシムラ"),
    ("福田", "フクダ"),
    ("太田", "オオタ"),
    ("三浦", "ミウラ"),
    ("藤井", "フジイ"),
    ("岡本", "オカモト"),
]
_PLACE = [
    ("東洋", "トウヨウ"),
    ("日本", "ニホン"),
    ("大和", "ダイワ"),
    ("三和", "サンワ"),
    ("富士", "フジ"),
    ("中央", "チュウオウ"),
    ("北陸", "ホクリク"),
    ("桜", "サクラ"),
    ("東海", "トウカイ"),
    ("関西", "カンサイ"),
    ("九州", "キュウシュウ"),
    ("北海", "ホッカイ"),
    ("昭和", "ショウワ"),
    ("大成", "タイセイ"),
    ("新光", "シンコウ"),
    ("共栄", "キョウエイ"),
    ("丸一", "マルイチ"),
    ("協和", "キョウワ"),
    ("光", "ヒカリ"),
    ("緑", "ミドリ"),
    ("青葉", "アオバ"),
    ("朝日", "アサヒ"),
    ("日進", "ニッシン"),
    ("平和", "ヘイワ"),
    ("明和", "メイワ"),
    ("大東", "ダイトウ"),
    ("星野", "ホシノ"),
    ("若葉", "ワカバ"),
    ("千代田", "チヨダ"),
    ("湘南", "ショウナン"),
]
_TRADE = [
    ("商事", "ショウジ"),
    ("電機", "デンキ"),
    ("建設", "ケンセツ"),
    ("工業", "コウギョウ"),
    ("物流", "ブツリュウ"),
    ("食品", "ショクヒン"),
    ("製作所", "セイサクショ"),
    ("産業", "サンギョウ"),
    ("運輸", "ウンユ"),
    ("システム", "システム"),
    ("印刷", "インサツ"),
    ("精機", "セイキ"),
    ("化学", "カガク"),
    ("設備", "セツビ"),
    ("興産", "コウサン"),
    ("工務店", "コウムテン"),
    ("電設", "デンセツ"),
    ("鋼材", "コウザイ"),
    ("紙業", "シギョウ"),
    ("商会", "ショウカイ"),
    ("技研", "ギケン"),
    ("通商", "ツウショウ"),
    ("塗装", "トソウ"),
    ("企画", "キカク"),
    ("不動産", "フドウサン"),
]
_LONG_TRADE = [
    ("エンジニアリング", "エンジニアリング"),
    ("ロジスティクス", "ロジスティクス"),
    ("テクノロジーズ", "テクノロジーズ"),
    ("ソリューションズ", "ソリューションズ"),
    ("マネジメントサービス", "マネジメントサービス"),
    ("コンストラクション", "コンストラクション"),
]
_REGION = [
    ("北関東", "キタカントウ"),
    ("南九州", "ミナミキュウシュウ"),
    ("東北", "トウホク"),
    ("西日本", "ニシニホン"),
    ("首都圏", "シュトケン"),
    ("中部", "チュウブ"),
]
# Crowded books: branches of one company are separate debtors (山田商事 東京支店), and a few
# family names and trades dominate (Zipf), so that thousands of debtors share a prefix.
_BRANCH = [
    ("東京支店", "トウキョウシテン"),
    ("大阪支店", "オオサカシテン"),
    ("名古屋支店", "ナゴヤシテン"),
    ("横浜営業所", "ヨコハマエイギョウショ"),
    ("札幌営業所", "サッポロエイギョウショ"),
    ("福岡支店", "フクオカシテン"),
    ("仙台営業所", "センダイエイギョウショ"),
    ("広島支店", "ヒロシマシテン"),
    ("京都支店", "キョウトシテン"),
    ("神戸営業所", "コウベエイギョウショ"),
    ("千葉支店", "チバシテン"),
    ("埼玉営業所", "サイタマエイギョウショ"),
]
_NEAR_TRADE = [  # trades that start like another (商事/商会/商店, 電機/電設/電工 …)
    ("商店", "ショウテン"),
    ("電工", "デンコウ"),
    ("工業所", "コウギョウショ"),
    ("建設工業", "ケンセツコウギョウ"),
    ("食品工業", "ショクヒンコウギョウ"),
]
# (written, reading, share)
_LEGAL = [
    ("株式会社", "カブシキガイシャ", 0.75),
    ("有限会社", "ユウゲンガイシャ", 0.15),
    ("合同会社", "ゴウドウガイシャ", 0.05),
    ("", "", 0.05),
]
_AGENTS = ["ｶ)ｱｰｸｼﾕｳﾉｳｻｰﾋﾞｽ", "ｻﾝｺｳﾌｱｸﾀﾘﾝｸﾞ(ｶ", "ｶ)ﾐﾗｲｻｲｹﾝｶｲｼﾕｳ"]
_UNRELATED_PAYERS = [
    "ｽｽﾞｷ ﾀﾛｳ",
    "ﾔﾏﾓﾄ ﾊﾅｺ",
    "ｺｸｾﾞｲｶﾝﾌﾟｷﾝ",
    "ﾘｿｸ",
    "ｶ)ｺﾄﾌﾞｷｼﾖｳﾃﾝ",
    "ｵｵｻｷｼﾖｳｶｲ(ｶ",
    "ﾄｳｷﾖｳﾄｽｲﾄﾞｳｷﾖｸ",
    "ｼﾔｶｲﾎｹﾝﾘﾖｳ ｶﾝﾌﾟ",
    "ｻﾄｳ ｲﾁﾛｳ",
    "ﾕ)ﾆｼｶﾜｼﾖｳﾃﾝ",
]
_TO_HIRAGANA = str.maketrans({chr(c): chr(c - 0x60) for c in range(0x30A1, 0x30F7)})
_VOICED = str.maketrans(
    "ガギグゲゴザジズゼゾダヂヅデドバビブベボ", "カキクケコサシスセソタチツテトハヒフヘホ"
)


@dataclass(frozen=True, slots=True)
class Truth:
    """What a deposit really was: its kind and the items it paid (empty: none of ours)."""

    deposit_id: str
    kind: str
    item_ids: tuple[str, ...]

    @property
    def expected_auto(self) -> bool:
        return self.kind in EXPECTED_AUTO


@dataclass
class SyntheticBook:
    deposits: list[Deposit]
    items: list[OpenItem]
    payer_links: dict[str, str]
    truth: dict[str, Truth]
    period: tuple[date, date] = (date(2026, 10, 1), date(2026, 12, 30))


@dataclass
class Evaluation:
    deposits: int
    auto: int
    correct_auto: int
    suggested: int
    unmatched: int
    wrong_autos: list[str] = field(default_factory=list)
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)
    right_suggestions: dict[str, list[int]] = field(default_factory=dict)  # kind → [right, all]

    @property
    def precision(self) -> float:
        return self.correct_auto / self.auto if self.auto else 1.0

    @property
    def auto_rate(self) -> float:
        return self.auto / self.deposits if self.deposits else 0.0

    @property
    def expected_auto_rate(self) -> float:
        """Automatic matches among the deposits a careful person would match at once (the
        kinds in :data:`EXPECTED_AUTO`: no partial payment, third party or other quirk)."""
        counts = [c for kind, c in self.by_kind.items() if kind in EXPECTED_AUTO]
        total = sum(sum(c.values()) for c in counts)
        return sum(c["auto"] for c in counts) / total if total else 0.0

    def suggested_right(self, kind: str) -> float:
        """Share of the deposits of ``kind`` suggested with exactly their true items (for
        ``partial`` and ``third_party``: the person is shown the right invoice)."""
        counts = self.right_suggestions.get(kind)
        return counts[0] / counts[1] if counts and counts[1] else 0.0

    @property
    def suggested_share(self) -> float:
        return self.suggested / self.deposits if self.deposits else 0.0

    @property
    def unmatched_share(self) -> float:
        return self.unmatched / self.deposits if self.deposits else 0.0


def evaluate(matches: Sequence[Match], book: SyntheticBook) -> Evaluation:
    """Compare the engine's matches with the ground truth."""
    ev = Evaluation(len(matches), 0, 0, 0, 0)
    for m in matches:
        t = book.truth[m.deposit_id]
        ev.by_kind.setdefault(t.kind, Counter())[m.status.value] += 1
        right = ev.right_suggestions.setdefault(t.kind, [0, 0])
        right[1] += 1
        if m.status is MatchStatus.SUGGESTED and set(m.item_ids) == set(t.item_ids):
            right[0] += 1
        if m.status is MatchStatus.AUTO:
            ev.auto += 1
            if set(m.item_ids) == set(t.item_ids):
                ev.correct_auto += 1
            else:
                ev.wrong_autos.append(m.deposit_id)
        elif m.status is MatchStatus.SUGGESTED:
            ev.suggested += 1
        else:
            ev.unmatched += 1
    return ev


@dataclass
class _Debtor:
    id: str
    name: str  # kanji master name
    kana: str  # master reading
    core: str  # the reading without legal form (ヤマダショウジ)
    payer: str  # as the bank prints it
    items: list[int] = field(default_factory=list)


class _Generator:
    def __init__(self, seed: int, period: tuple[date, date], *, crowded: bool = False) -> None:
        self.rng = random.Random(seed)  # noqa: S311 # nosec B311 # test data, not secrets
        self.period = period
        self.crowded = crowded
        self.debtors: list[_Debtor] = []
        self.items: list[OpenItem] = []
        self.used: set[int] = set()
        self.kana_seen: set[str] = set()

    # ---- names --------------------------------------------------------------------------

    def _core_name(self, index: int, long: bool) -> tuple[str, str, list[str]]:
        """The index-th combination of the word lists (distinct indexes → distinct names)."""
        a = _FAMILY + _PLACE
        trade = _LONG_TRADE if long else _TRADE
        first, rest = index % len(a), index // len(a)
        second, rest = rest % (len(_PLACE) + 1), rest // (len(_PLACE) + 1)
        t, rest = rest % len(trade), rest // len(trade)
        region = rest % (len(_REGION) + 1)
        words = [a[first]]
        if second or long:
            words.append(_PLACE[(second or 1) - 1])
        words.append(trade[t])
        if long:
            # Two business words (…エンジニアリングソリューションズ): with the legal-form reading
            # spelled out, such names no longer fit the bank's 48 characters.
            words.append(trade[(t + 1) % len(trade)])
        if region or long:
            words.append(_REGION[(region or 1) - 1])
        return "".join(w[0] for w in words), "".join(w[1] for w in words), [w[1] for w in words]

    def _payer_name(
        self, legal: tuple[str, str, float], kana: str, words: list[str], long: bool
    ) -> str:
        written, reading, _ = legal
        rng = self.rng
        if long and reading:
            # Banks that print the full legal-form reading and cut at the field width.
            full = to_zengin(f"{reading} {kana}")
            return truncate_zengin(full, PAYER_WIDTH)
        r = rng.random()
        if not written or r < 0.62:
            text = f"{written}{kana}"
        elif r < 0.85:
            text = f"{kana}{written}"
        else:
            text = f"{written} {kana}"
        payer = to_zengin(text, abbreviate_legal_form=True)
        r = rng.random()
        if r < 0.08:
            # Spaces between the words, as typed at a branch counter (ｶ) ﾔﾏﾀﾞ ｼﾖｳｼﾞ).
            spaced = to_zengin(" ".join(words))
            payer = payer.replace(to_zengin(kana), " " + spaced + " ").strip()
            payer = payer.replace("( ", "(").replace(" )", ")")
        elif r < 0.13:
            payer = payer.replace("ﾞ", "")  # an old system that drops voiced marks
        return payer[:PAYER_WIDTH]

    def crowded_name(self) -> tuple[str, str, list[str], bool]:
        """A name of a crowded book: Zipf-weighted words, often a branch; distinct reading."""
        rng = self.rng
        first = _FAMILY + _PLACE
        trades = _TRADE + _NEAR_TRADE
        while True:
            words = [first[min(int(rng.paretovariate(0.9)) - 1, len(first) - 1)]]
            if rng.random() < 0.45:
                words.append(_PLACE[rng.randrange(len(_PLACE))])
            words.append(trades[min(int(rng.paretovariate(0.8)) - 1, len(trades) - 1)])
            long = rng.random() < 0.04
            if long:
                words.append(_LONG_TRADE[rng.randrange(len(_LONG_TRADE))])
            if rng.random() < 0.5:
                words.append(_BRANCH[rng.randrange(len(_BRANCH))])
            elif rng.random() < 0.2:
                words.append(_REGION[rng.randrange(len(_REGION))])
            kana = "".join(w[1] for w in words)
            if kana not in self.kana_seen:
                return "".join(w[0] for w in words), kana, [w[1] for w in words], long

    def make_debtor(self, index: int, *, core_override: str | None = None) -> _Debtor:
        rng = self.rng
        if self.crowded and core_override is None:
            name, kana, words, long = self.crowded_name()
        else:
            long = rng.random() < 0.05
            name, kana, words = self._core_name(index, long)
        if core_override is not None:
            kana, words = core_override, [core_override]
        legal = rng.choices(_LEGAL, weights=[w for *_, w in _LEGAL])[0]
        master_name = f"{legal[0]}{name}"
        master_kana = f"{legal[1]}{kana}" if legal[1] and rng.random() < 0.35 else kana
        if self.crowded:
            # Masters kept by different people: half-width kana, hiragana, full-width.
            r = rng.random()
            if r < 0.25:
                master_kana = to_zengin(master_kana)
            elif r < 0.35:
                master_kana = master_kana.translate(_TO_HIRAGANA)
        d = _Debtor(
            id=f"D{len(self.debtors) + 1:07d}",
            name=master_name,
            kana=master_kana,
            core=kana,
            payer=self._payer_name(legal, kana, words, long),
        )
        self.debtors.append(d)
        self.kana_seen.add(kana)
        return d

    # ---- items ----------------------------------------------------------------------------

    def _amount(self) -> int:
        rng = self.rng
        base = int(rng.lognormvariate(12.0, 1.1))  # median ≈ ¥160,000 before tax
        base = max(base, 3_000)
        if rng.random() < 0.5:
            base = base // 1000 * 1000  # round quotes are common
        return base * 110 // 100  # 消費税10% (円未満切捨て)

    def _due_date(self) -> date:
        rng = self.rng
        start = self.period[0]
        month = rng.randint(-1, 3)  # items falling due from a month before to two after
        y, m = start.year, start.month + month
        while m > 12:
            y, m = y + 1, m - 12
        while m < 1:
            y, m = y - 1, m + 12
        day = rng.choices([31, 20, 25, 10], weights=[0.6, 0.15, 0.15, 0.1])[0]
        while True:
            try:
                return date(y, m, day)
            except ValueError:
                day -= 1

    def add_item(self, d: _Debtor, amount: int | None = None, due: date | None = None) -> int:
        i = len(self.items)
        self.items.append(
            OpenItem(
                id=f"I{i + 1:08d}",
                debtor_id=d.id,
                debtor_name=d.name,
                debtor_kana=d.kana,
                amount=amount if amount is not None else self._amount(),
                due_date=due if due is not None else self._due_date(),
                invoice_number=f"INV-{i + 1:08d}",
            )
        )
        d.items.append(i)
        return i

    # ---- deposits -------------------------------------------------------------------------

    def value_date(self, due: date, kind: str) -> date:
        rng = self.rng
        if kind == "early":
            d = due - timedelta(days=rng.randint(1, 30))
        elif kind == "late":
            d = due + timedelta(days=rng.randint(1, 30))
        elif kind == "very_late":
            d = due + timedelta(days=rng.randint(95, 150))
        else:
            # On the due date; a holiday due date is paid the business day before (前営業日)
            # by most payers, the one after by some.
            convention = (
                BusinessDayConvention.PRECEDING
                if rng.random() < 0.7
                else BusinessDayConvention.FOLLOWING
            )
            return adjust_to_business_day(due, convention)
        return d if is_bank_business_day(d) else adjust_to_business_day(d)


def _reads_as_other_items(
    g: _Generator, d: _Debtor, i: int, amount: int, diffs: set[int], *, pairs: bool
) -> bool:
    """Whether ``amount`` is exactly what other open items of the debtor ask for (one item,
    or two with ``pairs``, less one of ``diffs``). Such a deposit is indistinguishable from
    paying those items — no evidence could reveal the truth — so the generator avoids it
    (docs/reconciliation.md, limitations)."""
    others = [g.items[j].amount for j in d.items if j != i]
    if any(a - amount in diffs for a in others):
        return True
    if pairs:
        return any(
            others[x] + others[y] - amount in diffs
            for x in range(len(others))
            for y in range(x + 1, len(others))
        )
    return False


def _free(g: _Generator, d: _Debtor) -> list[int]:
    return [i for i in d.items if i not in g.used]


def generate(
    n_deposits: int, n_items: int | None = None, *, seed: int = 0, crowded: bool = False
) -> SyntheticBook:
    """``n_deposits`` deposits against ``n_items`` open items (default: as many), with truth.

    Payments use up items; when no unused item is left, the remaining deposits are unrelated.

    ``crowded``: the book of the outside probe (issue 14) — about 8 open items per debtor
    (125,000 debtors for 1,000,000 items) whose names crowd together: a few family names and
    trades dominate, half the debtors are a branch of a company (山田商事 東京支店 next to
    山田商事 and 山田商会), master readings in half-width kana, hiragana or katakana.
    """
    n_items = n_deposits if n_items is None else n_items
    if n_deposits < 1 or n_items < 1:
        raise ValueError("n_deposits and n_items must be >= 1")
    period = (date(2026, 10, 1), date(2026, 12, 30))
    g = _Generator(seed, period, crowded=crowded)
    rng = g.rng
    per_debtor = 7 if crowded else 3  # mean items per debtor − 1
    # Debtors: item counts 1..60, mean ≈ 4; names drawn without replacement from the lists.
    space = len(_FAMILY + _PLACE) * (len(_PLACE) + 1) * len(_TRADE) * (len(_REGION) + 1)
    name_indexes = rng.sample(range(space), min(space, n_items // (per_debtor - 1) + 16))
    regular: list[_Debtor] = []
    similar_pairs: list[tuple[_Debtor, _Debtor]] = []
    recurring: list[_Debtor] = []
    total = 0
    k = 0
    while total < n_items and k < len(name_indexes):
        d = g.make_debtor(name_indexes[k])
        k += 1
        count = min(60, 1 + int(rng.expovariate(1 / per_debtor)), n_items - total)
        for _ in range(count):
            g.add_item(d)
        total += count
        r = rng.random()
        if r < 0.03 and total < n_items:
            # A debtor whose name differs from this one's by voiced marks (ﾀﾞ/ﾀ) only.
            twin_core = d.core.translate(_VOICED)
            if twin_core == d.core or twin_core in g.kana_seen:
                twin_core = d.core + "ショウカイ"
            twin = g.make_debtor(name_indexes[k - 1], core_override=twin_core)
            c = min(3, n_items - total)
            for _ in range(c):
                g.add_item(twin)
            total += c
            similar_pairs.append((d, twin))
        elif r < 0.06 and total < n_items:
            # A monthly fixed fee: two open items of the same amount a month apart.
            first = g.items[d.items[0]]
            y, m = divmod(first.due_date.year * 12 + first.due_date.month, 12)
            due = date(y, m + 1, min(first.due_date.day, 28))
            g.add_item(d, amount=first.amount, due=due)
            total += 1
            recurring.append(d)
        else:
            regular.append(d)
    deposits: list[Deposit] = []
    truth: dict[str, Truth] = {}
    links: dict[str, str] = {}
    parent_linked: dict[str, bool] = {}
    parent_of: dict[str, str] = {}  # parent payer name → the one debtor it pays for

    def emit(kind: str, vd: date, amount: int, payer: str, item_ids: tuple[str, ...]) -> None:
        dep = Deposit(f"P{len(deposits) + 1:08d}", vd, amount, payer)
        deposits.append(dep)
        truth[dep.id] = Truth(dep.id, kind, item_ids)

    def choose_regular() -> tuple[_Debtor, list[int]] | None:
        while regular:
            j = rng.randrange(len(regular))
            free = _free(g, regular[j])
            if free:
                return regular[j], free
            regular[j] = regular[-1]
            regular.pop()
        return None

    kinds = list(KIND_SHARES)
    # A duplicate draw makes two deposits.
    weights = [share / 2 if k == "duplicate" else share for k, share in KIND_SHARES.items()]
    fees = sorted(DEFAULT_FEE_AMOUNTS)
    fee_or_zero = {0, *fees}
    retry_multi = 0
    while len(deposits) < n_deposits:
        kind = "multi" if retry_multi > 1 else rng.choices(kinds, weights)[0]
        if kind in ("similar_name", "same_amount_twice"):
            n = len(similar_pairs) if kind == "similar_name" else len(recurring)
            if n:
                j = rng.randrange(n)
                d = similar_pairs[j][rng.randint(0, 1)] if kind == "similar_name" else recurring[j]
                i = d.items[0]
                if i not in g.used:
                    g.used.add(i)
                    it = g.items[i]
                    vd = g.value_date(it.due_date, "exact")
                    emit(kind, vd, it.amount, d.payer, (it.id,))
                    continue
            kind = "exact"
        picked = None if kind == "unrelated" else choose_regular()
        if picked is None:
            vd = g.value_date(period[0] + timedelta(days=rng.randint(0, 85)), "exact")
            amount = rng.randint(1, 3_000) * 100 + rng.choice([0, 0, 0, 37, 500])
            emit("unrelated", vd, amount, rng.choice(_UNRELATED_PAYERS), ())
            continue
        d, free = picked
        if kind == "multi":
            # Invoices closed in the same month are paid together (月末締め翌月末払い).
            month = g.items[rng.choice(free)].due_date
            same = [i for i in free if abs((g.items[i].due_date - month).days) <= 31]
            if len(same) < 2:
                # Most debtors have one invoice a month: try other debtors (a bounded number
                # of times, so that the share of multi payments holds).
                retry_multi = retry_multi - 1 if retry_multi else 50
                continue
            retry_multi = 0
            same.sort(key=lambda i: (g.items[i].due_date, i))
            chosen = same[: rng.randint(2, min(4, len(same)))]
            g.used.update(chosen)
            its = [g.items[i] for i in chosen]
            amount = sum(it.amount for it in its)
            if rng.random() < 0.3:
                amount -= rng.choice(fees)
            due = max(it.due_date for it in its)
            emit(kind, g.value_date(due, "exact"), amount, d.payer, tuple(it.id for it in its))
            continue
        i = rng.choice(free)
        it = g.items[i]
        payer, amount = d.payer, it.amount
        if kind == "fee":
            amount -= rng.choice(fees)
            if amount <= 0 or _reads_as_other_items(g, d, i, amount, {0}, pairs=False):
                continue
        elif kind == "partial":
            amount = amount // 2 if rng.random() < 0.5 else amount // 100_000 * 50_000
            if not 0 < amount < it.amount:
                amount = it.amount // 3
            if amount <= 0 or _reads_as_other_items(g, d, i, amount, fee_or_zero, pairs=True):
                continue
        elif kind in ("linked_parent", "third_party"):
            if kind == "third_party" and rng.random() < 0.4:
                payer = rng.choice(_AGENTS)
            else:
                # Whether we learned this parent's link is fixed per debtor: a linked parent
                # is never an unknown third party, and the other way round.
                kind = (
                    "linked_parent"
                    if parent_linked.setdefault(d.id, kind == "linked_parent")
                    else "third_party"
                )
                # A parent company named after the group (ﾔﾏﾀﾞｼﾖｳｼﾞﾎｰﾙﾃﾞｲﾝｸﾞｽ): close to the
                # debtor's name but not the same party.
                payer = to_zengin(f"株式会社{d.core}ホールディングス", abbreviate_legal_form=True)
                if parent_of.setdefault(payer, d.id) != d.id:
                    continue  # debtors with the same reading would share the parent's name
                if kind == "linked_parent":
                    links[payer_key(payer)] = d.id
        g.used.add(i)
        if kind == "duplicate":
            vd = g.value_date(it.due_date, "exact")
            emit(kind, vd, amount, payer, (it.id,))
            emit(kind, next_bank_business_day(vd), amount, payer, (it.id,))
            continue
        emit(kind, g.value_date(it.due_date, kind), amount, payer, (it.id,))
    deposits = deposits[:n_deposits]
    truth = {dep.id: truth[dep.id] for dep in deposits}
    return SyntheticBook(deposits, g.items, links, truth, period)
