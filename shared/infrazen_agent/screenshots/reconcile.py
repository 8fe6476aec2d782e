"""Reconciliation: the figures read off a screenshot against the tenant's own cost data for the
same provider and period. Each line is a match, a mismatch (with the delta and the likely
reason) or a line the data does not know; services the data has and the screen does not are
listed too. Both sides are `Money`, so each is a typed fact: "screenshot.*" for what was read,
"data.*" for what the data says (tools/facts.py).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from ..auth import Principal
from ..data.catalog import PROVIDER_NAMES
from ..data.money import Money, Period, money, round2
from ..data.source import DataSource
from ..tools.common import RangeView
from .labels import SERVICES, match_service, service_label
from .model import Extraction, Utilisation
from .samples import last_full_month

Status = Literal["matches", "close", "differs", "unknown"]
Reason = Literal[
    "vat_included", "vat_excluded", "daily_vs_monthly", "period_boundaries", "another_account", "low_confidence",
    "unexplained",
]  # fmt: skip
Verdict = Literal["matches", "differs", "partial", "no_data", "not_billing"]
VAT_RATES = (0.22, 0.20)  # Russia: 22 % from 2026, 20 % before
EXACT = 0.015  # a kopeck of rounding either way, plus OCR's "0" / "O"
CLOSE_PCT = 2.0  # within 2 %: late charges, rounding per line
RATIO_FIT = 0.015
LOW_CONFIDENCE = 0.6
MISSING_SHARE = 0.005  # data services below 0.5 % of the provider's total are not worth listing


class ItemCheck(BaseModel):
    label: str = Field(description="as read off the screenshot")
    service: str | None = Field(description="the service of the data it was matched to")
    service_name: str | None
    screenshot: Money
    data: Money | None
    delta: Money | None = Field(description="screenshot minus data")
    delta_pct: float | None
    status: Status
    reason: Reason | None
    confidence: float = Field(description="how sure the reading is (0..1)")


class TotalCheck(BaseModel):
    label: str
    screenshot: Money
    data: Money | None
    delta: Money | None
    delta_pct: float | None
    status: Status
    reason: Reason | None
    confidence: float


class MissingItem(BaseModel):
    service: str
    service_name: str
    data: Money


class ScreenTotal(BaseModel):
    label: str
    role: str
    screenshot: Money


class ReconcileOut(BaseModel):
    upload_id: str
    reader: str = Field(description="ocr (Tesseract) or vision (a model)")
    kind: str
    provider: str | None
    provider_name: str | None
    provider_basis: str
    period: RangeView | None
    currency: str | None
    verdict: Verdict
    no_data_reason: Literal["other_provider", "currency", "no_costs", "provider_unknown"] | None = None
    total: TotalCheck | None
    items: list[ItemCheck]
    missing: list[MissingItem] = Field(description="in the data for this provider and period, not on the screenshot")
    other_totals: list[ScreenTotal] = Field(description="VAT and subtotal lines as read")
    utilisation: list[Utilisation]
    notes: list[str]
    warnings: list[str]


def _period_kind(start: date, end: date) -> Period:
    whole_month = start.day == 1 and end == start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return "month" if whole_month else "range"


def _close(ratio: float, target: float) -> bool:
    return abs(ratio - target) <= RATIO_FIT * target


def likely_reason(screen: float, data: float, days: int, covered: int, daily: float, confidence: float) -> Reason:
    """Why a figure differs, by the shape of the difference (checked most specific first)."""
    if data <= 0:
        return "another_account"
    ratio = screen / data
    for rate in VAT_RATES:
        if _close(ratio, 1 + rate):
            return "vat_included"
        if _close(ratio, 1 / (1 + rate)):
            return "vat_excluded"
    if days > 1 and (_close(ratio, 1 / days) or _close(ratio, days)):
        return "daily_vs_monthly"
    if covered < days and _close(ratio, days / covered):
        return "period_boundaries"
    if daily > 0 and abs(screen - data) <= 2 * daily:
        return "period_boundaries"  # a day or two of spend moved across the period's edge
    if confidence < LOW_CONFIDENCE:
        return "low_confidence"
    return "unexplained"


def _status(screen: float, data: float) -> Status:
    delta = abs(screen - data)
    if delta <= EXACT:
        return "matches"
    if data and delta / abs(data) * 100 <= CLOSE_PCT:
        return "close"
    return "differs"


def _pct(delta: float, base: float) -> float | None:
    return round(delta / base * 100, 2) if base else None


async def reconcile(upload_id: str, ext: Extraction, source: DataSource, principal: Principal) -> ReconcileOut:
    bounds = await source.cost_bounds(principal)
    currency = bounds.currency
    notes: list[str] = []
    warnings = list(ext.warnings)
    base = {
        "upload_id": upload_id,
        "reader": ext.reader,
        "kind": ext.kind,
        "provider_name": ext.provider,
        "utilisation": ext.utilisation,
        "warnings": warnings,
    }
    figures = bool(ext.line_items or ext.totals)
    if not figures:
        notes.append("no amounts were read off the screenshot: it is not a bill, or the figures were not legible")
        return ReconcileOut(
            **base,
            provider=ext.provider_key,
            provider_basis="as read",
            period=None,
            currency=ext.currency,
            verdict="not_billing",
            total=None,
            items=[],
            missing=[],
            other_totals=[],
            notes=notes,
        )
    if ext.period and ext.period.start and ext.period.end:
        start, end, basis = ext.period.start, ext.period.end, "from the screenshot"
    else:
        start, end = last_full_month(bounds.last_day or date.today())
        basis = "assumed: the last full month of data (the screenshot states no period)"
        notes.append(f"the screenshot states no period; compared with {start}..{end}")
    days = (end - start).days + 1
    period_kind = _period_kind(start, end)
    shot_currency = ext.currency or currency
    rng = RangeView(start=start, end=end, days=days, basis=basis)

    def shot(amount: float) -> Money:
        return money(amount, shot_currency, period_kind)

    main = ext.main_total()
    other_totals = [
        ScreenTotal(label=t.label, role=t.role, screenshot=shot(t.amount)) for t in ext.totals if t is not main
    ]
    covered_start = max(start, bounds.first_day) if bounds.first_day else start
    covered_end = min(end, bounds.last_day) if bounds.last_day else end
    covered = max(0, (covered_end - covered_start).days + 1)
    if covered < days:
        notes.append(f"the data covers {covered} of the period's {days} days")
    series = await source.cost_series(principal, start, end, "provider_service") if covered else None
    by_provider: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for _, prov, service, amount in series.iter_rows() if series else ():
        by_provider[prov][service] += amount

    provider, provider_basis = ext.provider_key, "named on the screenshot"
    if provider is None and ext.provider:
        notes.append(f"the screenshot is from {ext.provider}, which is not connected to this account")
    elif provider is None and main is not None and by_provider:
        # No name on the screen: the connected provider whose total is nearest, if it is near.
        best = min(by_provider, key=lambda p: abs(sum(by_provider[p].values()) - main.amount))
        if _status(main.amount, sum(by_provider[best].values())) != "differs":
            provider, provider_basis = best, "inferred from the total (no provider named on the screenshot)"
    if shot_currency != currency:
        notes.append(f"the screenshot is in {shot_currency}, the data in {currency}: amounts are not compared")
    data = dict(by_provider.get(provider or "", {}))
    comparable = provider is not None and shot_currency == currency and bool(data)
    if provider is not None and not data:
        notes.append(f"the data has no {PROVIDER_NAMES.get(provider, provider)} costs for {start}..{end}")
    base["provider_name"] = PROVIDER_NAMES.get(provider, ext.provider) if provider else ext.provider

    def check(screen: float, data_amount: float | None, confidence: float) -> dict[str, object]:
        if data_amount is None:
            return {"data": None, "delta": None, "delta_pct": None, "status": "unknown", "reason": None}
        delta = round2(screen - data_amount)
        status = _status(screen, data_amount)
        reason = None
        if status != "matches":
            reason = likely_reason(
                screen, data_amount, days, covered or days, data_amount / max(covered, 1), confidence
            )
        return {
            "data": money(data_amount, currency, period_kind),
            "delta": money(delta, currency, period_kind),
            "delta_pct": _pct(delta, data_amount),
            "status": status,
            "reason": reason,
        }

    # Lines naming the same service are compared as one ("Public IPs" + "Load balancers" = network).
    groups: dict[str, list[int]] = defaultdict(list)
    matched: list[str | None] = []
    for i, item in enumerate(ext.line_items):
        found, _ = match_service(item.label, [*data, *SERVICES]) if comparable else (None, 0.0)
        key = found if found in data else None
        matched.append(key)
        groups[key or f"?{i}"].append(i)
    items: list[ItemCheck] = []
    for group, members in groups.items():
        lines = [ext.line_items[i] for i in members]
        screen = round2(sum(line.amount for line in lines))
        confidence = min(line.confidence for line in lines)
        matched_service = group if group in data else None
        compared = check(screen, round2(data[matched_service]) if matched_service else None, confidence)
        items.append(
            ItemCheck(
                label=" + ".join(line.label for line in lines),
                service=matched_service,
                service_name=service_label(matched_service, "en") if matched_service else None,
                screenshot=shot(screen),
                confidence=round(confidence, 2),
                **compared,  # type: ignore[arg-type]
            )
        )
    missing = []
    provider_total = round2(sum(round2(v) for v in data.values()))  # a bill totals its rounded lines
    if comparable:
        seen = {m for m in matched if m}
        for service, amount in sorted(data.items(), key=lambda kv: -kv[1]):
            if service not in seen and amount > MISSING_SHARE * provider_total:
                missing.append(
                    MissingItem(
                        service=service,
                        service_name=service_label(service, "en"),
                        data=money(amount, currency, period_kind),
                    )
                )
    total = None
    if main is not None:
        total = TotalCheck(
            label=main.label,
            screenshot=shot(main.amount),
            confidence=round(main.confidence, 2),
            **check(main.amount, provider_total if comparable else None, main.confidence),  # type: ignore[arg-type]
        )
    no_data_reason = None
    if not comparable:
        if provider is None:
            no_data_reason = "other_provider" if ext.provider else "provider_unknown"
        else:
            no_data_reason = "currency" if shot_currency != currency else "no_costs"
    return ReconcileOut(
        **base,
        no_data_reason=no_data_reason,
        provider=provider,
        provider_basis=provider_basis,
        period=rng,
        currency=shot_currency,
        verdict=_verdict(comparable, total, items, missing),
        total=total,
        items=items,
        missing=missing,
        other_totals=other_totals,
        notes=notes,
    )


def _verdict(comparable: bool, total: TotalCheck | None, items: list[ItemCheck], missing: list[MissingItem]) -> Verdict:
    if not comparable:
        return "no_data"
    checks = [c.status for c in items] + ([total.status] if total else [])
    if any(s in ("differs", "close") for s in checks):
        return "differs"
    if any(s == "unknown" for s in checks) or missing:
        return "partial"
    return "matches"
