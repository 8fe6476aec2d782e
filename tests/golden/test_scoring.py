"""The golden scorer reads figures the way a reader does, in both languages, and is not fooled:
every right rendering of a figure counts, every wrong one is caught (rates measured over many
values and formats). The expectations never come from the service's code."""

from __future__ import annotations

import ast
import random
from pathlib import Path

from .scoring import Figure, score, stated_figures

NBSP, NNBSP = "\u00a0", "\u202f"


def _ru(value: float, decimals: int = 2, sep: str = NBSP) -> str:
    whole, _, frac = f"{abs(value):,.{decimals}f}".partition(".")
    text = whole.replace(",", sep) + ("," + frac if frac else "")
    return ("-" if value < 0 else "") + text


def _en(value: float, decimals: int = 2) -> str:
    return f"{value:,.{decimals}f}"


def right_renderings(v: float) -> list[tuple[str, str]]:
    """(lang, text) ways a correct answer may write the money figure `v` (RUB or USD)."""
    return [
        ("ru", f"расходы {_ru(v)}{NBSP}₽ за период"),
        ("ru", f"итого {_ru(v, sep=NNBSP)} руб."),
        ("ru", f"около {_ru(v, 0)} ₽/мес"),
        ("ru", f"{_ru(v / 1e6, 2)} млн ₽")
        if v >= 1e6
        else ("ru", f"{_ru(v / 1e3, 1)} тыс. ₽")
        if v >= 5e3
        else ("ru", f"{_ru(v, 2, ' ')} рублей"),
        ("en", f"spent {_en(v)} RUB"),
        ("en", f"a bill of ${_en(v)}"),
        ("en", f"about {_en(v, 0)} RUB/month"),
        ("en", f"${_en(v / 1e6, 2)}M")
        if v >= 1e6
        else ("en", f"{_en(v / 1e3, 1)}k RUB")
        if v >= 5e3
        else ("en", f"{_en(v)} roubles"),
    ]


def wrong_values(v: float) -> list[float]:
    """What a careless model writes instead: off by a few percent, a digit slipped, ×10, a month
    for a year, the sign flipped."""
    return [v * 1.03, v * 0.97, v + 10 ** (len(str(int(v))) - 2), v * 10, v / 12, v * 12, -v]


def test_every_correct_rendering_is_read_as_right() -> None:
    rng = random.Random(7)
    values = [round(rng.uniform(1_000, 5_000_000), 2) for _ in range(200)]
    total = hits = 0
    for v in values:
        for lang, text in right_renderings(v):
            total += 1
            hits += score(text, lang, [Figure("x", v, "money")]).correct
    assert hits == total, f"{total - hits} of {total} right renderings not recognised"


def test_every_wrong_figure_is_caught() -> None:
    rng = random.Random(11)
    values = [round(rng.uniform(1_000, 5_000_000), 2) for _ in range(200)]
    total = caught = near = 0
    for v in values:
        for bad in wrong_values(v):
            for lang, text in (("ru", f"расходы {_ru(bad)} ₽"), ("en", f"spent {_en(bad)} RUB")):
                total += 1
                verdict = score(text, lang, [Figure("x", v, "money")])
                caught += not verdict.correct
                near += bool(verdict.wrong)
    assert caught == total, f"{total - caught} of {total} wrong figures passed as right"
    # the near misses (±3 %, a slipped digit) are reported as wrong, not only as missing
    assert near >= 2 * 2 * len(values)


def test_kind_period_and_locale_are_not_confused() -> None:
    # a percent never stands for money, nor money for a percent, nor a count for either
    assert not score("выросли на 3 %", "ru", [Figure("x", 3, "money")]).correct
    assert not score("3 ₽", "ru", [Figure("x", 3, "percent")]).correct
    assert score("+3 % к прошлому", "ru", [Figure("x", 2.97, "percent")]).correct
    assert not score("+3 %", "ru", [Figure("x", -2.97, "percent")]).correct  # the sign is a figure too
    assert score("−4 %", "ru", [Figure("x", -4.04, "percent")]).correct  # the typographic minus
    # an English thousands comma is not a Russian decimal comma
    assert score("1,335 RUB", "en", [Figure("x", 1335, "money")]).correct
    assert not score("1,335 ₽", "ru", [Figure("x", 1335, "money")]).correct
    # a range's dash is not a minus; dates, ids and SKUs are not figures
    figures = stated_figures("$1.2M–$1.4M on 2025-06-19 for #5019 (sel.standard.16c32g.ru-9)", "en")
    assert [f.value for f in figures] == [1_200_000, 1_400_000]
    # the precision shown decides: 44 504 is right for 44 504,33, 44 500 is not
    assert score("44 504 ₽/день", "ru", [Figure("x", 44504.33, "money")]).correct
    assert not score("44 500 ₽/день", "ru", [Figure("x", 44504.33, "money")]).correct


def test_names_and_days_are_expected_as_text() -> None:
    assert score("главный сервис: Compute", "ru", [Figure("s", "compute", "text")]).correct
    assert score("on 2025-06-19", "en", [Figure("d", "2025-06-19", "text")]).correct
    assert not score("on 2025-06-18", "en", [Figure("d", "2025-06-19", "text")]).correct


def test_expectations_never_come_from_the_service() -> None:
    here = Path(__file__).parent
    for module in ("expected.py", "scoring.py"):
        tree = ast.parse((here / module).read_text(encoding="utf-8"))
        imported = {
            (n.module or "") if isinstance(n, ast.ImportFrom) else a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.Import | ast.ImportFrom)
            for a in (n.names if isinstance(n, ast.Import) else [n])  # type: ignore[list-item]
        }
        assert not [m for m in imported if m.startswith("infrazen_agent")], (module, imported)


def test_a_figure_beside_the_wrong_name_is_not_right() -> None:
    expected = [
        Figure("compute", 456_767.16, "money", ("compute",)),
        Figure("k8s", 306_375.38, "money", ("kubernetes",)),
    ]
    swapped = "- compute: 306 375,38 ₽\n- managed-kubernetes: 456 767,16 ₽"
    assert score(swapped, "ru", expected).right == []
    right = "- compute: 456 767,16 ₽ (34,2 %)\n- managed-kubernetes: 306 375,38 ₽ (23 %)"
    assert score(right, "ru", expected).correct
    # a provider named in Russian is still that provider
    assert score(
        "Яндекс Облако — 620 645,70 ₽", "ru", [Figure("y", 620_645.70, "money", ("Yandex Cloud", "Яндекс Облак"))]
    ).correct


def test_too_coarse_is_not_an_answer() -> None:
    assert not score("около 1 млн ₽", "ru", [Figure("x", 1_335_129.86, "money")]).correct
    assert not score("$0", "en", [Figure("x", 0.49, "money")]).correct
    assert score("1,34 млн ₽", "ru", [Figure("x", 1_335_129.86, "money")]).correct


def test_bullets_dashes_units_and_words_are_read_as_a_reader_would() -> None:
    assert [f.value for f in stated_figures("- 63 открытых", "ru")] == [63]  # a bullet, not a minus
    assert stated_figures("Kubernetes – 120 000 ₽", "ru")[0].value == 120_000  # a dash between name and figure
    # «4 vCPU», «30 дн.» are sizes and spans, not the count of anything
    assert not score("4 vCPU / 8 ГБ, за 30 дн.", "ru", [Figure("n", 4, "number")]).correct
    assert score("снизились на 4 %", "ru", [Figure("x", -4.04, "percent")]).correct
    assert score("на 63,5 % дешевле", "ru", [Figure("x", -63.5, "percent")]).correct
    assert score("1 335 129.86 ₽", "ru", [Figure("x", 1_335_129.86, "money")]).correct  # a dot in Russian
    assert score("2,5 тысячи рублей", "ru", [Figure("x", 2500, "money")]).correct
    assert score("twelve thousand: 12,000 dollars", "en", [Figure("x", 12_000, "money")]).correct
    assert score("19 июня расходы compute", "ru", [Figure("d", ("2025-06-19", "19 июня"), "text")]).correct
