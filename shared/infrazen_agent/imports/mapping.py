"""FOCUS rows into the canonical model's terms: each valid row becomes one staging line per UTC
day it covers (an hourly charge lands on its day; a charge spanning days is spread over them by
time), keyed by provider slug, resource key, service, charge category and currency, with the
chosen cost column's amount. Every refused row is reported with its number and why; resources
(what a ResourceId names) are collected once each, from their first row."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from .conformance import Conformance
from .focus import CHARGE_CATEGORIES, PROVIDER_COLUMNS, canonical_type
from .reader import Batch

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_MAX_AMOUNT = 1e13  # numeric(24, 10): larger is surely not a charge
_DAY = timedelta(days=1)
_CACHE_MAX = 200_000


@dataclass(slots=True)  # one per distinct ResourceId: slots keep a million of them small
class ResourceSeen:
    provider: str
    external_id: str
    name: str
    resource_type: str
    service: str
    region: str
    tags: dict[str, str]
    sub_account: str | None
    first: datetime
    last: datetime


@dataclass
class Mapper:
    """Turns batches into COPY text lines (see `STAGE_COLUMNS`) and fills the report as it goes."""

    columns: list[str]
    cost_column: str
    report: Conformance
    resources: dict[tuple[str, str], ResourceSeen] = field(default_factory=dict)
    providers: dict[str, str] = field(default_factory=dict)  # slug -> the name the bill gives
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (provider, currency, category)
    account_name: str | None = None
    # (CommitmentDiscountType, CommitmentDiscountStatus, currency) -> cost and rows a commitment covers
    commitments: dict[tuple[str, str, str], float] = field(default_factory=dict)
    commitment_rows: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    _periods: dict[tuple[Any, Any], Any] = field(default_factory=dict)
    _slugs: dict[str, str] = field(default_factory=dict)
    _escaped: dict[str, str] = field(default_factory=dict)
    _categories: dict[str, str | None] = field(default_factory=dict)
    _currencies: dict[Any, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index = {c: i for i, c in enumerate(self.columns)}
        self._i = index
        provider = next((c for c in PROVIDER_COLUMNS if c in index), None)
        self._provider_col = provider

    def _col(self, batch: Batch, name: str | None) -> Sequence[Any]:
        i = self._i.get(name) if name else None
        return batch.columns[i] if i is not None else [None] * batch.size

    def map_batch(self, batch: Batch) -> str:
        """The batch's staging lines, as COPY text."""
        report = self.report
        col = self._col
        start_c, end_c = col(batch, "ChargePeriodStart"), col(batch, "ChargePeriodEnd")
        cost_c = col(batch, self.cost_column if self.cost_column in self._i else None)
        cat_c, cur_c = col(batch, "ChargeCategory"), col(batch, "BillingCurrency")
        prov_c, svc_c = col(batch, self._provider_col), col(batch, "ServiceName")
        res_c = col(batch, "ResourceId")
        has_commitments = "CommitmentDiscountId" in self._i
        cdi_c, cdt_c = col(batch, "CommitmentDiscountId"), col(batch, "CommitmentDiscountType")
        cds_c = col(batch, "CommitmentDiscountStatus")
        has_cost = self.cost_column in self._i
        has_dates = "ChargePeriodStart" in self._i and "ChargePeriodEnd" in self._i
        if self.account_name is None and "BillingAccountName" in self._i:
            self.account_name = next((str(v) for v in col(batch, "BillingAccountName") if v and v != "NULL"), None)
        out: list[str] = []
        append = out.append
        periods, slugs, esc = self._periods, self._slugs, self._escaped
        if len(periods) > _CACHE_MAX:
            periods.clear()
        if len(esc) > _CACHE_MAX:
            esc.clear()
        ragged = batch.ragged
        first = batch.first_row
        for i in range(batch.size):
            row = first + i
            if ragged and i in ragged:
                report.error(row, "*", "ragged_row", ragged[i])
                report.rows_refused += 1
                continue
            ok = True
            # charge period -> [(day, share)]
            spans: Any = None
            if has_dates:
                key = (start_c[i], end_c[i])
                spans = periods.get(key)
                if spans is None:
                    spans = periods[key] = _spans(key[0], key[1])
                if isinstance(spans, tuple):
                    report.error(row, spans[0], spans[1], spans[2])
                    ok = False
            # amount
            amount: Any = None
            if has_cost:
                amount = _amount(cost_c[i])
                if isinstance(amount, tuple):
                    report.error(row, self.cost_column, amount[0], cost_c[i])
                    ok = False
            category = self._category(cat_c[i])
            if category is None:
                report.error(row, "ChargeCategory", "null" if _null(cat_c[i]) else "unknown_category", cat_c[i])
                ok = False
            currency = cur_c[i]
            valid = self._currencies.get(currency)
            if valid is None:
                valid = self._currencies[currency] = isinstance(currency, str) and bool(_CURRENCY.match(currency))
            if not valid:
                report.error(row, "BillingCurrency", "null" if _null(currency) else "not_a_currency", currency)
                ok = False
            if not ok:
                report.rows_refused += 1
                continue
            assert category is not None
            raw_provider = prov_c[i]
            provider = slugs.get(raw_provider) if raw_provider is not None else None
            if provider is None:
                provider = slugs[raw_provider] = self._slug(raw_provider)
            service = svc_c[i]
            if _null(service):
                service = category
            rid = res_c[i]
            if _null(rid):
                rkey = "~" + service
            else:
                rkey = str(rid)
                if (provider, rkey) not in self.resources:
                    self._resource(batch, i, row, provider, rkey, service, spans)
                elif spans:
                    seen = self.resources[(provider, rkey)]
                    day_last = spans[-1][0]
                    if day_last > seen.last.date():
                        seen.last = datetime.combine(day_last, datetime.min.time())
            self.counts[(provider, currency, category)] += 1
            if has_commitments and not _null(cdi_c[i]):
                ckey = (str(cdt_c[i] or "?"), str(cds_c[i] or "?"), currency)
                self.commitments[ckey] = self.commitments.get(ckey, 0.0) + (float(amount) if has_cost else 0.0)
                self.commitment_rows[ckey] += 1
            if not has_dates or not has_cost:
                continue
            k = esc.get(rkey)
            if k is None:
                k = esc[rkey] = _escape(rkey)
            s = esc.get(service)
            if s is None:
                s = esc[service] = _escape(str(service))
            if len(spans) == 1:
                append(f"{provider}\t{k}\t{spans[0][0]}\t{s}\t{category}\t{currency}\t{amount}\n")
            else:
                value = Decimal(amount)
                for day, share in spans:
                    append(f"{provider}\t{k}\t{day}\t{s}\t{category}\t{currency}\t{value * share:.10f}\n")
        return "".join(out)

    def _category(self, value: Any) -> str | None:
        if value not in self._categories:
            text = str(value).strip() if value is not None else ""
            match = next((c for c in CHARGE_CATEGORIES if c.lower() == text.lower()), None)
            self._categories[value] = match
        return self._categories[value]

    def _slug(self, raw: Any) -> str:
        if _null(raw):
            self.providers.setdefault("unknown", "Unknown provider")
            return "unknown"
        name = str(raw).strip()
        slug = _SLUG_DROP.sub("-", name.lower()).strip("-")[:40] or "unknown"
        self.providers.setdefault(slug, name)
        return slug

    def _resource(self, batch: Batch, i: int, row: int, provider: str, rkey: str, service: str, spans: Any) -> None:
        def value(name: str) -> str | None:
            j = self._i.get(name)
            if j is None:
                return None
            v = batch.columns[j][i]
            return None if _null(v) else str(v)

        tags: dict[str, str] = {}
        category = value("ServiceCategory")
        if category:
            tags["focus:ServiceCategory"] = category[:200]
        raw_tags = batch.columns[self._i["Tags"]][i] if "Tags" in self._i else None
        if not _null(raw_tags):
            try:
                parsed = json.loads(raw_tags) if isinstance(raw_tags, str) else raw_tags
                if not isinstance(parsed, dict):
                    raise ValueError("not an object")
                tags.update({str(k)[:100]: ("" if v is None else str(v))[:200] for k, v in parsed.items()})
            except (ValueError, TypeError):
                self.report.warn(row, "Tags", "tags_not_json", raw_tags)
        day = spans[0][0] if spans else datetime.now(UTC).date()
        at = datetime.combine(day, datetime.min.time())
        self.resources[(provider, rkey)] = ResourceSeen(
            provider=provider,
            external_id=rkey,
            name=(value("ResourceName") or rkey)[:200],
            resource_type=canonical_type(value("ResourceType")),
            service=str(service)[:200],
            region=(value("RegionId") or value("RegionName") or "global")[:100],
            tags=tags,
            sub_account=value("SubAccountId"),
            first=at,
            last=at,
        )


STAGE_COLUMNS = "provider, key, day, service, category, currency, amount"


def _null(value: Any) -> bool:
    return value is None or value == "" or value == "NULL"


def _escape(text: str) -> str:
    """COPY's text format: backslash, tab and line breaks escaped."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _moment(value: Any) -> datetime | None:
    """A FOCUS date-time as naive UTC (a value without an offset is UTC, as FOCUS requires)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
    elif isinstance(value, str):
        text = value.strip()
        if len(text) < 10:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _spans(start_v: Any, end_v: Any) -> list[tuple[date, Decimal]] | tuple[str, str, Any]:
    """[(day, share of the charge)] or (column, problem, value) when the period is not valid."""
    if _null(start_v):
        return ("ChargePeriodStart", "null", start_v)
    if _null(end_v):
        return ("ChargePeriodEnd", "null", end_v)
    start = _moment(start_v)
    if start is None:
        return ("ChargePeriodStart", "not_a_date_time", start_v)
    end = _moment(end_v)
    if end is None:
        return ("ChargePeriodEnd", "not_a_date_time", end_v)
    if end < start:
        return ("ChargePeriodEnd", "ends_before_start", end_v)
    first = start.date()
    next_midnight = datetime.combine(first, datetime.min.time()) + _DAY
    if end <= next_midnight:
        return [(first, Decimal(1))]
    total = Decimal((end - start).total_seconds())
    out: list[tuple[date, Decimal]] = []
    cursor, day = start, first
    while cursor < end:
        boundary = min(datetime.combine(day, datetime.min.time()) + _DAY, end)
        out.append((day, Decimal((boundary - cursor).total_seconds()) / total))
        cursor, day = boundary, day + _DAY
    return out


def _amount(value: Any) -> str | tuple[str]:
    """The amount as exact text for COPY, or (problem,)."""
    if value is None or value == "" or value == "NULL":
        return ("null",)
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            return ("not_a_number",)
        if "_" in text:
            return ("not_a_number",)
    elif isinstance(value, bool):
        return ("not_a_number",)
    elif isinstance(value, int | float | Decimal):
        number = float(value)
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        return ("not_a_number",)
    if not math.isfinite(number):
        return ("not_a_number",)
    if abs(number) >= _MAX_AMOUNT:
        return ("out_of_range",)
    return text
