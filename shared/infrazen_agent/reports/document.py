"""A report as typed sections (KPIs, tables and charts, each citing the tool calls it was drawn from,
and a narrative), chosen and ordered per persona. Every figure is written by the one formatter
from a tool's output or from reports/figures.py; rendering to HTML or PDF is elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ..tools.common import provider_name
from ..wording.messages import MESSAGES, message
from ..wording.numbers import Lang, format_money, format_number, format_percent
from . import charts
from .collect import CLEANUP_TYPES, ReportData
from .figures import PHASES, Derived

Persona = Literal["cfo", "cto", "finops", "product"]
PERSONAS: tuple[Persona, ...] = ("cfo", "cto", "finops", "product")

# What each reader needs first (infrazen.md §4: the sample report and its personas).
SECTIONS: dict[Persona, tuple[str, ...]] = {
    "cfo": ("summary", "forecast", "scenarios", "roi", "trend", "providers", "opportunities", "plan"),
    "cto": ("summary", "inventory", "opportunities", "cleanup", "plan", "roi", "comparison", "anomalies"),
    "finops": (
        "summary",
        "trend",
        "forecast",
        "inventory",
        "services",
        "providers",
        "opportunities",
        "cleanup",
        "scenarios",
        "roi",
        "plan",
        "anomalies",
        "comparison",
    ),
    "product": ("summary", "services", "trend", "forecast", "anomalies", "opportunities", "plan"),
}


@dataclass
class Table:
    headers: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    cites: list[str]


@dataclass
class Chart:
    svg: str
    caption: str
    cites: list[str]


@dataclass
class Section:
    key: str
    title: str
    narrative: str
    kpis: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[Table | Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # guidance without figures
    narrative_by: Literal["template", "model"] = "template"
    sources: list[str] = field(default_factory=list)  # calls behind the KPIs and the narrative

    @property
    def cites(self) -> list[str]:
        return [*self.sources, *(c for b in self.blocks for c in b.cites)]


@dataclass
class Report:
    persona: Persona
    language: Lang
    title: str
    period: str
    generated_at: str
    sections: list[Section]
    data: ReportData
    derived: Derived

    def cited_calls(self) -> list[str]:
        """The calls cited, in order of first citation (their footnote numbers)."""
        seen: dict[str, None] = {}
        for s in self.sections:
            for c in s.cites:
                if c in self.data.calls:
                    seen.setdefault(c, None)
        return list(seen)


class _Writer:
    def __init__(self, data: ReportData, derived: Derived, lang: Lang):
        self.d, self.x, self.lang = data, derived, lang
        self.cur = data.currency

    def t(self, key: str, **values: object) -> str:
        return message(f"report.{key}", self.lang, **values)

    def label(self, key: str, fallback: str) -> str:
        """A catalogue name where there is one (resource types, providers), else the data's own."""
        return self.t(key) if f"report.{key}" in MESSAGES else fallback

    def money(self, m: dict[str, Any] | float | None, period: str | None = None) -> str:
        if m is None:
            return "—"
        if isinstance(m, dict):
            return format_money(float(m["amount"]), str(m["currency"]), self.lang, period or m.get("period"))
        return format_money(float(m), self.cur, self.lang, period)

    def num(self, v: float) -> str:
        return format_number(v, self.lang)

    def pct(self, v: float | None, signed: bool = False) -> str:
        return "—" if v is None else format_percent(float(v), self.lang, signed=signed)

    def type_name(self, rec_type: str) -> str:
        return self.t(f"type.{rec_type}")

    # --- sections ----------------------------------------------------------------------------

    def summary(self) -> Section:
        o, x = self.d["overview"], self.x
        recs = self.d["recommendations"]
        run = float(o["run_rate_monthly"]["amount"])
        kpis = [
            (self.t("kpi.spend"), self.money(o["total_spend"])),
            (self.t("kpi.run_rate"), self.money(o["run_rate_monthly"])),
            (self.t("kpi.yearly"), self.money(run * 12, "year")),
            (self.t("kpi.change"), self.pct(o.get("change_pct"), signed=True)),
            (self.t("kpi.resources"), self.num(int(o["resources"]))),
            (self.t("kpi.savings"), self.money(recs["total_savings_monthly"])),
            (self.t("kpi.savings_year"), self.money(recs["total_savings_yearly"])),
            (self.t("kpi.spent_idle"), self.money(x.cleanup_spent)),
        ]
        narrative = self.t(
            "summary.text",
            days=self.num(int(o["range"]["days"])),
            spend=self.money(o["total_spend"]),
            run_rate=self.money(o["run_rate_monthly"]),
            yearly=self.money(run * 12, "year"),
            savings=self.money(recs["total_savings_monthly"]),
            savings_year=self.money(recs["total_savings_yearly"]),
            share=self.pct(x.full_pct),
            count=self.num(int(recs["open_count"])),
        )
        if x.cleanup_spent > 0:
            narrative += " " + self.t("summary.idle", spent=self.money(x.cleanup_spent))
        rows = [
            (self.type_name(t["rec_type"]), float(t["savings_monthly"]["amount"]), self.money(t["savings_monthly"]))
            for t in recs["by_type"]
        ]
        chart = Chart(
            charts.bars(rows, title=self.t("chart.by_source")), self.t("chart.by_source"), ["recommendations"]
        )
        cites = ["overview", "recommendations", *(f"cleanup.{t}" for t in CLEANUP_TYPES)]
        return Section("summary", self.t("title.summary"), narrative, kpis, [chart] if rows else [], sources=cites)

    def trend(self) -> Section:
        tr = self.d["trend"]
        gran = str(tr["granularity"])
        points = [(self._point_label(p, gran), float(p["amount"])) for p in tr["points"]]
        peak = max(tr["points"], key=lambda p: p["amount"]) if tr["points"] else None
        chart = Chart(
            charts.columns(
                points,
                title=self.t("chart.trend"),
                top_label=self.money(peak["amount"], "range") if peak else "",
            ),
            self.t("chart.trend"),
            ["trend"],
        )
        latest = tr["points"][-12:]
        table = Table(
            [self.t("col.period"), self.t("col.days"), self.t("col.amount")],
            [False, True, True],
            [
                [self._point_label(p, gran, full=True), self.num(int(p["days"])), self.money(p["amount"], "range")]
                for p in latest
            ],
            ["trend"],
        )
        narrative = self.t(
            "trend.text",
            total=self.money(tr["total"]),
            daily=self.money(tr["average_daily"]),
            halves=self.pct(tr.get("first_half_vs_second_half_pct"), signed=True),
            slope=self.pct(tr.get("slope_pct_per_month"), signed=True),
        )
        return Section("trend", self.t("title.trend"), narrative, [], [chart, table])

    def day(self, value: object) -> str:
        """A date the number checker reads as a date: "2 апреля" / "2 Apr"."""
        d = date.fromisoformat(str(value))
        if self.lang == "ru":
            return f"{d.day} {_MONTHS_RU[d.month - 1]}"
        return f"{d.day} {d.strftime('%b')}"

    def _point_label(self, p: dict[str, Any], gran: str, full: bool = False) -> str:
        start, end = date.fromisoformat(str(p["start"])), date.fromisoformat(str(p["end"]))
        if gran == "month":
            return start.strftime("%Y-%m")
        if full and start != end:
            return f"{self.day(start)} – {self.day(end)}"
        return self.day(start)

    def forecast(self) -> Section | None:
        f = self.d.get("forecast")
        if not f:
            return None  # under four weeks of data: no forecast, and no empty section
        rows = [
            [
                self.t(f"forecast.{p['period']}"),
                f"{self.day(p['start'])} – {self.day(p['end'])}",
                self.money(p["forecast"]),
                self.money(p["low"]),
                self.money(p["high"]),
            ]
            for p in f["periods"]
        ]
        table = Table(
            [self.t("col.period"), self.t("col.dates"), self.t("col.forecast"), self.t("col.low"), self.t("col.high")],
            [False, False, True, True, True],
            rows,
            ["forecast"],
        )
        nxt = next(p for p in f["periods"] if p["period"] == "next_month")
        narrative = self.t(
            "forecast.text",
            amount=self.money(nxt["forecast"]),
            low=self.money(nxt["low"]),
            high=self.money(nxt["high"]),
            pct=self.pct(f["interval_pct"]),
            trend=self.pct(f.get("trend_pct_per_month"), signed=True),
        )
        return Section("forecast", self.t("title.forecast"), narrative, [], [table], [str(f["method"])])

    def inventory(self) -> Section:
        ctx = self.d["context"]
        inv = sorted(ctx["inventory"], key=lambda i: -float(i["monthly_cost"]["amount"]))
        rows = [
            [
                self.label(f"rtype.{i['resource_type']}", str(i["resource_type"])),
                self.num(int(i["count"])),
                self.money(i["monthly_cost"]),
            ]
            for i in inv
        ]
        table = Table(
            [self.t("col.type"), self.t("col.count"), self.t("col.monthly")], [False, True, True], rows, ["context"]
        )
        chart = Chart(
            charts.bars(
                [(r[0], float(i["monthly_cost"]["amount"]), r[2]) for r, i in zip(rows, inv, strict=True)],
                title=self.t("chart.by_type"),
            ),
            self.t("chart.by_type"),
            ["context"],
        )
        narrative = self.t(
            "inventory.text",
            count=self.num(int(ctx["resources_total"])),
            total=self.money(ctx["monthly_cost_total"]),
            types=self.num(len(inv)),  # a fact: the inventory's length (tools/facts.py)
        )
        return Section("inventory", self.t("title.inventory"), narrative, [], [chart, table])

    def _breakdown(self, key: str) -> Section:
        b = self.d[key]
        items = list(b["items"]) + ([b["other"]] if b.get("other") else [])
        rows = [
            [str(i["name"]), self.money(i["amount"]), self.pct(i["pct"]), self.pct(i.get("change_pct"), signed=True)]
            for i in items
        ]
        table = Table(
            [self.t("col.name"), self.t("col.amount"), self.t("col.share"), self.t("col.change")],
            [False, True, True, True],
            rows,
            [key],
        )
        chart = Chart(
            charts.bars(
                [(str(i["name"]), float(i["amount"]["amount"]), self.money(i["amount"])) for i in b["items"]],
                title=self.t(f"title.{key}"),
            ),
            self.t(f"title.{key}"),
            [key],
        )
        top = b["items"][0] if b["items"] else None
        narrative = (
            self.t(
                f"{key}.text",
                name=top["name"],
                amount=self.money(top["amount"]),
                share=self.pct(top["pct"]),
                total=self.money(b["total"]),
            )
            if top
            else self.t("none")
        )
        return Section(key, self.t(f"title.{key}"), narrative, [], [chart, table])

    def services(self) -> Section:
        return self._breakdown("services")

    def providers(self) -> Section:
        return self._breakdown("providers")

    def opportunities(self) -> Section:
        x = self.x
        by_provider = Table(
            [
                self.t("col.target_provider"),
                self.t("col.count"),
                self.t("col.savings_month"),
                self.t("col.savings_year"),
            ],
            [False, True, True, True],
            [
                [
                    provider_name(p["provider"]),
                    self.num(p["count"]),
                    self.money(p["savings"], "month"),
                    self.money(p["savings"] * 12, "year"),
                ]
                for p in x.by_provider
            ],
            ["recommendations"],
        )
        effort_cites = [f"effort.{o.item['id']}" for o in x.ops if o.effort]
        rows = []
        for o in x.ops:
            i = o.item
            eff = (
                f"{self.num(int(o.effort['score']))}/5 · {self.num(o.hours)} {self.t('unit.hours')}"
                if o.effort
                else "—"
            )
            rows.append(
                [
                    str(i["title"]),
                    self.type_name(i["rec_type"]),
                    self.money(i["savings_monthly"]),
                    self.money(i["savings_yearly"]),
                    eff,
                ]
            )
        top = Table(
            [
                self.t("col.recommendation"),
                self.t("col.kind"),
                self.t("col.savings_month"),
                self.t("col.savings_year"),
                self.t("col.effort"),
            ],
            [False, False, True, True, True],
            rows,
            ["recommendations", *effort_cites],
        )
        notes = [
            self.t(
                "provider.note",
                name=provider_name(p["provider"]),
                use=self.t(f"provider.{p['provider']}.use"),
                avoid=self.t(f"provider.{p['provider']}.avoid"),
            )
            for p in x.by_provider
            if f"report.provider.{p['provider']}.use" in MESSAGES
        ]
        best = x.by_provider[0] if x.by_provider else None
        narrative = (
            self.t(
                "opportunities.text",
                provider=provider_name(best["provider"]),
                savings=self.money(best["savings"], "month"),
                count=self.num(best["count"]),
            )
            if best
            else self.t("opportunities.none")
        )
        blocks: list[Table | Chart] = [by_provider] if x.by_provider else []
        return Section("opportunities", self.t("title.opportunities"), narrative, [], [*blocks, top], notes)

    def cleanup(self) -> Section:
        x = self.x
        rows = []
        for c in x.cleanup:
            i = c["item"]
            rows.append(
                [
                    str(i["title"]),
                    self.num(int(c["days"])) if isinstance(c["days"], int | float) else "—",
                    self.money(i["savings_monthly"]),
                    self.money(c["spent"]) if c["spent"] is not None else "—",
                ]
            )
        cites = [*(f"cleanup.{t}" for t in CLEANUP_TYPES), *(f"rec.{c['item']['id']}" for c in x.cleanup if c["rec"])]
        table = Table(
            [self.t("col.resource"), self.t("col.idle_days"), self.t("col.monthly"), self.t("col.spent")],
            [False, True, True, True],
            rows,
            cites,
        )
        narrative = (
            self.t(
                "cleanup.text",
                count=self.num(x.cleanup_count),
                monthly=self.money(x.cleanup_monthly, "month"),
                shown=self.num(len(x.cleanup)),
                spent=self.money(x.cleanup_spent),
            )
            if x.cleanup
            else self.t("cleanup.none")
        )
        return Section("cleanup", self.t("title.cleanup"), narrative, [], [table], [self.t("cleanup.method")])

    def scenarios(self) -> Section:
        x, o = self.x, self.d["overview"]
        cons_n = next(f.value for f in x.figures.facts if f.name == "recommendations.scenario.conservative")
        rows = [
            [
                self.t("scenario.conservative"),
                self.num(int(cons_n)),
                self.money(x.conservative, "month"),
                self.money(x.conservative * 12, "year"),
                self.pct(x.conservative_pct),
            ],
            [
                self.t("scenario.full"),
                self.num(int(self.d["recommendations"]["open_count"])),  # all open ones; savings: one per resource
                self.money(x.full, "month"),
                self.money(x.full * 12, "year"),
                self.pct(x.full_pct),
            ],
        ]
        table = Table(
            [
                self.t("col.scenario"),
                self.t("col.count"),
                self.t("col.savings_month"),
                self.t("col.savings_year"),
                self.t("col.of_run_rate"),
            ],
            [False, True, True, True, True],
            rows,
            ["recommendations", "overview"],
        )
        chart = Chart(
            charts.bars(
                [
                    (self.t("kpi.run_rate"), float(o["run_rate_monthly"]["amount"]), self.money(o["run_rate_monthly"])),
                    (self.t("scenario.conservative"), x.conservative, self.money(x.conservative, "month")),
                    (self.t("scenario.full"), x.full, self.money(x.full, "month")),
                ],
                title=self.t("chart.scenarios"),
            ),
            self.t("chart.scenarios"),
            ["overview", "recommendations"],
        )
        narrative = self.t(
            "scenarios.text",
            conservative=self.money(x.conservative, "month"),
            cons_pct=self.pct(x.conservative_pct),
            full=self.money(x.full, "month"),
            full_pct=self.pct(x.full_pct),
        )
        return Section(
            "scenarios", self.t("title.scenarios"), narrative, [], [chart, table], [self.t("scenarios.method")]
        )

    def roi(self) -> Section:
        x = self.x
        rows = [[self.t(f"role.{role}"), self.num(h)] for role, h in sorted(x.hours_by_role.items())]
        rows.append([self.t("role.total"), self.num(x.hours_total)])
        cites = ["recommendations", *(f"effort.{o.item['id']}" for o in x.ops if o.effort)]
        table = Table([self.t("col.role"), self.t("col.hours")], [False, True], rows, cites)
        if x.work_cost is not None and x.payback_months is not None and x.hourly_rate is not None:
            narrative = self.t(
                "roi.text",
                count=self.num(x.roi_count),
                savings=self.money(x.roi_savings, "month"),
                hours=self.num(x.hours_total),
                rate=self.money(x.hourly_rate, "hour"),
                cost=self.money(x.work_cost),
                months=self.num(x.payback_months),
            )
        else:
            narrative = self.t("roi.no_rate", hours=self.num(x.hours_total), currency=self.cur)
        return Section("roi", self.t("title.roi"), narrative, [], [table], [self.t("roi.assumption")])

    def plan(self) -> Section:
        x = self.x
        rows = []
        for phase in PHASES:
            p = x.by_phase[phase]
            names = "; ".join(str(o.item["title"]) for o in p["items"][:3]) or "—"
            rows.append([self.t(f"phase.{phase}"), self.num(p["count"]), self.money(p["savings"], "month"), names])
        table = Table(
            [self.t("col.phase"), self.t("col.count"), self.t("col.savings_month"), self.t("col.what")],
            [False, True, True, False],
            rows,
            ["recommendations", *(f"effort.{o.item['id']}" for o in x.ops if o.effort)],
        )
        now = x.by_phase["now"]
        narrative = self.t("plan.text", count=self.num(now["count"]), savings=self.money(now["savings"], "month"))
        return Section("plan", self.t("title.plan"), narrative, [], [table])

    def anomalies(self) -> Section:
        a = self.d["anomalies"]
        rows = [
            [
                self.day(v["day"]),
                str(v["provider_name"]),
                str(v["service"]),
                self.money(v["amount"]),
                self.money(v["expected"]),
                self.pct(v["deviation_pct"], signed=True),
            ]
            for v in a["anomalies"]
        ]
        table = Table(
            [
                self.t("col.day"),
                self.t("col.provider"),
                self.t("col.service"),
                self.t("col.amount"),
                self.t("col.expected"),
                self.t("col.deviation"),
            ],
            [True, False, False, True, True, True],
            rows,
            ["anomalies"],
        )
        narrative = (
            self.t("anomalies.text", count=self.num(int(a["count"]))) if a["count"] else self.t("anomalies.none")
        )
        return Section("anomalies", self.t("title.anomalies"), narrative, [], [table] if rows else [])

    def comparison(self) -> Section:
        present = {
            c["provider"] for c in self.d["context"].get("connections", []) if isinstance(c, dict) and "provider" in c
        }
        present |= {p["provider"] for p in self.x.by_provider}
        keys = [p for p in _PROVIDERS if p in present] or list(_PROVIDERS)
        rows = [
            [
                provider_name(p),
                self.t(f"provider.{p}.managed"),
                self.t(f"provider.{p}.use"),
                self.t(f"provider.{p}.avoid"),
            ]
            for p in keys
        ]
        table = Table(
            [self.t("col.provider"), self.t("col.managed"), self.t("col.when_use"), self.t("col.when_avoid")],
            [False] * 4,
            rows,
            [],
        )
        return Section("comparison", self.t("title.comparison"), self.t("comparison.text"), [], [table])


_MONTHS_RU = (
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
)
_PROVIDERS = ("selectel", "yandex", "beget", "vkcloud")


def build_report(data: ReportData, derived: Derived, persona: Persona, lang: Lang) -> Report:
    w = _Writer(data, derived, lang)
    sections = [s for s in (getattr(w, key)() for key in SECTIONS[persona]) if s is not None]
    o = data["overview"]
    period = w.t("period", days=w.num(int(o["range"]["days"])), start=o["range"]["start"], end=o["range"]["end"])
    return Report(
        persona,
        lang,
        w.t("title", persona=w.t(f"persona.{persona}")),
        period,
        data.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
        sections,
        data,
        derived,
    )
