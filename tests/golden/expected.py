"""The golden questions' expected figures, computed independently of the service.

The demo data is read with plain SQL from its base tables (`cost_daily` per resource and day,
`resources`, `recommendations`, `utilization_snapshots`) — never through the tools, the data
source or the rollup they read. The FOCUS sample is read from its CSV file into SQLite
(tests/imports/conftest.load_sqlite) and summed there. The forecast is refitted with numpy's least
squares on the same documented model (level per weekday + a linear trend over the last 90 days),
the anomaly is found by its documented rule (a day against the median of the same weekday in the
four weeks before), each written here from the method, not from the service's code.

An expectation names a figure as `<fact>` or `<fact>:<argument>` (questions.json); `figures()`
turns it into the Figure list the scorer checks.
"""

from __future__ import annotations

import sqlite3
import statistics
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import numpy as np
import psycopg

from .scoring import Figure

DAYS_PER_MONTH = 730 / 24  # the month InfraZen's hourly prices use (30.4167 days)
OPEN = ("pending", "seen")
# How an answer may name a provider (the first is the name InfraZen shows)
PROVIDER_NAMES: dict[str, tuple[str, ...]] = {
    "selectel": ("Selectel", "Селектел"),
    "yandex": ("Yandex Cloud", "Яндекс Облак", "Yandex", "Яндекс"),
    "beget": ("Beget", "Бегет"),
    "vkcloud": ("VK Cloud", "ВК Облак", "VK"),
    "aws": ("AWS", "Amazon"),
    "microsoft": ("Microsoft", "Azure"),
    "oracle": ("Oracle", "OCI"),
}
# Written here again on purpose (reports/document.py has the Russian ones): nothing in this module
# may come from the service.
MONTHS = {
    "ru": (
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
CENT = 0.005  # a figure below half a cent cannot be told from zero in an answer: not expected


class Facts:
    """Figures of one tenant of the demo database, or of the FOCUS sample (`focus` given)."""

    def __init__(self, database_url: str, tenant: str, focus: sqlite3.Connection | None = None):
        self.url, self.tenant, self.focus = database_url, tenant, focus
        self._daily: list[tuple[date, str, str, float]] | None = None

    # --- raw rows --------------------------------------------------------------------------------

    def _sql(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return list(conn.execute(sql, params).fetchall())

    def daily(self) -> list[tuple[date, str, str, float]]:
        """(day, provider, service, amount) rows: the demo's per-resource series summed, or the
        sample's charges by the day they start (every sample charge lies within one day)."""
        if self._daily is None:
            if self.focus is not None:
                rows = self.focus.execute(
                    "SELECT date(ChargePeriodStart), lower(ProviderName), ServiceName, sum(CAST(EffectiveCost AS REAL))"
                    " FROM bill GROUP BY 1, 2, 3"
                ).fetchall()
                self._daily = [(date.fromisoformat(d), p, s, float(a)) for d, p, s, a in rows]
            else:
                rows = self._sql(
                    "SELECT day, provider, service, sum(amount) FROM cost_daily WHERE tenant_id = %s GROUP BY 1, 2, 3",
                    self.tenant,
                )
                self._daily = [(d, p, s, float(a)) for d, p, s, a in rows]
        return self._daily

    def last_day(self) -> date:
        return max(d for d, *_ in self.daily())

    def window(self, days: int, back: int = 0) -> tuple[date, date]:
        end = self.last_day() - timedelta(days=back * days)
        return end - timedelta(days=days - 1), end

    def spend(self, days: int, back: int = 0, by: int | None = None) -> dict[str, float] | float:
        start, end = self.window(days, back)
        rows = [r for r in self.daily() if start <= r[0] <= end]
        if by is None:
            return sum(r[3] for r in rows)
        out: dict[str, float] = defaultdict(float)
        for r in rows:
            out[r[by]] += r[3]
        return dict(out)

    def total(self, days: int, back: int = 0) -> float:
        value = self.spend(days, back)
        assert isinstance(value, float)
        return value

    def split(self, days: int, by: int) -> list[tuple[str, float]]:
        value = self.spend(days, by=by)
        assert isinstance(value, dict)
        return sorted(value.items(), key=lambda kv: (-kv[1], kv[0]))

    def open_savings(self, rec_types: tuple[str, ...] | None = None) -> tuple[int, float]:
        """(open recommendations, their monthly savings — the larger one per resource, as two
        recommendations on one resource cannot both be done)."""
        rows = self._sql(
            "SELECT resource_id, rec_type, savings_monthly FROM recommendations WHERE tenant_id = %s"
            " AND status = ANY(%s)",
            self.tenant,
            list(OPEN),
        )
        rows = [r for r in rows if rec_types is None or r[1] in rec_types]
        best: dict[int, float] = {}
        for resource, _, saving in rows:
            best[resource] = max(best.get(resource, 0.0), float(saving))
        return len(rows), sum(best.values())

    def recommendation(self, rec_type: str) -> dict[str, Any]:
        """The tenant's recommendation of `rec_type` with the largest saving, whatever its status
        (the one the golden recommendation chats are about); the saving is current − target."""
        rows = self._sql(
            "SELECT r.id, r.current_monthly, r.target_monthly, r.savings_monthly, x.name, x.monthly_cost,"
            " (SELECT cpu_avg_pct FROM utilization_snapshots u WHERE u.resource_id = r.resource_id"
            "  ORDER BY taken_at DESC LIMIT 1),"
            " (SELECT cpu_p95_pct FROM utilization_snapshots u WHERE u.resource_id = r.resource_id"
            "  ORDER BY taken_at DESC LIMIT 1)"
            " FROM recommendations r JOIN resources x ON x.id = r.resource_id"
            " WHERE r.tenant_id = %s AND r.rec_type = %s ORDER BY r.savings_monthly DESC, r.id LIMIT 1",
            self.tenant,
            rec_type,
        )
        rid, current, target, _, name, cost, cpu, cpu95 = rows[0]
        return {
            "id": rid,
            "current": float(current),
            "target": float(target),
            "saving": float(current) - float(target),
            "name": name,
            "cost": float(cost),
            "cpu": None if cpu is None else float(cpu),
            "cpu_p95": None if cpu95 is None else float(cpu95),
        }

    def inventory(self) -> tuple[int, float]:
        ((n, monthly),) = self._sql(
            "SELECT count(*), sum(monthly_cost) FROM resources WHERE tenant_id = %s", self.tenant
        )
        return int(n), float(monthly)

    def forecast(self, first: date, last: date, history: int = 90) -> float:
        """Next days' total from a least-squares fit: one level per weekday + a trend per day."""
        end = self.last_day()
        start = end - timedelta(days=history - 1)
        per_day: dict[date, float] = defaultdict(float)
        for d, _, _, a in self.daily():
            if start <= d <= end:
                per_day[d] += a
        start = min(per_day)
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]

        def row(d: date) -> list[float]:
            x = [0.0] * 8
            x[d.weekday()] = 1.0
            x[7] = float((d - start).days)
            return x

        beta, *_ = np.linalg.lstsq(np.array([row(d) for d in days]), np.array([per_day[d] for d in days]), rcond=None)
        ahead = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        return float(sum(np.array(row(d)) @ beta for d in ahead))

    def biggest_spike(self, days: int = 30) -> tuple[date, str, str, float, float]:
        """(day, provider, service, amount, expected) of the day furthest above its usual level in
        the last `days`: usual = the median of the same weekday over the four weeks before."""
        series: dict[tuple[str, str], dict[date, float]] = defaultdict(dict)
        for d, p, s, a in self.daily():
            series[(p, s)][d] = series[(p, s)].get(d, 0.0) + a
        start, end = self.window(days)
        best: tuple[float, tuple[date, str, str, float, float]] | None = None
        for (p, s), by_day in series.items():
            d = start
            while d <= end:
                prior = [by_day.get(d - timedelta(days=7 * w), 0.0) for w in range(1, 5)]
                usual = statistics.median(prior)
                if min(prior) > 0:
                    ratio = by_day.get(d, 0.0) / usual
                    if best is None or ratio > best[0]:
                        best = (ratio, (d, p, s, by_day.get(d, 0.0), usual))
                d += timedelta(days=1)
        assert best is not None
        return best[1]


def _next_month(after: date) -> tuple[date, date]:
    first = date(after.year + after.month // 12, after.month % 12 + 1, 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _next_quarter(after: date) -> tuple[date, date]:
    month = (after.month - 1) // 3 * 3 + 4
    first = date(after.year + (month > 12), (month - 1) % 12 + 1, 1)
    last = date(first.year + (first.month + 3 > 12), (first.month + 2) % 12 + 1, 1) - timedelta(days=1)
    return first, last


def _pct(part: float, whole: float) -> float:
    return part / whole * 100


# --- the facts a question may expect -------------------------------------------------------------


def _names(key: str) -> tuple[str, ...]:
    return PROVIDER_NAMES.get(key, (key,))


def _day_names(day: date) -> tuple[str, ...]:
    return (
        day.isoformat(),
        f"{day.day} {MONTHS['ru'][day.month - 1]}",
        f"{MONTHS['en'][day.month - 1]} {day.day}",
        f"{day.day} {MONTHS['en'][day.month - 1]}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
    )


def _spend(f: Facts, days: str) -> list[Figure]:
    return [Figure(f"spend {days}d", f.total(int(days)), "money")]


def _month_spend(f: Facts, month: str) -> list[Figure]:
    """A calendar month's spend: that month of the last data day's year (or the year before, if
    the month has not begun by then)."""
    last = f.last_day()
    m = int(month)
    return _calendar_month(f, last.year if m <= last.month else last.year - 1, m)


def _calendar_month(f: Facts, year: int, month: int) -> list[Figure]:
    total = sum(a for d, _, _, a in f.daily() if d.year == year and d.month == month)
    return [Figure(f"spend {year}-{month:02d}", total, "money")]


def _months_back_spend(f: Facts, back: str) -> list[Figure]:
    """ "Last month" (1), "this month" (0): the calendar month that many before the last data
    day's month (this one up to the last data day)."""
    last = f.last_day()
    index = last.year * 12 + last.month - 1 - int(back)
    return _calendar_month(f, index // 12, index % 12 + 1)


def _change(f: Facts, days: str) -> list[Figure]:
    now, before = f.total(int(days)), f.total(int(days), back=1)
    return [
        Figure(f"spend {days}d", now, "money"),
        Figure(f"change vs previous {days}d", _pct(now - before, before), "percent"),
    ]


def _previous(f: Facts, days: str) -> list[Figure]:
    return [Figure(f"spend previous {days}d", f.total(int(days), back=1), "money")]


def _daily(f: Facts, days: str) -> list[Figure]:
    return [Figure("average daily", f.total(int(days)) / int(days), "money")]


def _run_rate(f: Facts, days: str) -> list[Figure]:
    return [Figure("run rate monthly", f.total(int(days)) / int(days) * DAYS_PER_MONTH, "money")]


def _top_service(f: Facts, days: str) -> list[Figure]:
    (name, amount), *_ = f.split(int(days), by=2)
    return [
        Figure("top service spend", amount, "money", (name,)),
        Figure("top service share", _pct(amount, f.total(int(days))), "percent", (name,)),
    ]


def _services(f: Facts, arg: str) -> list[Figure]:
    """The top `n` services' spend over `days` ("30,3"), each beside its name."""
    days, n = (int(x) for x in arg.split(","))
    return [Figure(f"service {name}", amount, "money", (name,)) for name, amount in f.split(days, by=2)[:n]]


def _service(f: Facts, arg: str) -> list[Figure]:
    """One service's spend and share ("kubernetes,30": the services whose name contains it)."""
    fragment, days = arg.split(",")
    amounts = dict(f.split(int(days), by=2))
    matching = [k for k in amounts if fragment in k.lower()]
    amount = sum(amounts[k] for k in matching)
    return [
        Figure(f"{fragment} spend", amount, "money", (fragment,)),
        Figure(f"{fragment} share", _pct(amount, f.total(int(days))), "percent", (fragment,)),
    ]


def _grower(f: Facts, days: str) -> list[Figure]:
    """The service whose spend grew the most (in money) against the window before: from → to."""
    now = dict(f.split(int(days), by=2))
    before = f.spend(int(days), back=1, by=2)
    assert isinstance(before, dict)
    growth = {k: now.get(k, 0.0) - before.get(k, 0.0) for k in now.keys() | before.keys()}
    name = max(growth, key=lambda k: (growth[k], k))
    return [
        Figure("grew most: spend before", before.get(name, 0.0), "money", (name,)),
        Figure("grew most: spend now", now.get(name, 0.0), "money", (name,)),
    ]


def _named_change(f: Facts, arg: str) -> list[Figure]:
    """A named service's or provider's spend now and in the window before ("service:kubernetes,30",
    "provider:selectel,30"), each beside its name."""
    dimension, fragment, days = arg.split(":")[0], *arg.split(":")[1].split(",")
    by = 2 if dimension == "service" else 1
    now, before = f.spend(int(days), by=by), f.spend(int(days), back=1, by=by)
    assert isinstance(now, dict) and isinstance(before, dict)
    keys = [k for k in now.keys() | before.keys() if fragment in k.lower()]
    names = (fragment,) if by == 2 else _names(fragment)
    return [
        Figure(f"{fragment} before", sum(before.get(k, 0.0) for k in keys), "money", names),
        Figure(f"{fragment} now", sum(now.get(k, 0.0) for k in keys), "money", names),
    ]


def _providers(f: Facts, days: str) -> list[Figure]:
    total = f.total(int(days))
    out = []
    for key, amount in f.split(int(days), by=1):
        if amount < CENT:
            continue
        names = _names(key)
        out += [
            Figure(f"{names[0]} spend", amount, "money", names),
            Figure(f"{names[0]} share", _pct(amount, total), "percent", names),
        ]
    return out


def _top_provider(f: Facts, days: str) -> list[Figure]:
    (key, amount), *_ = f.split(int(days), by=1)
    return [Figure("top provider spend", amount, "money", _names(key))]


def _provider(f: Facts, arg: str) -> list[Figure]:
    key, days = arg.split(",")
    amount = dict(f.split(int(days), by=1)).get(key, 0.0)
    return [Figure(f"{_names(key)[0]} spend", amount, "money", _names(key))]


def _spike(f: Facts, days: str) -> list[Figure]:
    day, _, service, amount, usual = f.biggest_spike(int(days))
    names = _day_names(day)
    return [
        Figure("spike day", names, "text"),
        Figure("spike spend", amount, "money", names),
        Figure("spike expected", usual, "money", names),
        Figure("spike service", service, "text"),
    ]


def _savings(f: Facts, _: str) -> list[Figure]:
    return [Figure("savings monthly", f.open_savings()[1], "money")]


def _savings_yearly(f: Facts, _: str) -> list[Figure]:
    return [Figure("savings yearly", f.open_savings()[1] * 12, "money")]


def _open_count(f: Facts, _: str) -> list[Figure]:
    return [Figure("open recommendations", f.open_savings()[0], "number")]


def _idle(f: Facts, kind: str) -> list[Figure]:
    types = {"rightsize": ("rightsize_cpu",), "stopped": ("stopped_server",)}[kind]
    n, monthly = f.open_savings(types)
    return [Figure(f"{kind} count", n, "number"), Figure(f"{kind} savings", monthly, "money")]


def _idle_top(f: Facts, kind: str) -> list[Figure]:
    """The open recommendation of the kind with the largest saving: its resource, beside its saving."""
    rec_type = {"rightsize": "rightsize_cpu", "stopped": "stopped_server"}[kind]
    ((name, saving),) = f._sql(
        "SELECT x.name, r.current_monthly - r.target_monthly FROM recommendations r JOIN resources x"
        " ON x.id = r.resource_id WHERE r.tenant_id = %s AND r.rec_type = %s AND r.status = ANY(%s)"
        " ORDER BY 2 DESC, r.id LIMIT 1",
        f.tenant,
        rec_type,
        list(OPEN),
    )
    return [Figure(f"{kind}: {name}", float(saving), "money", (name,))]


def _forecast(f: Facts, period: str) -> list[Figure]:
    first, last = (_next_month if period == "month" else _next_quarter)(f.last_day())
    return [Figure(f"forecast next {period}", f.forecast(first, last), "money")]


def _resources(f: Facts, _: str) -> list[Figure]:
    return [Figure("resources", f.inventory()[0], "number")]


def _inventory(f: Facts, _: str) -> list[Figure]:
    n, monthly = f.inventory()
    return [Figure("resources", n, "number"), Figure("inventory monthly", monthly, "money")]


def _rec(f: Facts, arg: str) -> list[Figure]:
    """A recommendation's figures ("cross_provider_server,saving+target")."""
    rec_type, wanted = arg.split(",")
    r = f.recommendation(rec_type)
    table = {
        "current": Figure("current monthly", r["current"], "money"),
        "target": Figure("after monthly", r["target"], "money"),
        "saving": Figure("saving monthly", r["saving"], "money"),
        "yearly": Figure("saving yearly", r["saving"] * 12, "money"),
        "pct": Figure("saving share", _pct(r["saving"], r["current"]), "percent"),
        "delta": Figure("target vs now", -_pct(r["saving"], r["current"]), "percent"),
        "cost": Figure("resource monthly", r["cost"], "money"),
        "name": Figure("resource", r["name"], "text"),
        "cpu": Figure("cpu average", r["cpu"], "percent"),
        "cpu95": Figure("cpu p95", r["cpu_p95"], "percent"),
    }
    return [table[w] for w in wanted.split("+")]


FACTS: dict[str, Callable[[Facts, str], list[Figure]]] = {
    "spend": _spend,
    "month": _month_spend,
    "month_back": _months_back_spend,
    "change": _change,
    "previous": _previous,
    "daily": _daily,
    "run_rate": _run_rate,
    "top_service": _top_service,
    "services": _services,
    "service": _service,
    "grower": _grower,
    "named_change": _named_change,
    "providers": _providers,
    "top_provider": _top_provider,
    "provider": _provider,
    "spike": _spike,
    "savings": _savings,
    "savings_yearly": _savings_yearly,
    "open_count": _open_count,
    "resources": _resources,
    "idle": _idle,
    "idle_top": _idle_top,
    "forecast": _forecast,
    "inventory": _inventory,
    "rec": _rec,
}


def figures(facts: Facts, expectations: list[str]) -> list[Figure]:
    out: list[Figure] = []
    for item in expectations:
        name, _, arg = item.partition(":")
        out += FACTS[name](facts, arg)
    return out


def recommendation_id(facts: Facts, rec_type: str) -> int:
    return int(facts.recommendation(rec_type)["id"])
