"""The offline router: which intents a question asks for, and about what.

A question is normalised (lower case, ё → е) and scored against each intent's cues: word stems (a
stem matches any word it begins, so Russian endings need no list: «сервер», «серверов»,
«серверами») and phrases (regexes), each with a weight. Entities read from the same text steer
both the scores (a named service points at the service breakdown) and the tools' arguments (a time
range, a granularity, the recommendation types behind "idle"). The best intent wins; a second one
joins when it scores close; below the floor the router admits it did not understand, and the
answer suggests questions instead of guessing.

The labelled questions in tests/chat/data/ measure it (accuracy per intent, target ≥ 90 %).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from ..knowledge.questions import GUIDANCE

Cue = tuple[re.Pattern[str], float]
Scope = str

FLOOR = 1.0  # below this the question is not understood
CLOSE = 0.75  # a second intent joins when it scores at least this share of the best
MAX_INTENTS = 2
EXCLUSIVE = frozenset({"knowledge", "report", "unknown"})  # answered alone


def _stems(weight: float, *stems: str) -> list[Cue]:
    """One cue: a word that begins with one of `stems` (regex fragments). A group counts once, so
    synonyms in one question do not add up."""
    return [(re.compile("|".join(rf"(?<!\w)(?:{s})\w*" for s in stems)), weight)]


def _phrases(weight: float, *phrases: str) -> list[Cue]:
    """One cue: any of `phrases` (regexes)."""
    return [(re.compile("|".join(f"(?:{p})" for p in phrases)), weight)]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("ё", "е")).strip()


# --- entities ------------------------------------------------------------------------------------

PROVIDERS: dict[str, tuple[str, ...]] = {
    "selectel": ("selectel", "селектел"),
    "yandex": ("yandex", "яндекс", r"yc\b"),
    "vkcloud": (r"vk\b", r"vk ?cloud", r"вк\b", "вконтакт", "mail.ru"),
    "beget": ("beget", "бегет"),
    # the clouds an imported FOCUS bill names (keyed as the import keys them)
    "aws": (r"aws\b", "amazon", "амазон"),
    "microsoft": ("microsoft", "azure", "ажур", "азур"),
    "google": ("google", r"gcp\b", "гугл"),
    "oracle": ("oracle", r"oci\b", "оракл"),
}
# A service the user names → the breakdown keys it stands for (a key containing the fragment).
SERVICES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "kubernetes": (("kubernetes", r"k8s", "кубер", r"куб\b", "кубик"), ("kubernetes",)),
    "postgresql": (("postgres", "постгр", r"pg\b"), ("postgresql",)),
    "mysql": (("mysql", "майскл"), ("mysql",)),
    "redis": (("redis", "редис"), ("redis",)),
    "kafka": (("kafka", "кафк"), ("kafka",)),
    "database": (
        (r"баз\w* данных", r"бд\b", "субд", "dbaas", "database", r"db\b", "dbs"),
        ("postgresql", "mysql", "redis", "mongodb", "clickhouse"),
    ),
    "compute": (("compute", "вычислен", r"виртуальн\w* машин", r"вм\b", r"vms?\b", "виртуалк"), ("compute",)),
    "block-storage": ((r"диск(?!ун)", "block storage", "блочн", "volume"), ("block-storage",)),
    "object-storage": ((r"s3\b", "объектн", "object storage", "бакет", "bucket"), ("object-storage",)),
    "storage": (("хранилищ", r"storage\b", "хранени"), ("storage",)),
    "network": ((r"сет(?:ь|и|евой|евые)\b", "трафик", "network", "traffic", "egress"), ("network",)),
    "backup": (("бэкап", "бекап", r"резервн\w* коп", "backup"), ("backup",)),
}

# Recommendation types behind "idle / unused": by the resource kind named, else all four.
IDLE_TYPES: dict[str, tuple[str, ...]] = {
    "server": ("rightsize_cpu", "stopped_server"),
    "ip": ("unused_ip",),
    "snapshot": ("old_snapshot",),
}
ALL_IDLE = ("rightsize_cpu", "stopped_server", "unused_ip", "old_snapshot")
_KINDS: dict[str, tuple[str, ...]] = {
    "server": ("сервер", "server", r"вм\b", r"vms?\b", "машин", "виртуалк", "instance", "инстанс"),
    "ip": (r"ip\b", r"ip-", "адрес", "address"),
    "snapshot": ("снимк", "снимок", "снапшот", "snapshot"),
}

_RU_NUM = {
    "один": 1,
    "одну": 1,
    "две": 2,
    "два": 2,
    "три": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
    "семь": 7,
    "десять": 10,
    "тридцать": 30,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "ten": 10,
    "thirty": 30,
}
_N = r"(\d{1,3}|" + "|".join(_RU_NUM) + r")"
_RANGES: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(p), days)
    for p, days in (
        (_N + r"\s*(?:дн|день|дня|days?\b|d\b)", 1),
        (_N + r"\s*(?:недел|weeks?\b)", 7),
        (_N + r"\s*(?:месяц|months?\b)", 30),
        (r"(?:за|последн\w*|прошл\w*)\s+(?:\w+\s+)?недел|(?:last|past|this)\s+week|за\s+7\s", 7),
        # "the last month" is 30 days; "last month" is the calendar month before (_MONTHS_BACK)
        (
            r"(?:за|последн\w*)\s+(?:\w+\s+)?месяц(?!\w*\s+назад)|(?:last|past)\s+30\s+days|past\s+month"
            r"|the\s+last\s+month"
            r"|(?:compared?\s+(?:to|with)|vs\.?|versus|than)\s+(?:in\s+)?(?:the\s+)?(?:last|previous)\s+month",
            30,
        ),
        (r"week[\s-]+over[\s-]+week|недел\w*\s+к\s+(?:прошл\w*\s+)?недел", 7),
        (r"month[\s-]+over[\s-]+month|месяц\w*\s+к\s+(?:прошл\w*\s+)?месяц", 30),
        (r"квартал|quarter", 90),
        (r"полгода|пол\s+года|half\s+a\s+year|half-year", 180),
        (r"за\s+(?:последний\s+)?год|(?:last|past)\s+(?:12\s+months|year)", 365),
    )
)
_PER_YEAR = re.compile(
    r"(?<!\w)в\s+год|за\s+год|годов|ежегодн|(?<!\w)год(?:а|у)?\b|per\s+year|a\s+year|yearly|annual|annum|12\s+месяц|"
    r"twelve\s+months|12\s+months"
)
# A calendar month by name: Russian in any case («май», «мае», «мая», «за март», «с апрелем»);
# English full names, "May" only after a preposition or before a year (it is also a verb).
_MONTHS = tuple(
    re.compile(p)
    for p in (
        r"(?<!\w)январ(?:ь|я|е|ем|ю)\b|(?<!\w)january\b",
        r"(?<!\w)феврал(?:ь|я|е|ем|ю)\b|(?<!\w)february\b",
        r"(?<!\w)март(?:а|е|ом|у)?\b|(?<!\w)march\b",
        r"(?<!\w)апрел(?:ь|я|е|ем|ю)\b|(?<!\w)april\b",
        r"(?<!\w)ма(?:й|я|е|ем|ю)\b|\b(?:in|for|during|of|since|through)\s+may\b|\bmay\s+20\d\d\b",
        r"(?<!\w)июн(?:ь|я|е|ем|ю)\b|(?<!\w)june\b",
        r"(?<!\w)июл(?:ь|я|е|ем|ю)\b|(?<!\w)july\b",
        r"(?<!\w)август(?:а|е|ом|у)?\b|(?<!\w)august\b",
        r"(?<!\w)сентябр(?:ь|я|е|ем|ю)\b|(?<!\w)september\b",
        r"(?<!\w)октябр(?:ь|я|е|ем|ю)\b|(?<!\w)october\b",
        r"(?<!\w)ноябр(?:ь|я|е|ем|ю)\b|(?<!\w)november\b",
        r"(?<!\w)декабр(?:ь|я|е|ем|ю)\b|(?<!\w)december\b",
    )
)
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
# A calendar month named by where it lies: this one so far, the one before, the one before that
# (singular only: «прошлые месяцы» is no one month; «месяц назад» is 30 days ago, not a month).
_MONTH_RU = r"месяц(?:е|а|ем|у)?(?!\w)(?!\s+назад)"
_PREVIOUS_RU = rf"(?:прошл|предыдущ)\w*\s+{_MONTH_RU}"
_MONTHS_BACK = tuple(
    (re.compile(p), back)
    for p, back in (
        (rf"(?<!\w)позапрошл\w*\s+{_MONTH_RU}|(?<!\w)month\s+before\s+last", 2),
        # "the last month" is the last 30 days (_RANGES); "last month", "the previous month" one month
        (rf"(?<!\w){_PREVIOUS_RU}|(?<!\w)(?:(?<!the\s)last|previous|prior)\s+(?:calendar\s+)?month(?!\w)", 1),
        (
            rf"(?<!\w)(?:этом|этот|текущ\w*)\s+{_MONTH_RU}|(?<!\w)(?:this|current)\s+(?:calendar\s+)?month(?!\w)"
            r"|month[\s-]+to[\s-]+date|(?<!\w)mtd(?!\w)|с\s+начала\s+месяца",
            0,
        ),
    )
)
# Not when the month is what a change is measured against: "compared to last month" is the last
# 30 days against the 30 before ("Selectel vs Yandex last month" is still last month).
_COMPARED = re.compile(
    rf"(?:сравн\w*|относительно|против|(?<!\w)к|чем\s+(?:в|за))\s+(?:с\s+)?{_PREVIOUS_RU}"
    rf"|сравн\w*[^.?!]*?\s+с\s+{_PREVIOUS_RU}"
    r"|(?:compared?|comparing)\b[^.?!]*?\b(?:to|with)\s+(?:the\s+)?(?:last|previous|prior)\s+month"
    r"|(?:vs\.?|versus|than(?:\s+in)?|relative\s+to|against)\s+(?:the\s+)?(?:last|previous|prior)\s+month"
)


def _month(text: str) -> int | None:
    found = [i + 1 for i, p in enumerate(_MONTHS) if p.search(text)]
    return found[0] if len(found) == 1 else None  # two months named: a comparison, not one range


def _months_back(text: str) -> int | None:
    return next((back for pattern, back in _MONTHS_BACK if pattern.search(text)), None)


def month_span(found: Entities, last_day: date | None) -> Entities:
    """`found` with the named month's days: of the year named, else the latest such month that has
    begun by the data's last day (asked in July about "June": this year's June); "last month" and
    "this month" count from the data's last day; a month still running ends on that day."""
    if last_day is None or (found.month is None and found.months_back is None):
        return found
    if found.month is not None:
        month = found.month
        year = found.year or (last_day.year if month <= last_day.month else last_day.year - 1)
    else:
        assert found.months_back is not None
        index = last_day.year * 12 + last_day.month - 1 - found.months_back
        year, month = divmod(index, 12)
        month += 1
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    if first <= last_day < last:
        last = last_day
    return replace(found, span=(first, last))


_GRANULARITY = (
    (re.compile(r"по\s+дням|ежедневн|посуточн|daily|by\s+day|per\s+day|day\s+by\s+day"), "day"),
    (re.compile(r"по\s+недел|понедельн|еженедельн|недельн|weekly|by\s+week|per\s+week|week\s+by\s+week"), "week"),
    (re.compile(r"по\s+месяц|помесячн|ежемесячн|monthly|by\s+month|per\s+month|month\s+by\s+month"), "month"),
)
_GROUP_BY = (
    (re.compile(r"по\s+провайдер|by\s+provider|per\s+provider|по\s+облак"), "provider"),
    (re.compile(r"по\s+сервис|by\s+service|per\s+service|по\s+услуг"), "service"),
)


@dataclass(frozen=True)
class Entities:
    providers: tuple[str, ...] = ()
    services: tuple[str, ...] = ()  # keys of SERVICES
    kinds: tuple[str, ...] = ()  # server, ip, snapshot
    days: int | None = None
    granularity: str | None = None
    group_by: str | None = None
    per_year: bool = False
    month: int | None = None  # a calendar month named ("в мае", "for May"): 1..12
    year: int | None = None  # the year named with it, if any
    months_back: int | None = None  # "в этом месяце" 0, "last month" 1, "позапрошлый месяц" 2
    span: tuple[date, date] | None = None  # the month's days once the data's last day is known

    @property
    def idle_types(self) -> tuple[str, ...]:
        picked = [t for k in self.kinds for t in IDLE_TYPES.get(k, ())]
        return tuple(dict.fromkeys(picked)) or ALL_IDLE

    def service_keys(self) -> Mapping[str, tuple[str, ...]]:
        """Each named service with the breakdown key fragments it stands for."""
        return {s: SERVICES[s][1] for s in self.services}


def _found(aliases: tuple[str, ...], text: str) -> bool:
    return any(re.search(rf"(?<!\w){a}", text) for a in aliases)


def _days(text: str) -> int | None:
    for pattern, unit in _RANGES:
        m = pattern.search(text)
        if m is None:
            continue
        if m.groups():
            raw = m.group(1)
            n = int(raw) if raw.isdigit() else _RU_NUM.get(raw, 1)
            return max(1, min(366, n * unit))
        return unit
    return None


def entities(text: str) -> Entities:
    t = normalise(text)
    return Entities(
        providers=tuple(p for p, aliases in PROVIDERS.items() if _found(aliases, t)),
        services=tuple(s for s, (aliases, _) in SERVICES.items() if _found(aliases, t)),
        kinds=tuple(k for k, aliases in _KINDS.items() if _found(aliases, t)),
        days=_days(t),
        granularity=next((g for p, g in _GRANULARITY if p.search(t)), None),
        group_by=next((g for p, g in _GROUP_BY if p.search(t)), None),
        per_year=_PER_YEAR.search(t) is not None,
        month=(month := _month(t)),
        year=int(y.group(1)) if month and (y := _YEAR.search(t)) else None,
        months_back=None if month or _COMPARED.search(t) else _months_back(t),
    )


# --- intents -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intent:
    name: str
    scope: Scope  # "analytics", "recommendation" or "both"
    tools: tuple[str, ...]
    cues: tuple[Cue, ...] = field(repr=False)

    def score(self, text: str) -> float:
        return sum(w for pattern, w in self.cues if pattern.search(text))


def _intent(name: str, scope: Scope, tools: tuple[str, ...], *cues: list[Cue]) -> Intent:
    return Intent(name, scope, tools, tuple(c for group in cues for c in group))


_HOW_MUCH = _phrases(0.6, r"сколько", r"how much", r"what(?:'s| is| are) (?:our|the) (?:total|spend|cost)")
_CLOUD_NAME = re.compile(r"\b(yandex|vk|vk ?cloud|яндекс)[\s.]+(?:cloud|облак\w*)")
_GREETING = re.compile(
    r"^(?:привет\w*|здравствуй\w*|добр\w+ (?:день|утро|вечер)|hi|hello|hey|good (?:morning|afternoon|evening))\b"
)

INTENTS: tuple[Intent, ...] = (
    _intent(
        "report",
        "analytics",
        ("create_report",),
        _phrases(
            3.0,
            r"(?:сдела|подготов|сформир|собер|созда|выгрузи|нужен|хочу|пришли|сгенерир)\w*\s+(?:\w+\s+){0,3}?отчет",
            r"отчет\w*\s+(?:для|по|за)\b",
            r"\b(?:make|generate|create|prepare|build|produce|need|want|send)\b\s+(?:\w+\s+){0,3}?reports?\b",
            r"\breport\s+for\b",
            r"\b(?:cfo|cto|finops)\b.*\breport|\breport\b.*\b(?:cfo|cto|board|management)\b",
        ),
        _stems(1.0, "отчет", r"report\b", "reports"),
    ),
    _intent(
        "forecast",
        "analytics",
        ("forecast_costs",),
        _stems(2.5, "прогноз", "forecast", "спрогноз", "projection", "projected"),
        _phrases(
            2.0,
            r"будет\s+стоить",
            r"\bwill\b.*\b(?:cost|spend|be)\b",
            r"следующ\w*\s+(?:месяц|квартал|недел)",
            r"next\s+(?:month|quarter|week)",
            r"ожида\w*\s+(?:\w+\s+)?(?:расход|трат|счет)",
            r"потратим|заплатим|будем\s+(?:тратить|платить)",
            r"до\s+конца\s+(?:месяца|квартала)|end\s+of\s+(?:the\s+)?(?:month|quarter)",
            r"expect\w*\s+(?:\w+\s+)?(?:spend|cost|bill)",
        ),
    ),
    # --- analytics
    _intent(
        "change",
        "analytics",
        ("get_analytics_overview", "get_service_breakdown"),
        _phrases(
            3.0,
            r"по\s+сравнению\s+с\s+(?:\w+\s+)?(?:прошл|предыдущ)",
            r"(?<!\w)к\s+(?:прошл|предыдущ)\w*\s+(?:недел|месяц|период|квартал)",
            r"недел\w*\s+к\s+недел|месяц\w*\s+к\s+месяц",
            r"выросл\w*\s+или\s+(?:снизил|упал|уменьш|сократ)",
            r"compar\w*\s+(?:to|with)\s+(?:the\s+)?(?:last|previous|prior)",
            r"(?:\bvs\.?|versus)\s+(?:the\s+)?(?:last|previous|prior)",
            r"\b(?:up|increas\w*|grow\w*|ris\w*)\s+or\s+(?:down|decreas\w*|shrink\w*|fall\w*|drop\w*)",
        ),
        _phrases(
            3.0,
            r"почему\s+(?:\w+\s+){0,3}(?:вырос|растут|увелич|подорож|стал\w*\s+(?:\w+\s+)?больше|стал\w*\s+дороже)",
            r"из-за\s+чего\s+(?:\w+\s+){0,3}(?:вырос|растут|увелич|подорож)",
            r"\bwhy\b\s+(?:\w+\s+){0,4}(?:go(?:ne)?\s+up|went\s+up|increas|rise|rising|rose|grow|grew|higher|jump)",
            r"what\s+(?:drove|drives|is\s+driving|caused|is\s+behind)\b",
        ),
        # "month over month" also names a trend's step ("the week-over-week trend")
        _phrases(1.8, r"(?:month|week|quarter)[\s-]+over[\s-]+(?:month|week|quarter)|\bmom\b|\bwow\b"),
    ),
    _intent(
        "trend",
        "analytics",
        ("get_cost_trends",),
        _stems(2.0, "тренд", "динамик", "trend"),
        _stems(1.5, "рост", "растут", "выросл", "вырос", "увеличил", "снизил", "упал", "падени", "grow", "grew"),
        _stems(1.5, "increas", "decreas", r"over\s+time", "went up", "go up", "going up", "month.over.month"),
        _stems(1.0, "измен", "change", "график", "chart", "история", "history"),
        _phrases(1.5, r"по\s+(?:дням|неделям|месяцам)", r"\b(?:daily|weekly|monthly)\s+(?:spend|cost)"),
        _phrases(1.5, r"как\s+(?:менял|меняют|менялись)"),
    ),
    _intent(
        "services",
        "analytics",
        ("get_service_breakdown",),
        _stems(1.8, "сервис", "услуг", "service"),
        _stems(1.0, "дол[яюи]", "share", "приходит"),
        _phrases(1.5, r"по\s+(?:типам|категори)", r"by\s+(?:type|category)", r"на\s+что\s+(?:\w+\s+)?(?:уход|трат)"),
        _phrases(
            1.5,
            r"what\s+(?:do\s+)?we\s+spend\s+(?:the\s+most\s+)?on",
            r"where\s+does\s+(?:\w+\s+){0,3}money\s+go",
            r"(?:what|how\s+much)\s+(?:do|does|did)\s+(?:\w+\s+){1,4}cost\s+us\b",
            r"во\s+сколько\s+(?:\w+\s+){0,2}обход",
        ),
        _phrases(1.5, r"куда\s+(?:\w+\s+)?(?:уход|трат)"),
    ),
    _intent(
        "providers",
        "analytics",
        ("get_provider_breakdown",),
        _stems(1.8, "провайдер", "provider", "vendor", "вендор"),
        _stems(1.0, "облак", "cloud"),
        _phrases(1.0, r"сравн\w*|compar\w*|\bvs\b|versus"),
    ),
    _intent(
        "anomalies",
        "analytics",
        ("get_anomalies",),
        _stems(2.5, "аномал", "скач", "всплеск", "anomal", "spike", "outlier", "выброс"),
        _stems(1.5, "необычн", "странн", "unusual", "jump", "surge", "sudden", "внезапн", "резк", "weird", r"пик\b"),
    ),
    _intent(
        "recommendations",
        "analytics",
        ("summarize_top_recommendations",),
        _stems(2.0, "рекоменд", "эконом", "сэконом", "recommend", "saving", "save", "savings"),
        _stems(1.0, "потенциал", "potential"),
        _stems(1.5, "оптимиз", "сократ", "сниз", "уменьш", "optimi", "reduce", "cut", "lower"),
        _phrases(1.0, r"where\s+can\s+we", r"что\s+(?:можно\s+)?сделать"),
        _phrases(
            2.0,
            r"(?:как|how)\s+(?:\w+\s+){0,3}(?:сократ|сниз|уменьш|reduce|cut|lower|decrease)\w*\s+(?:\w+\s+){0,2}"
            r"(?:расход|затрат|счет|трат|cost|spend|bill)",
        ),
    ),
    _intent(
        "idle",
        "analytics",
        ("summarize_top_recommendations",),
        _stems(
            3.0, "простаива", "неиспольз", "idle", "unused", "orphan", "zombie", "недозагруж", "недогруж", "underutil"
        ),
        _stems(2.5, "незадейств", "бездейств", "overprovision", "заброшен", "забыт", "forgotten", "abandon"),
        _stems(1.5, "остановлен", "stopped", "лишн", "мусор", "cleanup", "clean", "почист", "удалит", "delete"),
        _phrases(2.5, r"не\s+использ", r"не\s+нужн", r"not\s+(?:being\s+)?used", r"no\s+longer\s+needed"),
        _phrases(1.0, r"(?:почти|совсем)\s+не\s+загруж", r"low\s+(?:cpu|usage|utili[sz]ation)"),
    ),
    _intent(
        "inventory",
        "analytics",
        ("get_user_context",),
        _stems(2.0, "инвентар", "inventory"),
        _phrases(
            3.0,
            r"сколько\s+(?:у\s+нас\s+)?(?:(?!стоя|обход|трат|плат)\w+\s+)?(?:серверов|ресурсов|машин|кластеров|баз|дисков)",
            r"how\s+many\s+(?:\w+\s+)?(?:servers|resources|machines|clusters|vms|instances)",
        ),
        _phrases(
            2.0,
            r"какие\s+(?:у\s+нас\s+)?(?:есть\s+)?(?:ресурсы|серверы|сервера|провайдеры\s+подключ)",
            r"what\s+(?:resources|servers|clusters)\s+(?:do\s+)?we\s+(?:have|run)",
            r"(?:подключен\w*|connected)\s+(?:\w+\s+)?(?:провайдер|аккаунт|облак|provider|account|cloud)",
            r"(?:провайдер|аккаунт|облак|provider|account|cloud)\w*\s+(?:\w+\s+){0,2}(?:подключен|connected)",
            r"(?:перечисл|список|покажи\s+все|list|show\s+(?:me\s+)?all)\w*\s+(?:\w+\s+){0,2}"
            r"(?:ресурс|сервер|инстанс|машин|кластер|resource|server|instance|vm|machine|cluster)",
        ),
        _stems(0.5, "ресурс", "resource"),
    ),
    _intent(
        "overview",
        "analytics",
        ("get_analytics_overview",),
        _stems(1.5, "итог", "обзор", "overview", "total", "summary", "kpi", "сводк", "всего", "общ"),
        _phrases(
            2.5,
            r"run[\s-]?rate",
            r"burn\s+rate",
            r"темп\w*\s+(?:\w+\s+)?(?:расход|трат)",
            r"(?:в\s+)?средн\w*\s+(?:\w+\s+){0,2}(?:в|за)\s+(?:один\s+)?день",
            r"\baverage\s+(?:\w+\s+){0,2}(?:daily|per\s+day|a\s+day)|\bdaily\s+average",
        ),
        _stems(1.0, "трат", "потрат", "тратим", "расход", "spend", "spent", "cost", "bill", "счет", "платим"),
        _HOW_MUCH,
    ),
    # --- recommendation
    _intent(
        "savings",
        "recommendation",
        ("get_recommendation",),
        _stems(2.0, "эконом", "сэконом", "выгод", "saving", "save", "сбереж"),
        _HOW_MUCH,
        _phrases(1.0, r"в\s+год|за\s+год|per\s+year|a\s+year|yearly|annual|в\s+месяц|per\s+month|a\s+month"),
        _stems(1.0, "уменьш", "сниз", "reduc", "lower", "рубл", "rubles", "roubles"),
        _phrases(0.6, r"на\s+сколько"),
        _phrases(
            2.0,
            r"сейчас\s*,?\s+и\s+(?:сколько\s+)?(?:будет|после)",
            r"\bnow\s*,?\s+and\s+(?:what\s+)?(?:after|will\s+it\s+cost|once)",
        ),
    ),
    _intent(
        "why_expensive",
        "recommendation",
        ("get_resource", "get_latest_snapshot", "list_top_alternatives"),
        _stems(2.0, "дорог", "expensive", "переплач", "overpa", "costly"),
        _phrases(2.0, r"почему\s+(?:\w+\s+){0,3}(?:стоит|столько|много)", r"why\s+(?:\w+\s+){0,4}(?:cost|so much)"),
        _phrases(2.0, r"за\s+что\s+(?:мы\s+)?(?:\w+\s+)?(?:платим|плат[ия]т)", r"what\s+are\s+we\s+paying\s+for"),
        _phrases(
            2.0,
            r"зачем\s+(?:\w+\s+){0,2}(?:уменьш|менять|мен[яи]|переезж|перенос|переход|сокращ|даунсайз)",
            r"\bwhy\s+(?:should|would|do|must)\s+we\s+(?:\w+\s+){0,2}(?:downsiz|resiz|rightsiz|move|migrat|chang|shrink|switch)",
            r"\bwhy\s+(?:downsiz|resiz|rightsiz|move|migrat|shrink|switch)",
        ),
        _phrases(
            2.0, r"высок\w*\s+(?:ценник|цен|стоимост|счет)", r"what\s+makes\s+(?:\w+\s+){0,3}cost", r"из-за\s+чего"
        ),
    ),
    _intent(
        "alternatives",
        "recommendation",
        ("list_top_alternatives",),
        _stems(2.0, "альтернатив", "дешевл", "подешевл", "alternativ", "cheaper", "вариант", "options", "option"),
        _phrases(
            1.5,
            r"куда\s+(?:\w+\s+)?(?:перен|переех|уйти)",
            r"друг\w*\s+провайдер",
            r"(?:other|different|another)\s+provider",
        ),
        _phrases(1.5, r"где\s+(?:\w+\s+)?дешевле", r"where\s+(?:else|is\s+it\s+cheaper)", r"instead"),
        _stems(0.8, "провайдер", "provider"),
    ),
    _intent(
        "effort",
        "recommendation",
        ("estimate_migration_effort",),
        _stems(2.0, "трудо", "сложн", "effort", "difficult", "hard", "complex", "трудн", "усили"),
        _phrases(
            2.0,
            r"сколько\s+(?:\w+\s+)?(?:времени|часов|работы|дней)",
            r"how\s+(?:long|much\s+(?:work|time))",
            r"(?:оценк|оцени)\w*\s+(?:\w+\s+)?(?:работ|трудо|врем)",
            r"(?:person|man|engineer)[- ]hours?|человеко",
        ),
        _stems(1.0, "часов", "hours"),
    ),
    _intent(
        "plan",
        "recommendation",
        ("generate_step_plan",),
        _stems(2.0, "план", "шаг", "этап", "plan", "steps", "step", "checklist", "чеклист", "чек-лист"),
        _phrases(
            2.0,
            r"порядок\s+действий",
            r"с\s+чего\s+начать",
            r"что\s+(?:нужно|надо)\s+сделать",
            r"what\s+(?:do\s+)?(?:i|we)\s+(?:need\s+to\s+)?do",
            r"where\s+(?:do\s+)?(?:i|we)\s+start",
            r"how\s+do\s+(?:i|we)\s+(?:do|proceed|carry)",
            r"по\s+шагам|step\s+by\s+step",
            r"what\s+(?:should|must)\s+(?:i|we)\s+do",
            r"(?:do|начать|делать)\s+(?:first|сначала|в\s+первую\s+очередь)",
        ),
    ),
    _intent(
        "risks",
        "recommendation",
        ("estimate_migration_effort", "generate_step_plan"),
        _stems(2.5, "риск", "risk", "downtime", "опасн", "danger"),
        _stems(1.5, "безопасн", "safe", "простой", "простоя", "потер", "lose", "break", "сломает", "outage"),
        _phrases(2.0, r"что\s+может\s+(?:пойти\s+не\s+так|сломат)", r"what\s+(?:could|can|might)\s+go\s+wrong"),
    ),
    _intent(
        "prices",
        "recommendation",
        ("get_prices_for_skus", "get_recommendation"),
        _stems(2.0, "цен", "тариф", "прайс", "price", "pricing", r"sku\b", "skus", "расценк", "rate card"),
        _phrases(1.5, r"сколько\s+стоит\s+(?:\w+\s+)?(?:у|в)\s", r"how\s+much\s+does\s+\w+\s+charge"),
    ),
    _intent(
        "utilisation",
        "recommendation",
        ("get_latest_snapshot", "get_resource"),
        _stems(2.0, "загруз", "нагруз", "утилиз", r"cpu\b", "процессор", "памят", r"ram\b", "utili", "usage"),
        _stems(1.5, "load", "memory", "metrics", "метрик", "busy", "загружен"),
    ),
    _intent(
        "summary",
        "recommendation",
        ("get_recommendation", "get_resource"),
        _stems(1.5, "объясн", "explain", "расскаж", "подробн", "describe", "detail", "суть", "смысл", "зачем"),
        _phrases(1.5, r"что\s+(?:это|за\s+рекоменд|предлага)", r"what\s+(?:is\s+)?(?:this|it|does\s+it)\b"),
        _phrases(
            1.5, r"стоит\s+ли", r"is\s+it\s+worth", r"should\s+(?:we|i)", r"почему\s+(?:\w+\s+)?(?:предлага|рекоменд)"
        ),
        _stems(1.5, "предлага", "propos", "suggest"),
        _stems(1.0, "почему", "why", "рекоменд", "recommend"),
    ),
    # how-tos and terms: last, so that a tie goes to the tenant's own figures
    _intent(
        "knowledge",
        "both",
        ("search_knowledge",),
        [(GUIDANCE, 2.6)],  # beats a named entity alone, not an entity and a word
        _phrases(1.5, r"в\s+целом|вообще|в\s+общем|in\s+general|generally|usually|обычно|как\s+правило|typically"),
        _phrases(1.0, r"(?:как|how)\b.*(?:перенос|переезж|мигрир|migrat|move[ds]?\b)"),
    ),
)
UNKNOWN = {s: Intent("unknown", s, (), ()) for s in ("analytics", "recommendation")}


@dataclass(frozen=True)
class Route:
    intents: tuple[Intent, ...]
    entities: Entities
    scores: dict[str, float]

    @property
    def understood(self) -> bool:
        return bool(self.intents) and self.intents[0].name != "unknown"

    @property
    def names(self) -> list[str]:
        return [i.name for i in self.intents]


def _bonus(name: str, found: Entities) -> float:
    """Entities that point at an intent by themselves ("…на Kubernetes?" is a service question)."""
    if name == "services" and found.services:
        return 2.5
    if name == "providers" and found.providers:
        return 2.0
    if name == "trend" and found.granularity:
        return 1.0
    if name == "idle" and found.kinds:
        return 0.5
    if name in ("recommendations", "savings") and found.per_year:
        return 0.5
    return 0.0


def route(scope: Scope, text: str) -> Route:
    """The intents a question of `scope` asks for, best first (or `unknown`), with its entities."""
    t = normalise(text)
    found = entities(t)
    t = _CLOUD_NAME.sub(r"\1", t)  # "Yandex Cloud" names a provider; its "cloud" is no cue of its own
    candidates = [i for i in INTENTS if i.scope in (scope, "both")]
    scores = {}
    for intent in candidates:
        raw = intent.score(t)
        scores[intent.name] = round(raw + _bonus(intent.name, found), 2) if raw or _bonus(intent.name, found) else 0.0
    ranked = sorted(candidates, key=lambda i: -scores[i.name])  # stable: the table's order breaks ties
    best = ranked[0]
    if scores[best.name] < FLOOR or (_GREETING.search(t) and scores[best.name] < 2 * FLOOR):
        return Route((UNKNOWN.get(scope, UNKNOWN["analytics"]),), found, scores)
    picked = [best]
    if best.name not in EXCLUSIVE:
        for other in ranked[1:]:
            if len(picked) >= MAX_INTENTS:
                break
            if other.name in EXCLUSIVE or scores[other.name] < max(FLOOR, CLOSE * scores[best.name]):
                continue
            if set(other.tools) <= {t for p in picked for t in p.tools}:
                continue  # nothing new to show
            picked.append(other)
    return Route(tuple(picked), found, scores)
