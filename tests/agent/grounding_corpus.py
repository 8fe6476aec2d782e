"""An adversarial corpus for the number checker: labelled model answers, Russian and English.

Each `Case` builds the text a model might write about one demo recommendation from the true
figures of that recommendation (`Subject`, read through the real tools), so the corpus follows
the data instead of hard-coding it. A "pass" answer states only true figures, in the many
formats models use (grouping with spaces, NBSP, narrow NBSP or thin spaces; decimal commas;
English and German separators; kopecks; scientific notation; тыс./млн/k/M; numbers in words;
correct roundings and approximations) next to numbers that are not quantities (dates, years,
versions, step numbers, list markers, identifiers). A "flag" answer holds exactly one wrong
figure among true ones, described by `Wrong` so a runner can check that it is the one reported.

`tests/agent/test_grounding_corpus.py` runs the corpus against `infrazen_agent.agent.grounding`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, NamedTuple

SERVER = "cross_provider_server"
DBAAS = "cross_provider_dbaas"
RIGHTSIZE = "rightsize_cpu"

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space
THIN = "\u2009"

# How far off a wrong figure is at least: relative to every true figure of its kind.
EXACT = 0.03  # a figure written exactly ("17 103,29 ₽"): from every true figure of its kind
APPROX = 0.15  # an approximation ("≈ 20 000 ₽", "около", "~"): from the figure it stands for,
NEAR = 0.08  # and from every other true figure of its kind
ANY_KIND = 0.02  # any wrong figure: from every numeric field of the subject, of any kind (×1, ×12, ÷12)


class SkipCase(Exception):
    """The subject lacks a figure this case needs (runners skip the case)."""


@dataclass(frozen=True)
class Subject:
    """True figures of one demo recommendation, read through the real tools."""

    rec_type: str
    rec_id: int
    resource_id: int
    resource_name: str
    provider_name: str
    target_provider_name: str | None
    currency: str  # "RUB" for the main demo tenant
    current: float  # current monthly cost            (get_recommendation.current_monthly.amount)
    target: float  # target monthly cost             (get_recommendation.target_monthly.amount)
    savings: float  # monthly savings                 (get_recommendation.savings_monthly.amount)
    yearly: float  # yearly savings                  (get_recommendation.savings_yearly.amount)
    pct: float  # savings percent                 (get_recommendation.savings_pct)
    vcpu: int | None
    ram_gb: float | None
    disk_gb: int | None
    nodes: int  # resource spec (get_resource)
    hours: int | None
    score: int | None  # estimate_migration_effort estimated_hours / score
    cpu_avg: float | None
    cpu_p95: float | None
    ram_p95: float | None
    window_days: int | None  # get_latest_snapshot
    alternatives: list[float]  # monthly prices of list_top_alternatives (may be empty)
    steps: int = 0  # number of steps of generate_step_plan (0: no plan)

    @property
    def ratio(self) -> float:
        """How many times cheaper the target is (current / target)."""
        if not self.target:
            raise SkipCase("no target price")
        return self.current / self.target


@dataclass(frozen=True)
class Wrong:
    """The one wrong figure of a flag case."""

    text: str  # a substring of the answer that one untraced claim's text must contain
    # The wrong quantity in the unit of its kind (RUB, %, GB, vCPU, h, times); None when a true
    # number is written in a wrong role, unit, period or currency (nothing to compare).
    value: float | None
    kind: str  # money | percent | vcpu | gb | nodes | hours | ratio | role
    approx: bool = False
    of: float | None = None  # the true figure it stands for (an approximation is judged against it)
    also: tuple[str, ...] = ()  # other substrings that identify it equally well (swapped pairs)
    # The value equals a true figure of another kind on purpose ("32 vCPU" when RAM is 32 GB, an
    # id written as roubles): only true figures of its own kind are compared with it.
    cross_kind_trap: bool = False


@dataclass(frozen=True)
class Case:
    id: str  # unique, e.g. "ru-words-01"
    category: str
    lang: Literal["ru", "en"]
    # flag = contains exactly one wrong figure (everything else in it correct); pass = all correct
    expect: Literal["flag", "pass"]
    build: Callable[[Subject], str]  # the model's answer text, computed from the true figures
    rec_type: str = SERVER
    wrong: Callable[[Subject], Wrong] | None = None


class Answer(NamedTuple):
    text: str
    wrong: Wrong | None = None


CASES: list[Case] = []


def _case(
    id_: str, category: str, expect: Literal["flag", "pass"], rec_type: str = SERVER
) -> Callable[[Callable[[Subject], Answer]], Callable[[Subject], Answer]]:
    lang: Literal["ru", "en"] = "ru" if id_.startswith("ru-") else "en"

    def register(fn: Callable[[Subject], Answer]) -> Callable[[Subject], Answer]:
        def build(s: Subject) -> str:
            return fn(s).text

        def wrong(s: Subject) -> Wrong:
            w = fn(s).wrong
            assert w is not None, f"flag case {id_} declares no wrong figure"
            return w

        CASES.append(Case(id_, category, lang, expect, build, rec_type, wrong if expect == "flag" else None))
        return fn

    return register


# --- formatting, as models write numbers ------------------------------------------------------


def _dec(x: float, places: int) -> Decimal:
    return Decimal(str(x)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def grouped(x: float, places: int = 2, sep: str = " ", point: str = ",") -> str:
    """Digits grouped by `sep` with `places` decimals after `point`, rounded half-up."""
    q = _dec(abs(x), places)
    whole, _, frac = f"{q:f}".partition(".")
    head = f"{int(whole):,}".replace(",", sep)
    return ("-" if x < 0 else "") + head + (point + frac if places else "")


def ru(x: float, places: int = 2, sep: str = " ") -> str:
    """Russian: '14 252,74'."""
    return grouped(x, places, sep, ",")


def ru_amt(x: float, sep: str = " ") -> str:
    """Russian amount without zero kopecks: '8 200', '22 921,60'."""
    return ru(x, 0 if _dec(x, 2) == _dec(x, 0) else 2, sep)


def en(x: float, places: int = 2) -> str:
    """English: '14,252.74'."""
    return grouped(x, places, ",", ".")


def en_amt(x: float) -> str:
    return en(x, 0 if _dec(x, 2) == _dec(x, 0) else 2)


def de(x: float, places: int = 2) -> str:
    """German style: '14.252,74'."""
    return grouped(x, places, ".", ",")


def rub_kop(x: float) -> str:
    """'14 252 ₽ 74 коп.'"""
    q = _dec(x, 2)
    rub = int(q)
    kop = int((q - rub) * 100)
    return f"{ru(rub, 0)} ₽ {kop:02d} коп."


def num(x: float, places: int, lang: str) -> str:
    """A small figure (percent, spec, ratio) in the reader's language: '63,5' / '63.5'."""
    return ru(x, places) if lang == "ru" else en(x, places)


def spec(x: float, lang: str) -> str:
    """A spec figure without trailing zeros: 32.0 -> '32', 1.5 -> '1,5'."""
    return num(x, 0 if float(x).is_integer() else 1, lang)


def sig(x: float, digits: int) -> float:
    """`x` rounded (half-up) to `digits` significant digits."""
    if x == 0:
        return 0.0
    exp = math.floor(math.log10(abs(x))) - digits + 1
    return float(Decimal(str(x)).scaleb(-exp).quantize(Decimal(1), rounding=ROUND_HALF_UP).scaleb(exp))


def sci(x: float, digits: int, point: str = ".", e: str = "e") -> str:
    """Scientific notation with `digits` significant digits: '1.4253e4'."""
    exp = math.floor(math.log10(abs(x)))
    mantissa = _dec(x / 10**exp, digits - 1)
    if abs(mantissa) >= 10:
        exp += 1
        mantissa = _dec(x / 10**exp, digits - 1)
    return f"{mantissa:f}".replace(".", point) + f"{e}{exp}"


def scaled(x: float, div: float, places: int, lang: str) -> str:
    """`x` in thousands/millions with up to `places` decimals ('14,3', '20', '0,17')."""
    value = x / div
    return num(value, 0 if _dec(value, places) == _dec(value, 0) else places, lang)


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    if 11 <= n % 100 <= 14:
        return many
    if n % 10 == 1:
        return one
    if 2 <= n % 10 <= 4:
        return few
    return many


_RU_UNITS = ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_RU_UNITS_F = ["", "одна", "две", *_RU_UNITS[3:]]
_RU_TEENS = [
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
]
_RU_TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят", "восемьдесят", "девяносто"]
_RU_HUNDREDS = ["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"]


def _ru_triad(n: int, feminine: bool) -> list[str]:
    h, rest = divmod(n, 100)
    words = [_RU_HUNDREDS[h]] if h else []
    if 10 <= rest <= 19:
        words.append(_RU_TEENS[rest - 10])
    else:
        t, u = divmod(rest, 10)
        if t:
            words.append(_RU_TENS[t])
        if u:
            words.append((_RU_UNITS_F if feminine else _RU_UNITS)[u])
    return words


def ru_words(n: int, feminine: bool = False) -> str:
    """A whole number in Russian words, nominative: 14253 -> 'четырнадцать тысяч двести пятьдесят три'."""
    if n == 0:
        return "ноль"
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    words: list[str] = []
    if millions:
        words += [*_ru_triad(millions, False), plural_ru(millions, "миллион", "миллиона", "миллионов")]
    if thousands:
        words += [*_ru_triad(thousands, True), plural_ru(thousands, "тысяча", "тысячи", "тысяч")]
    words += _ru_triad(units, feminine)
    return " ".join(words)


def rub_word(n: int) -> str:
    return plural_ru(n, "рубль", "рубля", "рублей")


_EN_SMALL = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _en_below_100(n: int) -> str:
    if n < 20:
        return _EN_SMALL[n]
    t, u = divmod(n, 10)
    return _EN_TENS[t] + (f"-{_EN_SMALL[u]}" if u else "")


def _en_triad(n: int) -> str:
    h, rest = divmod(n, 100)
    if not h:
        return _en_below_100(rest)
    return f"{_EN_SMALL[h]} hundred" + (f" and {_en_below_100(rest)}" if rest else "")


def en_words(n: int) -> str:
    """A whole number in English words: 14253 -> 'fourteen thousand two hundred and fifty-three'."""
    if n == 0:
        return "zero"
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    parts = []
    if millions:
        parts.append(f"{_en_triad(millions)} million")
    if thousands:
        parts.append(f"{_en_triad(thousands)} thousand")
    if units:
        parts.append(("and " if parts and units < 100 else "") + _en_triad(units))
    return " ".join(parts)


def times_ru(x: float, places: int) -> str:
    """'в 2,7 раза', 'в 5 раз', 'в 3 раза'."""
    if places:
        return f"в {ru(x, places)} раза"
    n = int(_dec(x, 0))
    return f"в {n} {plural_ru(n, 'раз', 'раза', 'раз')}"


# --- true figures, and wrong ones far from them ----------------------------------------------


def need(value: Any, what: str) -> Any:
    """`value`, or `SkipCase` when the subject lacks it (None, no alternatives, no steps)."""
    if value is None or (isinstance(value, list) and not value) or (what == "steps" and not value):
        raise SkipCase(f"the subject has no {what}")
    return value


def truths(s: Subject) -> dict[str, list[float]]:
    """True figures by kind, with what a careful model may derive from them (×12, ÷12,
    differences to the alternatives, per-node prices, the remaining share)."""
    money = [s.current, s.target, s.savings, s.yearly, *s.alternatives]
    money += [abs(a - s.current) for a in s.alternatives]
    if s.nodes > 1:
        money += [s.current / s.nodes, s.target / s.nodes]
    percent = [s.pct, 100 - s.pct, *(v for v in (s.cpu_avg, s.cpu_p95, s.ram_p95) if v is not None)]
    percent += [abs(a / s.current - 1) * 100 for a in s.alternatives if s.current]
    gb = [v for v in (s.ram_gb, s.disk_gb) if v]
    if s.disk_gb and s.nodes > 1:
        gb.append(s.disk_gb * s.nodes)
    return {
        "money": [m * k for m in money if m for k in (1.0, 12.0, 1 / 12)],
        "percent": percent,
        "vcpu": [float(s.vcpu)] if s.vcpu else [],
        "gb": [float(v) for v in gb],
        "nodes": [float(s.nodes)],
        "hours": [float(s.hours)] if s.hours else [],
        "score": [float(s.score)] if s.score else [],
        "ratio": [s.current / s.target] if s.target else [],
        "days": [float(s.window_days)] if s.window_days else [],
    }


def subject_numbers(s: Subject) -> list[float]:
    """Every numeric field of the subject; the money ones also ×12 and ÷12."""
    money = [s.current, s.target, s.savings, s.yearly, *s.alternatives]
    other = [s.rec_id, s.resource_id, s.pct, s.vcpu, s.ram_gb, s.disk_gb, s.nodes, s.hours, s.score]
    other += [s.cpu_avg, s.cpu_p95, s.ram_p95, s.window_days, s.steps]
    return [m * k for m in money if m for k in (1.0, 12.0, 1 / 12)] + [float(v) for v in other if v]


def far(value: float, others: Iterable[float], tol: float) -> bool:
    return all(abs(value - o) >= tol * abs(o) for o in others)


def clearly_wrong(s: Subject, kind: str, value: float, of: float | None = None, approx: bool = False) -> bool:
    """Whether `value` is clearly not a true figure of `s` (see the tolerances above)."""
    if not far(value, subject_numbers(s), ANY_KIND):
        return False
    if approx:
        assert of is not None, "an approximation is judged against the figure it stands for"
        return far(value, [of], APPROX) and far(value, truths(s)[kind], NEAR)
    return far(value, truths(s)[kind], EXACT)


def pick(s: Subject, kind: str, of: float, candidates: Iterable[float], approx: bool = False) -> float:
    """The first candidate that is clearly wrong for the true figure `of`."""
    for c in candidates:
        if c and clearly_wrong(s, kind, c, of, approx):
            return c
    raise AssertionError(f"no clearly wrong {kind} among the candidates for {s.rec_type}")


def wrong_money(s: Subject, base: float, factors: Iterable[float], places: int = 2) -> float:
    return pick(s, "money", base, (float(_dec(base * f, places)) for f in factors))


def wrong_approx(s: Subject, kind: str, base: float, factors: Iterable[float], digits: int = 2) -> float:
    return pick(s, kind, base, (sig(base * f, digits) for f in factors), approx=True)


# Multipliers tried in turn for a wrong figure: clearly off, and not a typical derivation.
UP = (1.2, 1.27, 0.8, 1.35, 0.7, 1.45, 0.6)
FAR = (1.4, 0.6, 1.7, 0.5, 2.3, 0.4, 3.0, 0.3)


# --- loading the subject through the tools ---------------------------------------------------

ToolOutputs = list[tuple[str, dict[str, Any]]]


async def _call(registry: Any, ctx: Any, name: str, **args: Any) -> dict[str, Any] | None:
    result = await registry.call(name, args, ctx)
    return result.data if result.ok else None


async def load_tool_outputs(registry: Any, ctx: Any, rec_id: int) -> ToolOutputs:
    """The outputs of the tools a model reads before writing about one recommendation: the
    recommendation, its resource, the latest snapshot, the alternatives, the target SKU's price,
    the effort estimate and the step plan (a tool that refuses the subject is left out)."""
    rec = await _call(registry, ctx, "get_recommendation", recommendation_id=rec_id)
    assert rec is not None, f"recommendation {rec_id} is not readable"
    resource_id = int(rec["resource"]["id"])
    calls: list[tuple[str, dict[str, Any]]] = [
        ("get_resource", {"resource_id": resource_id}),
        ("get_latest_snapshot", {"resource_id": resource_id}),
        ("list_top_alternatives", {"resource_id": resource_id}),
        ("estimate_migration_effort", {"recommendation_id": rec_id}),
        ("generate_step_plan", {"recommendation_id": rec_id}),
    ]
    target = rec.get("target")
    if target:
        calls.append(("get_prices_for_skus", {"skus": [{"provider": target["provider"], "sku": target["sku"]}]}))
    outputs: ToolOutputs = [("get_recommendation", rec)]
    for name, args in calls:
        data = await _call(registry, ctx, name, **args)
        if data is not None:
            outputs.append((name, data))
    return outputs


def subject_from_outputs(outputs: ToolOutputs) -> Subject:
    by_name = dict(outputs)
    rec = by_name["get_recommendation"]
    res = by_name["get_resource"]["resource"] if "get_resource" in by_name else rec["resource"]
    spec_ = res["spec"]
    snap = by_name.get("get_latest_snapshot") or {}
    alts = by_name.get("list_top_alternatives") or {"alternatives": []}
    effort = by_name.get("estimate_migration_effort") or {}
    plan = by_name.get("generate_step_plan") or {"steps": []}
    target = rec.get("target")
    return Subject(
        rec_type=rec["rec_type"],
        rec_id=int(rec["id"]),
        resource_id=int(res["id"]),
        resource_name=res["name"],
        provider_name=res["provider_name"],
        target_provider_name=target["provider_name"] if target else None,
        currency=rec["current_monthly"]["currency"],
        current=float(rec["current_monthly"]["amount"]),
        target=float(rec["target_monthly"]["amount"]),
        savings=float(rec["savings_monthly"]["amount"]),
        yearly=float(rec["savings_yearly"]["amount"]),
        pct=float(rec["savings_pct"]),
        vcpu=spec_.get("vcpu"),
        ram_gb=spec_.get("ram_gb"),
        disk_gb=spec_.get("disk_gb"),
        nodes=int(spec_.get("nodes") or 1),
        hours=effort.get("estimated_hours"),
        score=effort.get("score"),
        cpu_avg=snap.get("cpu_avg_pct"),
        cpu_p95=snap.get("cpu_p95_pct"),
        ram_p95=snap.get("ram_p95_pct"),
        window_days=snap.get("window_days"),
        alternatives=[float(a["monthly"]["amount"]) for a in alts["alternatives"]],
        steps=len(plan["steps"]),
    )


async def load_subject(registry: Any, ctx: Any, rec_id: int) -> Subject:
    """The true figures of recommendation `rec_id`, through `registry.call(name, args, ctx)`."""
    return subject_from_outputs(await load_tool_outputs(registry, ctx, rec_id))


def numeric_leaves(data: Any, key: str = "") -> Iterable[tuple[str, float]]:
    """(key, value) of every number in a tool output (booleans excluded)."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from numeric_leaves(v, str(k))
    elif isinstance(data, list | tuple):
        for v in data:
            yield from numeric_leaves(v, key)
    elif isinstance(data, int | float) and not isinstance(data, bool):
        yield key, float(data)


# --- the cases --------------------------------------------------------------------------------
# Shorthands inside the cases: s = the subject; tp = the target provider's name.


def _tp(s: Subject) -> str:
    return str(need(s.target_provider_name, "target provider"))


def _min_alt(s: Subject) -> float:
    return float(min(need(s.alternatives, "alternatives")))


def _max_alt(s: Subject) -> float:
    return float(max(need(s.alternatives, "alternatives")))


# plain -------------------------------------------------------------------------------------


@_case("ru-plain-01", "plain", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Перенос {s.resource_name} из {s.provider_name} в {_tp(s)} сократит расходы на {ru(s.savings)} ₽ в месяц — "
        f"это {ru(s.pct)} % от текущей стоимости. Сейчас сервер обходится в {ru(s.current)} ₽/мес, "
        f"аналог в {_tp(s)} стоит {ru_amt(s.target)} ₽/мес."
    )


@_case("ru-plain-02", "plain", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"За год это {ru(s.yearly)} ₽ экономии. Конфигурация сохраняется: {need(s.vcpu, 'vcpu')} vCPU, "
        f"{spec(need(s.ram_gb, 'ram'), 'ru')} ГБ RAM, диск {need(s.disk_gb, 'disk')} ГБ."
    )


@_case("ru-plain-03", "plain", "pass", DBAAS)
def _(s: Subject) -> Answer:
    nodes = plural_ru(s.nodes, "узел", "узла", "узлов")
    return Answer(
        f"Кластер {s.resource_name} ({s.nodes} {nodes} по {need(s.vcpu, 'vcpu')} vCPU / "
        f"{spec(need(s.ram_gb, 'ram'), 'ru')} ГБ RAM) сейчас стоит {ru(s.current)} руб. в месяц. "
        f"В {_tp(s)} такой же кластер обойдётся в {ru(s.target)} руб./мес, экономия — {ru(s.savings)} руб. "
        f"ежемесячно ({ru(s.pct, 1)} %)."
    )


@_case("ru-plain-04", "plain", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        f"Сервер {s.resource_name} загружен слабо: CPU в среднем {ru(need(s.cpu_avg, 'cpu'))} %, "
        f"p95 — {ru(need(s.cpu_p95, 'cpu p95'))} %. Уменьшение конфигурации снизит стоимость с {ru(s.current)} "
        f"до {ru(s.target)} ₽/мес и сэкономит {ru(s.savings)} ₽ в месяц."
    )


@_case("ru-plain-05", "plain", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Итог по {s.resource_name}: сейчас {de(s.current)} ₽ в месяц, после переезда — {de(s.target)} ₽, "
        f"экономия {de(s.savings)} ₽ ежемесячно."
    )


@_case("ru-plain-06", "plain", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Экономия — {rub_kop(s.savings)} в месяц (текущий счёт {rub_kop(s.current)}), "
        f"то есть {ru(s.pct, 1)}% от стоимости сервера."
    )


@_case("ru-plain-07", "plain", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.savings, UP)
    return Answer(
        f"Перенос {s.resource_name} в {_tp(s)} сократит расходы на {ru(bad)} ₽ в месяц. "
        f"Сейчас сервер стоит {ru(s.current)} ₽/мес, в {_tp(s)} — {ru_amt(s.target)} ₽/мес.",
        Wrong(ru(bad), bad, "money"),
    )


@_case("ru-plain-08", "plain", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.current, (0.9, 1.1, 0.85, 1.15))
    return Answer(
        f"Сейчас {s.resource_name} стоит {ru(bad)} ₽ в месяц; аналог в {_tp(s)} — {ru_amt(s.target)} ₽/мес, "
        f"экономия {ru(s.savings)} ₽ ежемесячно ({ru(s.pct)} %).",
        Wrong(ru(bad), bad, "money"),
    )


@_case("ru-plain-09", "plain", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.savings, (10, 11, 13))  # ×10 instead of ×12
    return Answer(
        f"Экономия составит {ru(s.savings)} ₽ в месяц, или {ru(bad)} ₽ в год, при той же конфигурации "
        f"({need(s.vcpu, 'vcpu')} vCPU, {spec(need(s.ram_gb, 'ram'), 'ru')} ГБ RAM).",
        Wrong(ru(bad), bad, "money"),
    )


@_case("ru-plain-10", "plain", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.target, (0.85, 1.15, 0.8, 1.2))
    return Answer(
        f"Кластер {s.resource_name} стоит {ru(s.current)} ₽/мес. В {_tp(s)} он обойдётся в {ru(bad)} ₽/мес, "
        f"экономия — {ru(s.savings)} ₽ в месяц.",
        Wrong(ru(bad), bad, "money"),
    )


@_case("en-plain-01", "plain", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Moving {s.resource_name} from {s.provider_name} to {_tp(s)} saves {en(s.savings)} RUB per month "
        f"({en(s.pct)}%). It costs {en(s.current)} RUB/month today; the {_tp(s)} equivalent is "
        f"{en(s.target)} RUB/month."
    )


@_case("en-plain-02", "plain", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"That is {en(s.yearly)} RUB a year, with the same {need(s.vcpu, 'vcpu')} vCPU / "
        f"{spec(need(s.ram_gb, 'ram'), 'en')} GB RAM / {need(s.disk_gb, 'disk')} GB disk."
    )


@_case("en-plain-03", "plain", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        f"{s.resource_name} is mostly idle: CPU averaged {en(need(s.cpu_avg, 'cpu'))}% "
        f"(p95 {en(need(s.cpu_p95, 'cpu p95'))}%) over the last {need(s.window_days, 'window')} days. "
        f"Downsizing cuts the bill from ₽{en(s.current)} to ₽{en(s.target)} a month."
    )


@_case("en-plain-04", "plain", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.savings, UP)
    return Answer(
        f"Moving {s.resource_name} to {_tp(s)} saves {en(bad)} RUB per month: it costs {en(s.current)} RUB/month "
        f"today and {en(s.target)} RUB/month there.",
        Wrong(en(bad), bad, "money"),
    )


@_case("en-plain-05", "plain", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.target, (1.25, 0.8, 1.3, 0.75))
    return Answer(
        f"The {_tp(s)} equivalent costs {en(bad)} RUB/month, so you save {en(s.savings)} RUB a month "
        f"({en(s.pct, 1)}%).",
        Wrong(en(bad), bad, "money"),
    )


@_case("en-plain-06", "plain", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.savings, (10, 11, 13))
    return Answer(
        f"Moving the {s.resource_name} cluster to {_tp(s)} saves {en(s.savings)} RUB/month, i.e. "
        f"{en(bad)} RUB per year.",
        Wrong(en(bad), bad, "money"),
    )


# words -------------------------------------------------------------------------------------


@_case("ru-words-01", "words", "pass")
def _(s: Subject) -> Answer:
    n = int(_dec(s.savings, 0))
    return Answer(
        f"Экономия составит {ru_words(n)} {rub_word(n)} в месяц. Текущая стоимость {s.resource_name} — "
        f"{ru(s.current)} ₽/мес."
    )


@_case("ru-words-02", "words", "pass")
def _(s: Subject) -> Answer:
    vcpu, ram = int(need(s.vcpu, "vcpu")), int(need(s.ram_gb, "ram"))
    gb = plural_ru(ram, "гигабайт", "гигабайта", "гигабайт")
    return Answer(
        f"Конфигурация в {_tp(s)} та же: {ru_words(vcpu)} vCPU и {ru_words(ram)} {gb} оперативной памяти, "
        f"а платить придётся {ru_amt(s.target)} ₽ в месяц вместо {ru(s.current)} ₽."
    )


@_case("ru-words-03", "words", "pass")
def _(s: Subject) -> Answer:
    n = int(_dec(s.pct, 0))
    return Answer(
        f"Это примерно {ru_words(n)} {plural_ru(n, 'процент', 'процента', 'процентов')} от текущего счёта; "
        f"за год набегает {ru(s.yearly)} ₽."
    )


@_case("ru-words-04", "words", "pass", DBAAS)
def _(s: Subject) -> Answer:
    n = int(sig(s.yearly, 2))
    return Answer(
        f"За год переезд кластера {s.resource_name} сэкономит примерно {ru_words(n)} {rub_word(n)} "
        f"({ru(s.savings)} ₽ в месяц)."
    )


@_case("ru-words-05", "words", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.savings, FAR, digits=1)
    words = ru_words(int(bad))
    return Answer(
        f"Экономия составит примерно {words} {rub_word(int(bad))} в месяц: сервер стоит {ru(s.current)} ₽/мес, "
        f"а в {_tp(s)} — {ru_amt(s.target)} ₽/мес.",
        Wrong(words.split()[0], bad, "money", approx=True, of=s.savings),
    )


@_case("ru-words-06", "words", "flag")
def _(s: Subject) -> Answer:
    ram = int(need(s.ram_gb, "ram"))
    bad = pick(s, "gb", ram, (ram * 2, ram * 3, ram * 4))
    words = ru_words(int(bad))
    gb = plural_ru(int(bad), "гигабайт", "гигабайта", "гигабайт")
    return Answer(
        f"В {_tp(s)} будет тот же сервер — {need(s.vcpu, 'vcpu')} vCPU и {words} {gb} памяти — за "
        f"{ru_amt(s.target)} ₽ в месяц.",
        Wrong(words.split()[0], bad, "gb"),
    )


@_case("ru-words-07", "words", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.yearly, (0.6, 1.4, 0.5, 1.7))
    words = ru_words(int(bad))
    return Answer(
        f"За год экономия составит примерно {words} {rub_word(int(bad))}; в месяц — {ru(s.savings)} ₽.",
        Wrong(words.split()[0], bad, "money", approx=True, of=s.yearly),
    )


@_case("en-words-01", "words", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"The move saves {en_words(int(_dec(s.savings, 0)))} roubles a month ({en(s.pct, 1)}% of the current bill)."
    )


@_case("en-words-02", "words", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"{_tp(s)} offers the same {en_words(int(need(s.vcpu, 'vcpu')))} vCPUs and "
        f"{en_words(int(need(s.ram_gb, 'ram')))} gigabytes of RAM; {s.resource_name} currently costs "
        f"{en(s.current)} RUB/month."
    )


@_case("en-words-03", "words", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.savings, FAR, digits=1)
    words = en_words(int(bad))
    return Answer(
        f"You would save roughly {words} roubles a month by moving {s.resource_name} to {_tp(s)}, "
        f"which charges {en_amt(s.target)} RUB/month.",
        Wrong(words.split()[0], bad, "money", approx=True, of=s.savings),
    )


@_case("en-words-04", "words", "flag")
def _(s: Subject) -> Answer:
    bad = pick(s, "percent", s.pct, (float(_dec(s.pct * f, 0)) for f in (1.3, 0.6, 1.4, 0.5)), approx=True)
    words = en_words(int(bad))
    return Answer(
        f"{_tp(s)} is about {words} percent cheaper: {en(s.target)} instead of {en(s.current)} RUB a month.",
        Wrong(words.split()[0].split("-")[0], bad, "percent", approx=True, of=s.pct),
    )


# scale words ------------------------------------------------------------------------------


@_case("ru-scale-01", "scale_words", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Экономия — около {scaled(s.savings, 1e3, 1, 'ru')} тыс. ₽ в месяц, или {scaled(s.yearly, 1e3, 0, 'ru')} "
        f"тыс. ₽ в год."
    )


@_case("ru-scale-02", "scale_words", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Годовая экономия — {scaled(s.yearly, 1e6, 2, 'ru')} млн ₽ при текущих {scaled(s.current, 1e3, 1, 'ru')} "
        f"тыс. руб. в месяц за {s.resource_name}."
    )


@_case("ru-scale-03", "scale_words", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        f"Кластер обходится в {scaled(s.current, 1e3, 1, 'ru')} тыс. ₽/мес, в {_tp(s)} — "
        f"{scaled(s.target, 1e3, 1, 'ru')} тыс. ₽/мес; разница — {scaled(s.savings, 1e3, 1, 'ru')} тыс. ₽ в месяц."
    )


@_case("ru-scale-04", "scale_words", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.savings, (1.7, 1.4, 0.6, 0.5), digits=3)
    return Answer(
        f"Экономия — около {scaled(bad, 1e3, 1, 'ru')} тыс. ₽ в месяц; сейчас сервер стоит {ru(s.current)} ₽/мес.",
        Wrong(scaled(bad, 1e3, 1, "ru"), bad, "money", approx=True, of=s.savings),
    )


@_case("ru-scale-05", "scale_words", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.yearly, (10, 0.1, 3), digits=2)  # a slipped decimal point
    return Answer(
        f"Экономия {ru(s.savings)} ₽ в месяц даст {scaled(bad, 1e6, 1, 'ru')} млн ₽ в год.",
        Wrong(scaled(bad, 1e6, 1, "ru"), bad, "money", approx=True, of=s.yearly),
    )


@_case("ru-scale-06", "scale_words", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.current, (1.4, 0.6, 1.7, 2.0, 0.45, 2.5), digits=3)
    return Answer(
        f"Сейчас {s.resource_name} стоит {scaled(bad, 1e3, 1, 'ru')} тыс. ₽/мес; после уменьшения — "
        f"{ru(s.target)} ₽/мес.",
        Wrong(scaled(bad, 1e3, 1, "ru"), bad, "money", approx=True, of=s.current),
    )


@_case("en-scale-01", "scale_words", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Moving {s.resource_name} saves about ₽{scaled(s.savings, 1e3, 1, 'en')}k a month "
        f"(₽{scaled(s.yearly, 1e3, 0, 'en')}k a year)."
    )


@_case("en-scale-02", "scale_words", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"RUB {scaled(s.current, 1e3, 1, 'en')}K/month today vs RUB {scaled(s.target, 1e3, 1, 'en')}K/month at "
        f"{_tp(s)}."
    )


@_case("en-scale-03", "scale_words", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        f"Downsizing {s.resource_name} saves {scaled(s.yearly, 1e6, 2, 'en')}M RUB per year "
        f"({en(s.savings)} RUB a month)."
    )


@_case("en-scale-04", "scale_words", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.savings, (1.7, 1.4, 0.6, 0.5), digits=3)
    return Answer(
        f"The move saves about ₽{scaled(bad, 1e3, 1, 'en')}k a month; {_tp(s)} charges {en(s.target)} RUB/month.",
        Wrong(scaled(bad, 1e3, 1, "en"), bad, "money", approx=True, of=s.savings),
    )


@_case("en-scale-05", "scale_words", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.yearly, (10, 0.1, 3), digits=2)
    return Answer(
        f"At {en(s.savings)} RUB a month that adds up to RUB {scaled(bad, 1e6, 1, 'en')}M a year.",
        Wrong(scaled(bad, 1e6, 1, "en"), bad, "money", approx=True, of=s.yearly),
    )


@_case("en-scale-06", "scale_words", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.current, (1.4, 0.6, 1.7, 2.0, 0.45, 2.5), digits=2)
    return Answer(
        f"The {s.resource_name} cluster costs RUB {scaled(bad, 1e3, 0, 'en')}K/month today and "
        f"{en(s.target)} RUB/month at {_tp(s)}.",
        Wrong(scaled(bad, 1e3, 0, "en"), bad, "money", approx=True, of=s.current),
    )


# wrong currency ----------------------------------------------------------------------------


@_case("ru-currency-01", "wrong_currency", "flag")
def _(s: Subject) -> Answer:
    return Answer(
        f"Экономия — ${en(s.savings)} в месяц; сейчас сервер стоит {ru(s.current)} ₽/мес.",
        Wrong(en(s.savings), None, "role"),
    )


@_case("ru-currency-02", "wrong_currency", "flag")
def _(s: Subject) -> Answer:
    return Answer(
        f"Переезд в {_tp(s)} сэкономит {ru(s.savings)} € в месяц ({ru(s.pct, 1)} %).",
        Wrong(ru(s.savings), None, "role"),
    )


@_case("ru-currency-03", "wrong_currency", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Экономия — {ru(s.savings)} ₽ в месяц; сейчас сервер стоит {ru(s.current)} ₽/мес.")


@_case("ru-currency-04", "wrong_currency", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Переезд в {_tp(s)} сэкономит {ru(s.savings)} руб. в месяц ({ru(s.pct, 1)} %), или RUB {en(s.yearly)} в год."
    )


@_case("en-currency-01", "wrong_currency", "flag")
def _(s: Subject) -> Answer:
    return Answer(
        f"Moving {s.resource_name} saves ${en(s.savings)} a month; it costs {en(s.current)} RUB/month now.",
        Wrong(en(s.savings), None, "role"),
    )


@_case("en-currency-02", "wrong_currency", "flag", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        f"The cluster would cost {en(s.target)} EUR per month at {_tp(s)}, saving {en(s.savings)} RUB a month.",
        Wrong(en(s.target), None, "role"),
    )


@_case("en-currency-03", "wrong_currency", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Moving {s.resource_name} saves ₽{en(s.savings)} a month; it costs {en(s.current)} RUB/month now.")


@_case("en-currency-04", "wrong_currency", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        f"The cluster would cost {en(s.target)} RUB per month at {_tp(s)}, saving {en(s.savings)} roubles a month."
    )


# wrong period ------------------------------------------------------------------------------


@_case("ru-period-01", "wrong_period", "flag")
def _(s: Subject) -> Answer:
    return Answer(
        f"Экономия — {ru(s.savings)} ₽ в год; сейчас сервер стоит {ru(s.current)} ₽ в месяц.",
        Wrong(ru(s.savings), None, "role"),
    )


@_case("ru-period-02", "wrong_period", "flag")
def _(s: Subject) -> Answer:
    return Answer(
        f"Сервер {s.resource_name} обходится в {ru(s.current)} ₽ в день, в {_tp(s)} — {ru_amt(s.target)} ₽/мес.",
        Wrong(ru(s.current), None, "role"),
    )


@_case("ru-period-03", "wrong_period", "flag", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        f"Кластер в {_tp(s)} будет стоить {ru(s.target)} ₽ ежегодно против {ru(s.current)} ₽/мес сейчас.",
        Wrong(ru(s.target), None, "role"),
    )


@_case("ru-period-04", "wrong_period", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Экономия — {ru(s.yearly)} ₽ в год, то есть {ru(s.savings)} ₽ ежемесячно.")


@_case("ru-period-05", "wrong_period", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Сервер {s.resource_name} обходится в {ru(s.current)} ₽/мес, в {_tp(s)} — {ru_amt(s.target)} ₽/мес.")


@_case("ru-period-06", "wrong_period", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(f"Кластер в {_tp(s)} будет стоить {ru(s.target)} ₽ в месяц; экономия — {ru(s.yearly)} ₽ в год.")


@_case("en-period-01", "wrong_period", "flag")
def _(s: Subject) -> Answer:
    return Answer(
        f"Moving {s.resource_name} saves {en(s.savings)} RUB per year; it costs {en(s.current)} RUB/month today.",
        Wrong(en(s.savings), None, "role"),
    )


@_case("en-period-02", "wrong_period", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        f"{s.resource_name} costs {en(s.current)} RUB per day; the smaller flavour is {en(s.target)} RUB/month.",
        Wrong(en(s.current), None, "role"),
    )


@_case("en-period-03", "wrong_period", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Moving {s.resource_name} saves {en(s.yearly)} RUB per year ({en(s.savings)} RUB monthly).")


@_case("en-period-04", "wrong_period", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(f"{s.resource_name} costs {en(s.current)} RUB/month now and {en(s.target)} RUB/mo after resizing.")


# wrong unit --------------------------------------------------------------------------------


@_case("ru-unit-01", "wrong_unit", "flag")
def _(s: Subject) -> Answer:
    disk = need(s.disk_gb, "disk")
    return Answer(
        f"В {_tp(s)} такой же сервер: {need(s.vcpu, 'vcpu')} vCPU, {spec(need(s.ram_gb, 'ram'), 'ru')} ГБ RAM, "
        f"диск {disk} ТБ — за {ru_amt(s.target)} ₽ в месяц.",
        Wrong(f"{disk} ТБ", None, "role"),
    )


@_case("ru-unit-02", "wrong_unit", "flag", DBAAS)
def _(s: Subject) -> Answer:
    ram = spec(need(s.ram_gb, "ram"), "ru")
    return Answer(
        f"Каждый из узлов {s.resource_name} — {need(s.vcpu, 'vcpu')} vCPU и {ram} МБ RAM; кластер стоит "
        f"{ru(s.current)} ₽/мес.",
        Wrong(f"{ram} МБ", None, "role"),
    )


@_case("ru-unit-03", "wrong_unit", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"В {_tp(s)} такой же сервер: {need(s.vcpu, 'vcpu')} vCPU, {spec(need(s.ram_gb, 'ram'), 'ru')} ГБ RAM, "
        f"диск {need(s.disk_gb, 'disk')} ГБ — за {ru_amt(s.target)} ₽ в месяц."
    )


@_case("ru-unit-04", "wrong_unit", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        f"Каждый из узлов {s.resource_name} — {need(s.vcpu, 'vcpu')} vCPU, {spec(need(s.ram_gb, 'ram'), 'ru')} ГБ "
        f"RAM и {need(s.disk_gb, 'disk')} ГБ SSD; кластер стоит {ru(s.current)} ₽/мес."
    )


@_case("en-unit-01", "wrong_unit", "flag")
def _(s: Subject) -> Answer:
    disk = need(s.disk_gb, "disk")
    return Answer(
        f"The server keeps {need(s.vcpu, 'vcpu')} vCPU, {spec(need(s.ram_gb, 'ram'), 'en')} GB RAM and a {disk} TB "
        f"disk, for {en(s.target)} RUB/month at {_tp(s)}.",
        Wrong(f"{disk} TB", None, "role"),
    )


@_case("en-unit-02", "wrong_unit", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    ram = spec(need(s.ram_gb, "ram"), "en")
    return Answer(
        f"{s.resource_name} has {need(s.vcpu, 'vcpu')} vCPU and {ram} MB of RAM, with CPU p95 at "
        f"{en(need(s.cpu_p95, 'cpu p95'))}%.",
        Wrong(f"{ram} MB", None, "role"),
    )


@_case("en-unit-03", "wrong_unit", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"The server keeps {need(s.vcpu, 'vcpu')} vCPU, {spec(need(s.ram_gb, 'ram'), 'en')} GB RAM and a "
        f"{need(s.disk_gb, 'disk')} GB disk, for {en(s.target)} RUB/month at {_tp(s)}."
    )


@_case("en-unit-04", "wrong_unit", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        f"{s.resource_name} has {need(s.vcpu, 'vcpu')} vCPU and {spec(need(s.ram_gb, 'ram'), 'en')}GB of RAM, "
        f"with CPU p95 at {en(need(s.cpu_p95, 'cpu p95'))}%."
    )


# percent -----------------------------------------------------------------------------------


def _wrong_pct(s: Subject) -> float:
    return pick(s, "percent", s.pct, (float(_dec(s.pct * f, 0)) for f in (1.25, 0.7, 1.35, 0.6, 0.5)))


@_case("ru-percent-01", "percent", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Экономия — {ru(s.savings)} ₽/мес, или {ru(s.pct, 1)} % от текущей стоимости.")


@_case("ru-percent-02", "percent", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"{_tp(s)} дешевле на {ru(s.pct, 0)} %: {ru_amt(s.target)} ₽ против {ru(s.current)} ₽ в месяц.")


@_case("ru-percent-03", "percent", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(f"Переезд кластера снизит счёт на {ru(s.pct)}%, то есть на {ru(s.savings)} ₽ ежемесячно.")


@_case("ru-percent-04", "percent", "flag")
def _(s: Subject) -> Answer:
    bad = _wrong_pct(s)
    return Answer(
        f"Экономия — {ru(s.savings)} ₽/мес, или {ru(bad, 0)} % от текущей стоимости.",
        Wrong(ru(bad, 0), bad, "percent"),
    )


@_case("ru-percent-05", "percent", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    bad = _wrong_pct(s)
    return Answer(
        f"Уменьшение {s.resource_name} снизит стоимость на {ru(bad, 0)}% — с {ru(s.current)} до {ru(s.target)} ₽/мес.",
        Wrong(ru(bad, 0), bad, "percent"),
    )


@_case("en-percent-01", "percent", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"{_tp(s)} is {en(s.pct, 1)}% cheaper: {en(s.target)} vs {en(s.current)} RUB/month.")


@_case("en-percent-02", "percent", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(f"Resizing cuts the bill by {en(s.pct, 0)}%, i.e. {en(s.savings)} RUB a month.")


@_case("en-percent-03", "percent", "flag")
def _(s: Subject) -> Answer:
    bad = _wrong_pct(s)
    return Answer(
        f"{_tp(s)} is {en(bad, 0)}% cheaper: {en(s.target)} vs {en(s.current)} RUB/month.",
        Wrong(en(bad, 0), bad, "percent"),
    )


@_case("en-percent-04", "percent", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = _wrong_pct(s)
    return Answer(
        f"Moving the cluster saves {en(s.savings)} RUB a month, a {en(bad, 0)} % reduction.",
        Wrong(en(bad, 0), bad, "percent"),
    )


# ratio -------------------------------------------------------------------------------------


def _wrong_ratio(s: Subject) -> float:
    return pick(s, "ratio", s.ratio, (float(_dec(s.ratio * f, 0)) for f in (1.8, 2.2, 2.6, 3.0)), approx=True)


@_case("ru-ratio-01", "ratio", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"{_tp(s)} {times_ru(s.ratio, 1)} дешевле: {ru_amt(s.target)} ₽ против {ru(s.current)} ₽ в месяц, "
        f"экономия {ru(s.savings)} ₽/мес."
    )


@_case("ru-ratio-02", "ratio", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(f"В {_tp(s)} кластер обойдётся примерно {times_ru(s.ratio, 1)} дешевле — {ru(s.target)} ₽/мес.")


@_case("ru-ratio-03", "ratio", "flag")
def _(s: Subject) -> Answer:
    bad = _wrong_ratio(s)
    return Answer(
        f"{_tp(s)} {times_ru(bad, 0)} дешевле: экономия {ru(s.savings)} ₽ в месяц при текущих {ru(s.current)} ₽/мес.",
        Wrong(times_ru(bad, 0).split()[1], bad, "ratio", approx=True, of=s.ratio),
    )


@_case("ru-ratio-04", "ratio", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = _wrong_ratio(s)
    return Answer(
        f"В {_tp(s)} кластер обойдётся {times_ru(bad, 0)} дешевле — {ru(s.target)} ₽/мес вместо {ru(s.current)} ₽.",
        Wrong(times_ru(bad, 0).split()[1], bad, "ratio", approx=True, of=s.ratio),
    )


@_case("en-ratio-01", "ratio", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"{_tp(s)} is {en(s.ratio, 1)}× cheaper: {en(s.target)} vs {en(s.current)} RUB/month.")


@_case("en-ratio-02", "ratio", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(f"The smaller flavour is about {en(s.ratio, 1)} times cheaper, saving {en(s.savings)} RUB a month.")


@_case("en-ratio-03", "ratio", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = _wrong_ratio(s)
    return Answer(
        f"{_tp(s)} is {en(bad, 0)}× cheaper for this cluster: {en(s.target)} RUB/month instead of {en(s.current)}.",
        Wrong(en(bad, 0), bad, "ratio", approx=True, of=s.ratio),
    )


@_case("en-ratio-04", "ratio", "flag")
def _(s: Subject) -> Answer:
    bad = _wrong_ratio(s)
    return Answer(
        f"At {en(s.target)} RUB/month, {_tp(s)} is {en(bad, 0)}x cheaper than the current {en(s.current)} RUB/month.",
        Wrong(en(bad, 0), bad, "ratio", approx=True, of=s.ratio),
    )


# far rounding ------------------------------------------------------------------------------


@_case("ru-far-01", "far_round", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Экономия — около {ru(sig(s.savings, 2), 0)} ₽ в месяц, если перенести {s.resource_name} в {_tp(s)}."
    )


@_case("ru-far-02", "far_round", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"За год это примерно {ru(sig(s.yearly, 2), 0)} ₽ в год, при текущих {ru(s.current)} ₽/мес.")


@_case("ru-far-03", "far_round", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        f"Кластер стоит порядка {ru(sig(s.current, 2), 0)} ₽/мес, в {_tp(s)} — ≈ {ru(sig(s.target, 2), 0)} ₽/мес."
    )


@_case("ru-far-04", "far_round", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.savings, FAR, digits=1)
    return Answer(
        f"Экономия — ≈ {ru(bad, 0)} ₽ в месяц: сервер стоит {ru(s.current)} ₽/мес, в {_tp(s)} — {ru_amt(s.target)} ₽.",
        Wrong(ru(bad, 0), bad, "money", approx=True, of=s.savings),
    )


@_case("ru-far-05", "far_round", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.yearly, (0.6, 1.4, 0.5, 1.7))
    return Answer(
        f"Экономия {ru(s.savings)} ₽ в месяц — это около {ru(bad, 0)} ₽ в год.",
        Wrong(ru(bad, 0), bad, "money", approx=True, of=s.yearly),
    )


@_case("en-far-01", "far_round", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"That's about {en(sig(s.savings, 2), 0)} RUB a month in savings ({en(s.pct, 0)}%).")


@_case("en-far-02", "far_round", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"~{en(sig(s.current, 2), 0)} RUB/month today, roughly {en(sig(s.target, 2), 0)} RUB/month at {_tp(s)}."
    )


@_case("en-far-03", "far_round", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.savings, FAR, digits=1)
    return Answer(
        f"~{en(bad, 0)} RUB/month in savings: {en(s.current)} RUB/month today vs {en(s.target)} at {_tp(s)}.",
        Wrong(en(bad, 0), bad, "money", approx=True, of=s.savings),
    )


@_case("en-far-04", "far_round", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.yearly, (0.6, 1.4, 0.5, 1.7))
    return Answer(
        f"Saving {en(s.savings)} RUB a month comes to roughly {en(bad, 0)} RUB a year.",
        Wrong(en(bad, 0), bad, "money", approx=True, of=s.yearly),
    )


# ranges ------------------------------------------------------------------------------------


@_case("ru-range-01", "range", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Аналоги у других провайдеров стоят от {ru_amt(_min_alt(s))} до {ru_amt(_max_alt(s))} ₽ в месяц; "
        f"самый дешёвый экономит {ru(s.savings)} ₽/мес."
    )


@_case("ru-range-02", "range", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Ежемесячный счёт за {s.resource_name} снизится с {ru(s.current)} до {ru_amt(s.target)} ₽.")


@_case("ru-range-03", "range", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.savings, (1.5, 1.4, 1.6, 1.8), places=0)
    return Answer(
        f"Экономия составит от {ru(s.savings)} до {ru(bad, 0)} ₽ в месяц в зависимости от тарифа {_tp(s)}.",
        Wrong(ru(bad, 0), bad, "money"),
    )


@_case("ru-range-04", "range", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    bad = wrong_money(s, _min_alt(s), (0.6, 0.5, 0.7, 0.4), places=0)
    return Answer(
        f"Аналоги {s.resource_name} у других провайдеров стоят от {ru(bad, 0)} до {ru_amt(_max_alt(s))} ₽ в месяц.",
        Wrong(ru(bad, 0), bad, "money"),
    )


@_case("en-range-01", "range", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(f"Equivalent servers at other providers range from {en(_min_alt(s))} to {en(_max_alt(s))} RUB/month.")


@_case("en-range-02", "range", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(f"The cluster bill drops from {en(s.current)} to {en(s.target)} RUB a month.")


@_case("en-range-03", "range", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.savings, (1.5, 1.4, 1.6, 1.8), places=0)
    return Answer(
        f"You would save between {en(s.savings)} and {en(bad, 0)} RUB a month, depending on the {_tp(s)} plan.",
        Wrong(en(bad, 0), bad, "money"),
    )


@_case("en-range-04", "range", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.target, (0.7, 0.6, 0.75), places=0)
    return Answer(
        f"The cluster bill drops from {en(s.current)} to {en(bad, 0)} RUB a month.",
        Wrong(en(bad, 0), bad, "money"),
    )


# doubled spec ------------------------------------------------------------------------------


@_case("ru-spec-01", "doubled_spec", "flag")
def _(s: Subject) -> Answer:
    vcpu = int(need(s.vcpu, "vcpu"))
    bad = vcpu * 2
    return Answer(
        f"В {_tp(s)} можно взять такой же сервер — {bad} vCPU, {spec(need(s.ram_gb, 'ram'), 'ru')} ГБ RAM — "
        f"за {ru_amt(s.target)} ₽/мес, экономия {ru(s.savings)} ₽ в месяц.",
        Wrong(f"{bad} vCPU", bad, "vcpu", cross_kind_trap=s.ram_gb == bad),
    )


@_case("ru-spec-02", "doubled_spec", "flag")
def _(s: Subject) -> Answer:
    ram = need(s.ram_gb, "ram")
    bad = pick(s, "gb", ram, (ram * 2, ram * 3))
    return Answer(
        f"Сервер {s.resource_name}: {need(s.vcpu, 'vcpu')} vCPU и {spec(bad, 'ru')} ГБ RAM; в {_tp(s)} он будет "
        f"стоить {ru_amt(s.target)} ₽ в месяц вместо {ru(s.current)} ₽.",
        Wrong(f"{spec(bad, 'ru')} ГБ", bad, "gb"),
    )


@_case("ru-spec-03", "doubled_spec", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = int(pick(s, "nodes", s.nodes, (s.nodes * 2, s.nodes * 3, s.nodes + 1, s.nodes * 4)))
    return Answer(
        f"Кластер {s.resource_name} из {bad} {plural_ru(bad, 'узла', 'узлов', 'узлов')} по {need(s.vcpu, 'vcpu')} "
        f"vCPU стоит {ru(s.current)} ₽/мес; в {_tp(s)} — {ru(s.target)} ₽/мес.",
        Wrong(str(bad), bad, "nodes"),
    )


@_case("ru-spec-04", "doubled_spec", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"В {_tp(s)} можно взять такой же сервер — {need(s.vcpu, 'vcpu')} vCPU, "
        f"{spec(need(s.ram_gb, 'ram'), 'ru')} ГБ RAM — за {ru_amt(s.target)} ₽/мес, экономия {ru(s.savings)} ₽ в месяц."
    )


@_case("ru-spec-05", "doubled_spec", "pass", DBAAS)
def _(s: Subject) -> Answer:
    nodes = plural_ru(s.nodes, "узла", "узлов", "узлов")
    return Answer(
        f"Кластер {s.resource_name} из {s.nodes} {nodes} по {need(s.vcpu, 'vcpu')} vCPU и "
        f"{spec(need(s.ram_gb, 'ram'), 'ru')} ГБ RAM стоит {ru(s.current)} ₽/мес; в {_tp(s)} — {ru(s.target)} ₽/мес."
    )


@_case("en-spec-01", "doubled_spec", "flag")
def _(s: Subject) -> Answer:
    disk = need(s.disk_gb, "disk")
    bad = int(pick(s, "gb", disk, (disk * 3, disk * 4)))  # ×2 may be the target's real disk
    return Answer(
        f"{s.resource_name} runs {need(s.vcpu, 'vcpu')} vCPU, {spec(need(s.ram_gb, 'ram'), 'en')} GB RAM and a "
        f"{bad} GB disk; moving it to {_tp(s)} saves {en(s.savings)} RUB/month.",
        Wrong(f"{bad} GB", bad, "gb"),
    )


@_case("en-spec-02", "doubled_spec", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    vcpu = need(s.vcpu, "vcpu")
    bad = int(pick(s, "vcpu", vcpu, (vcpu * 2, vcpu * 3, vcpu * 4, vcpu * 1.5)))
    return Answer(
        f"{s.resource_name} has {bad} vCPU but its CPU p95 is only {en(need(s.cpu_p95, 'cpu p95'))}%; "
        f"a smaller flavour saves {en(s.savings)} RUB a month.",
        Wrong(f"{bad} vCPU", bad, "vcpu", cross_kind_trap=s.ram_gb == bad),
    )


@_case("en-spec-03", "doubled_spec", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"{s.resource_name} runs {need(s.vcpu, 'vcpu')} vCPU, {spec(need(s.ram_gb, 'ram'), 'en')} GB RAM and a "
        f"{need(s.disk_gb, 'disk')} GB disk; moving it to {_tp(s)} saves {en(s.savings)} RUB/month."
    )


@_case("en-spec-04", "doubled_spec", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        f"{s.resource_name} has {need(s.vcpu, 'vcpu')} vCPU but its CPU p95 is only "
        f"{en(need(s.cpu_p95, 'cpu p95'))}%; a smaller flavour saves {en(s.savings)} RUB a month."
    )


# effort ------------------------------------------------------------------------------------


def _wrong_hours(s: Subject) -> int:
    hours = need(s.hours, "hours")
    return int(pick(s, "hours", hours, (hours * 3, hours * 4, hours * 5), approx=True))


@_case("ru-effort-01", "effort_hours", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Оценка трудозатрат — {need(s.hours, 'hours')} ч, сложность {need(s.score, 'score')}/5. "
        f"Экономия окупит работу с первого месяца: {ru(s.savings)} ₽/мес."
    )


@_case("ru-effort-02", "effort_hours", "pass", DBAAS)
def _(s: Subject) -> Answer:
    hours = int(need(s.hours, "hours"))
    return Answer(
        f"Переезд кластера — около {hours} {plural_ru(hours, 'часа', 'часов', 'часов')} работы инженера, "
        f"сложность {need(s.score, 'score')} из 5; экономия {ru(s.savings)} ₽ в месяц."
    )


@_case("ru-effort-03", "effort_hours", "flag")
def _(s: Subject) -> Answer:
    bad = _wrong_hours(s)
    return Answer(
        f"Оценка трудозатрат — {bad} ч, сложность {need(s.score, 'score')}/5; экономия {ru(s.savings)} ₽/мес.",
        Wrong(f"{bad} ч", bad, "hours"),
    )


@_case("ru-effort-04", "effort_hours", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = _wrong_hours(s)
    return Answer(
        f"Переезд кластера займёт около {bad} часов, сложность {need(s.score, 'score')} из 5.",
        Wrong(str(bad), bad, "hours", approx=True, of=s.hours),
    )


@_case("en-effort-01", "effort_hours", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Effort score {need(s.score, 'score')}/5, about {need(s.hours, 'hours')} hours of work for "
        f"{en(s.savings)} RUB/month in savings."
    )


@_case("en-effort-02", "effort_hours", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    hours = int(need(s.hours, "hours"))
    return Answer(
        f"Effort {need(s.score, 'score')}/5 (very low): roughly {hours} hour{'s' if hours != 1 else ''}, "
        f"including the restart."
    )


@_case("en-effort-03", "effort_hours", "flag")
def _(s: Subject) -> Answer:
    bad = _wrong_hours(s)
    return Answer(
        f"Effort score {need(s.score, 'score')}/5, about {bad} hours of work for {en(s.savings)} RUB/month in savings.",
        Wrong(str(bad), bad, "hours", approx=True, of=s.hours),
    )


@_case("en-effort-04", "effort_hours", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    bad = _wrong_hours(s)
    return Answer(
        f"Resizing {s.resource_name} takes about {bad} hours and saves {en(s.savings)} RUB a month.",
        Wrong(str(bad), bad, "hours", approx=True, of=s.hours),
    )


# swapped current and target ---------------------------------------------------------------


@_case("ru-swapped-01", "swapped", "flag")
def _(s: Subject) -> Answer:
    return Answer(
        f"Сейчас сервер {s.resource_name} стоит {ru_amt(s.target)} ₽/мес, после переезда в {_tp(s)} будет "
        f"{ru(s.current)} ₽/мес.",
        Wrong(ru_amt(s.target), None, "role", also=(ru(s.current),)),
    )


@_case("ru-swapped-02", "swapped", "flag", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        f"В {_tp(s)} кластер обойдётся в {ru(s.current)} ₽/мес вместо нынешних {ru(s.target)} ₽; "
        f"сложность переезда {need(s.score, 'score')}/5.",
        Wrong(ru(s.current), None, "role", also=(ru(s.target),)),
    )


@_case("ru-swapped-03", "swapped", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Сейчас сервер {s.resource_name} стоит {ru(s.current)} ₽/мес, после переезда в {_tp(s)} будет "
        f"{ru_amt(s.target)} ₽/мес."
    )


@_case("ru-swapped-04", "swapped", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        f"После переезда в {_tp(s)} кластер будет стоить {ru(s.target)} ₽/мес вместо нынешних {ru(s.current)} ₽/мес."
    )


@_case("en-swapped-01", "swapped", "flag")
def _(s: Subject) -> Answer:
    return Answer(
        f"It costs {en(s.target)} RUB/month today and would cost {en(s.current)} RUB/month at {_tp(s)}.",
        Wrong(en(s.target), None, "role", also=(en(s.current),)),
    )


@_case("en-swapped-02", "swapped", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        f"After resizing, {s.resource_name} will cost {en(s.current)} RUB/month, down from {en(s.target)} now.",
        Wrong(en(s.current), None, "role", also=(en(s.target),)),
    )


@_case("en-swapped-03", "swapped", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"It costs {en(s.current)} RUB/month today and would cost {en(s.target)} RUB/month at {_tp(s)}.")


@_case("en-swapped-04", "swapped", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        f"After resizing, {s.resource_name} will cost {en(s.target)} RUB/month, down from {en(s.current)} now."
    )


# ids written as money ----------------------------------------------------------------------


@_case("ru-id-01", "id_as_money", "flag")
def _(s: Subject) -> Answer:
    return Answer(
        f"Экономия по этой рекомендации — {s.rec_id} ₽ в месяц; сервер {s.resource_name} сейчас стоит "
        f"{ru(s.current)} ₽/мес.",
        Wrong(str(s.rec_id), float(s.rec_id), "money", cross_kind_trap=True),
    )


@_case("ru-id-02", "id_as_money", "flag", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        f"Переезд кластера {s.resource_name} в {_tp(s)} снизит счёт на {s.resource_id} ₽ ежемесячно "
        f"({ru(s.pct, 1)} %).",
        Wrong(str(s.resource_id), float(s.resource_id), "money", cross_kind_trap=True),
    )


@_case("ru-id-03", "id_as_money", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Рекомендация №{s.rec_id}: перенос {s.resource_name} (ресурс #{s.resource_id}) в {_tp(s)} сэкономит "
        f"{ru(s.savings)} ₽ в месяц."
    )


@_case("ru-id-04", "id_as_money", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(f"ID ресурса: {s.resource_id}. Кластер стоит {ru(s.current)} ₽/мес (рекомендация {s.rec_id}).")


@_case("en-id-01", "id_as_money", "flag")
def _(s: Subject) -> Answer:
    return Answer(
        f"Recommendation #{s.rec_id} saves {s.resource_id} RUB a month on {s.resource_name}.",
        Wrong(str(s.resource_id), float(s.resource_id), "money", cross_kind_trap=True),
    )


@_case("en-id-02", "id_as_money", "flag")
def _(s: Subject) -> Answer:
    return Answer(
        f"Savings: ₽{s.rec_id} per month; {s.resource_name} costs {en(s.current)} RUB/month today.",
        Wrong(str(s.rec_id), float(s.rec_id), "money", cross_kind_trap=True),
    )


@_case("en-id-03", "id_as_money", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Recommendation #{s.rec_id} (resource #{s.resource_id}, {s.resource_name}) saves {en(s.savings)} RUB a month."
    )


@_case("en-id-04", "id_as_money", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(f"Server id {s.resource_id} costs {en(s.current)} RUB/month; see recommendation {s.rec_id}.")


# scientific notation ----------------------------------------------------------------------


@_case("ru-scientific-01", "scientific", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Экономия — {sci(s.savings, 5, ',')} ₽ в месяц.")


@_case("ru-scientific-02", "scientific", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Годовая экономия ≈ {sci(s.yearly, 3, ',')} ₽ в год, месячная ≈ {sci(s.savings, 2, ',')} ₽.")


@_case("ru-scientific-03", "scientific", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.savings, UP)
    return Answer(
        f"Экономия — {sci(bad, 5, ',')} ₽ в месяц при текущих {ru(s.current)} ₽/мес.",
        Wrong(sci(bad, 5, ","), float(sci(bad, 5)), "money"),
    )


@_case("en-scientific-01", "scientific", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Savings: {sci(s.savings, 5)} RUB/month; current cost {sci(s.current, 5, e='E')} RUB/month.")


@_case("en-scientific-02", "scientific", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(f"The cluster saves about {sci(s.yearly, 3)} RUB per year.")


@_case("en-scientific-03", "scientific", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_approx(s, "money", s.current, FAR, digits=3)
    return Answer(
        f"Savings: {en(s.savings)} RUB/month; current cost ~{sci(bad, 3)} RUB/month.",
        Wrong(sci(bad, 3), bad, "money", approx=True, of=s.current),
    )


# no-break and thin spaces -----------------------------------------------------------------


@_case("ru-nbsp-01", "nbsp", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Экономия — {ru(s.savings, sep=NBSP)}{NBSP}₽ в{NBSP}месяц, за год — {ru(s.yearly, sep=NBSP)}{NBSP}₽."
    )


@_case("ru-nbsp-02", "nbsp", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Сейчас {s.resource_name} стоит {ru(s.current, sep=NNBSP)}{NNBSP}₽/мес, в {_tp(s)} — "
        f"{ru_amt(s.target, sep=NNBSP)}{NNBSP}₽/мес."
    )


@_case("ru-nbsp-03", "nbsp", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Экономия {ru(s.savings, 0, sep=THIN)} ₽ в месяц ({ru(s.pct, 1)}{THIN}%).")


@_case("ru-nbsp-04", "nbsp", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        f"Кластер: {ru(s.current, sep=NBSP)} ₽/мес сейчас, {ru(s.target, sep=NNBSP)} ₽/мес в {_tp(s)}, "
        f"экономия {ru(s.savings, sep=THIN)} ₽ в месяц."
    )


@_case("ru-nbsp-05", "nbsp", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.savings, UP)
    return Answer(
        f"Экономия — {ru(bad, sep=NBSP)}{NBSP}₽ в{NBSP}месяц при текущей стоимости {ru(s.current, sep=NBSP)}{NBSP}₽.",
        Wrong(ru(bad, sep=NBSP), bad, "money"),
    )


@_case("ru-nbsp-06", "nbsp", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.current, (1.15, 0.85, 1.2, 0.8))
    return Answer(
        f"Кластер: {ru(bad, sep=NNBSP)} ₽/мес сейчас, {ru(s.target, sep=NNBSP)} ₽/мес в {_tp(s)}.",
        Wrong(ru(bad, sep=NNBSP), bad, "money"),
    )


@_case("ru-nbsp-07", "nbsp", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.yearly, (0.8, 1.2, 0.75), places=0)
    return Answer(
        f"За год экономия составит {ru(bad, 0, sep=THIN)} ₽ в год ({ru(s.savings, sep=THIN)} ₽ в месяц).",
        Wrong(ru(bad, 0, sep=THIN), bad, "money"),
    )


@_case("en-nbsp-01", "nbsp", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Savings: {grouped(s.savings, 2, THIN, '.')} RUB/month; "
        f"current cost {grouped(s.current, 2, NBSP, '.')} RUB/month."
    )


@_case("en-nbsp-02", "nbsp", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.target, (1.3, 0.75, 1.4))
    return Answer(
        f"Savings: {grouped(s.savings, 2, THIN, '.')} RUB/month; the {_tp(s)} price is "
        f"{grouped(bad, 2, THIN, '.')} RUB/month.",
        Wrong(grouped(bad, 2, THIN, "."), bad, "money"),
    )


# tables ------------------------------------------------------------------------------------


def _ru_table(name: str, cur: str, tgt: str, sav: str) -> str:
    return (
        "| Ресурс | Сейчас, ₽/мес | После переезда, ₽/мес | Экономия, ₽/мес |\n"
        "|---|---:|---:|---:|\n"
        f"| {name} | {cur} | {tgt} | {sav} |"
    )


def _en_table(name: str, cur: str, tgt: str, sav: str) -> str:
    return (
        "| Resource | Now, RUB/month | After, RUB/month | Savings, RUB/month |\n"
        "|---|---:|---:|---:|\n"
        f"| {name} | {cur} | {tgt} | {sav} |"
    )


@_case("ru-table-01", "table", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        _ru_table(s.resource_name, ru(s.current), ru(s.target), ru(s.savings)) + f"\n\nЗа год — {ru(s.yearly)} ₽."
    )


@_case("ru-table-02", "table", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        "| Показатель | ₽/мес |\n|---|---:|\n"
        f"| Текущая стоимость ({s.provider_name}) | {ru(s.current)} |\n"
        f"| {_tp(s)} | {ru(s.target)} |\n"
        f"| Экономия | {ru(s.savings)} |"
    )


@_case("ru-table-03", "table", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.target, (1.3, 0.75, 1.4, 0.65))
    return Answer(
        _ru_table(s.resource_name, ru(s.current), ru(bad), ru(s.savings)) + f"\n\nЗа год — {ru(s.yearly)} ₽.",
        Wrong(ru(bad), bad, "money"),
    )


@_case("ru-table-04", "table", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.savings, UP)
    return Answer(
        "| Показатель | ₽/мес |\n|---|---:|\n"
        f"| Текущая стоимость ({s.provider_name}) | {ru(s.current)} |\n"
        f"| {_tp(s)} | {ru(s.target)} |\n"
        f"| Экономия | {ru(bad)} |",
        Wrong(ru(bad), bad, "money"),
    )


@_case("en-table-01", "table", "pass")
def _(s: Subject) -> Answer:
    return Answer(_en_table(s.resource_name, en(s.current), en(s.target), en(s.savings)))


@_case("en-table-02", "table", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        "| Metric | Value |\n|---|---:|\n"
        f"| CPU avg, % | {en(need(s.cpu_avg, 'cpu'))} |\n"
        f"| CPU p95, % | {en(need(s.cpu_p95, 'cpu p95'))} |\n"
        f"| Cost now, RUB/month | {en(s.current)} |\n"
        f"| Cost after, RUB/month | {en(s.target)} |"
    )


@_case("en-table-03", "table", "flag")
def _(s: Subject) -> Answer:
    bad = wrong_money(s, s.current, (1.15, 0.85, 1.2, 0.8))
    return Answer(
        _en_table(s.resource_name, en(bad), en(s.target), en(s.savings)),
        Wrong(en(bad), bad, "money"),
    )


@_case("en-table-04", "table", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    p95 = need(s.cpu_p95, "cpu p95")
    bad = pick(s, "percent", p95, (float(_dec(p95 * f, 2)) for f in (3, 2.5, 4)))
    return Answer(
        "| Metric | Value |\n|---|---:|\n"
        f"| CPU avg, % | {en(need(s.cpu_avg, 'cpu'))} |\n"
        f"| CPU p95, % | {en(bad)} |\n"
        f"| Cost now, RUB/month | {en(s.current)} |\n"
        f"| Cost after, RUB/month | {en(s.target)} |",
        Wrong(en(bad), bad, "percent"),
    )


# dates, years, versions, steps (never quantities) ------------------------------------------


@_case("ru-dates-01", "dates", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Рекомендация актуальна до 2026-11-30; экономия — {ru(s.savings)} ₽ в месяц.")


@_case("ru-dates-02", "dates", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Переезд можно запланировать на 30.11.2026 в 14:30 (окно обслуживания); сервер {s.resource_name} "
        f"стоит {ru(s.current)} ₽/мес."
    )


@_case("ru-dates-03", "dates", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(f"С 30 ноября 2026 года счёт за кластер снизится до {ru(s.target)} ₽ в месяц.")


@_case("en-dates-01", "dates", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"From Nov 30, 2026 the bill drops to {en(s.target)} RUB/month.")


@_case("en-dates-02", "dates", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Maintenance window: 2026-11-30 14:30 UTC. Savings: {en(s.savings)} RUB/month.")


@_case("en-dates-03", "dates", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        f"Resize {s.resource_name} on 30 November 2026 between 02:00 and 04:00; it saves {en(s.savings)} RUB a month."
    )


@_case("ru-years-01", "years", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Если перенести сервер в 2026 году, экономия составит {ru(s.yearly)} ₽ в год.")


@_case("ru-years-02", "years", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Сервер {s.resource_name} работает в {s.provider_name} с 2024 года; экономия — {ru(s.savings)} ₽/мес."
    )


@_case("en-years-01", "years", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Running at {s.provider_name} since 2024, {s.resource_name} costs {en(s.current)} RUB/month.")


@_case("en-years-02", "years", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(f"In 2026 that is {en(s.yearly)} RUB per year saved on the cluster.")


@_case("ru-versions-01", "versions", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"На {s.resource_name} стоят Ubuntu 22.04 и Python 3.12 — образ переносится без изменений; "
        f"экономия {ru(s.savings)} ₽ в месяц."
    )


@_case("ru-versions-02", "versions", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        f"Кластер работает на MySQL 8.0; в {_tp(s)} доступна та же версия, а стоимость — {ru(s.target)} ₽/мес."
    )


@_case("ru-versions-03", "versions", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"Агент мониторинга v1.2.3 из зоны ru-9a и бакет s3-1 переносить не нужно; сервер {s.resource_name} "
        f"стоит {ru(s.current)} ₽ в месяц."
    )


@_case("en-versions-01", "versions", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"{s.resource_name} runs Ubuntu 22.04 with PostgreSQL 16; the same image works at {_tp(s)} for "
        f"{en(s.target)} RUB/month."
    )


@_case("en-versions-02", "versions", "pass")
def _(s: Subject) -> Answer:
    return Answer(f"Keep the v1.2.3 agent and the s3-1 bucket in ru-9a; the move saves {en(s.savings)} RUB a month.")


@_case("en-versions-03", "versions", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        f"The app on {s.resource_name} (Python 3.12, nginx 1.24) barely uses the CPU: p95 "
        f"{en(need(s.cpu_p95, 'cpu p95'))}%."
    )


@_case("ru-steps-01", "steps", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"1. Создайте сервер в {_tp(s)} ({need(s.vcpu, 'vcpu')} vCPU, {spec(need(s.ram_gb, 'ram'), 'ru')} ГБ RAM).\n"
        "2. Скопируйте данные и проверьте приложение.\n"
        "3. Переключите DNS в окно обслуживания.\n\n"
        f"Экономия — {ru(s.savings)} ₽/мес."
    )


@_case("ru-steps-02", "steps", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        "Этап 1 — подготовка целевого сервера, шаг 3: переключение DNS. "
        f"После этого счёт снизится до {ru_amt(s.target)} ₽ в месяц."
    )


@_case("ru-steps-03", "steps", "pass", DBAAS)
def _(s: Subject) -> Answer:
    steps = int(need(s.steps, "steps"))
    return Answer(
        f"Сейчас выполняется шаг 2 из {steps} — настройка репликации; после переключения кластер будет стоить "
        f"{ru(s.target)} ₽/мес."
    )


@_case("en-steps-01", "steps", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"**1.** Create the {_tp(s)} server.\n**2.** Copy the data.\n**3.** Switch DNS.\n\n"
        f"Savings: {en(s.savings)} RUB/month."
    )


@_case("en-steps-02", "steps", "pass")
def _(s: Subject) -> Answer:
    steps = int(need(s.steps, "steps"))
    return Answer(f"Step 2 of {steps}: copy the data. The target costs {en(s.target)} RUB/month.")


@_case("en-steps-03", "steps", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        "- Stage 1: confirm the low load.\n- Step 3: resize in a maintenance window.\n\n"
        f"Cost after resizing: {en(s.target)} RUB/month."
    )


# CPU utilisation ---------------------------------------------------------------------------


def _wrong_cpu(s: Subject, base: float | None) -> float:
    value = need(base, "cpu")
    candidates = (float(_dec(value * f, 1)) for f in (3.0, 0.4, 2.5, 0.3, 1.5))
    return pick(s, "percent", value, (c for c in candidates if c <= 100), approx=True)


@_case("ru-cpu-01", "cpu", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    days = int(need(s.window_days, "window"))
    return Answer(
        f"Загрузка CPU в среднем {ru(need(s.cpu_avg, 'cpu'))} %, p95 — {ru(need(s.cpu_p95, 'cpu p95'))} % "
        f"за {days} {plural_ru(days, 'день', 'дня', 'дней')}: сервер можно уменьшить."
    )


@_case("ru-cpu-02", "cpu", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"CPU p95 — около {ru(need(s.cpu_p95, 'cpu p95'), 0)} %, RAM p95 — {ru(need(s.ram_p95, 'ram p95'), 1)} %: "
        f"запаса хватает, конфигурацию в {_tp(s)} берём такую же."
    )


@_case("ru-cpu-03", "cpu", "pass", DBAAS)
def _(s: Subject) -> Answer:
    return Answer(
        f"Кластер загружен: CPU в среднем {ru(need(s.cpu_avg, 'cpu'), 1)} %, RAM p95 — "
        f"{ru(need(s.ram_p95, 'ram p95'))} %, поэтому размер узлов не меняем."
    )


@_case("ru-cpu-04", "cpu", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    bad = _wrong_cpu(s, s.cpu_p95)
    return Answer(
        f"Загрузка CPU в среднем {ru(need(s.cpu_avg, 'cpu'))} %, p95 — {ru(bad, 1)} %; уменьшение сэкономит "
        f"{ru(s.savings)} ₽ в месяц.",
        Wrong(ru(bad, 1), bad, "percent", approx=True, of=s.cpu_p95),
    )


@_case("ru-cpu-05", "cpu", "flag")
def _(s: Subject) -> Answer:
    bad = _wrong_cpu(s, s.cpu_avg)
    return Answer(
        f"Средняя загрузка CPU — {ru(bad, 1)} %, p95 — {ru(need(s.cpu_p95, 'cpu p95'))} %.",
        Wrong(ru(bad, 1), bad, "percent", approx=True, of=s.cpu_avg),
    )


@_case("en-cpu-01", "cpu", "pass", RIGHTSIZE)
def _(s: Subject) -> Answer:
    return Answer(
        f"CPU averaged {en(need(s.cpu_avg, 'cpu'))}% with a p95 of {en(need(s.cpu_p95, 'cpu p95'))}% over "
        f"{need(s.window_days, 'window')} days, so a smaller flavour is safe."
    )


@_case("en-cpu-02", "cpu", "pass")
def _(s: Subject) -> Answer:
    return Answer(
        f"CPU p95 is {en(need(s.cpu_p95, 'cpu p95'), 1)}% and RAM p95 {en(need(s.ram_p95, 'ram p95'), 0)}%, "
        f"so keep the same {need(s.vcpu, 'vcpu')} vCPU at {_tp(s)}."
    )


@_case("en-cpu-03", "cpu", "flag", RIGHTSIZE)
def _(s: Subject) -> Answer:
    bad = _wrong_cpu(s, s.cpu_avg)
    return Answer(
        f"CPU averaged {en(bad, 1)}% with a p95 of {en(need(s.cpu_p95, 'cpu p95'))}%, so a smaller flavour is safe.",
        Wrong(en(bad, 1), bad, "percent", approx=True, of=s.cpu_avg),
    )


@_case("en-cpu-04", "cpu", "flag", DBAAS)
def _(s: Subject) -> Answer:
    bad = _wrong_cpu(s, s.ram_p95)
    return Answer(
        f"The cluster's RAM p95 is {en(bad, 1)}% and CPU averages {en(need(s.cpu_avg, 'cpu'))}%; keep the node size.",
        Wrong(en(bad, 1), bad, "percent", approx=True, of=s.ram_p95),
    )


def rate_table(outcomes: list[tuple[Case, bool]]) -> tuple[dict[str, Any], float, float]:
    """Per category "caught/cases" of the wrong figures and "flagged/cases" of the correct answers,
    with the failing case ids; then the two overall rates (wrong figures caught, correct flagged)."""
    table: dict[str, Any] = {}
    for category in sorted({c.category for c, _ in outcomes}):
        flags = [o for o in outcomes if o[0].category == category and o[0].expect == "flag"]
        passes = [o for o in outcomes if o[0].category == category and o[0].expect == "pass"]
        table[category] = {
            "caught": f"{sum(o[1] for o in flags)}/{len(flags)}",
            "correct_flagged": f"{sum(o[1] for o in passes)}/{len(passes)}",
            "failing": [c.id for c, hit in flags if not hit] + [c.id for c, hit in passes if hit],
        }
    flags = [hit for c, hit in outcomes if c.expect == "flag"]
    passes = [hit for c, hit in outcomes if c.expect == "pass"]
    caught, false_flags = sum(flags) / len(flags), sum(passes) / len(passes)
    table["_overall"] = {"caught_rate": round(caught, 3), "correct_flagged_rate": round(false_flags, 3)}
    return table, caught, false_flags
