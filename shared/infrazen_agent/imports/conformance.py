"""The conformance report of one file's import: the FOCUS version its header points to, the
columns missing, every row refused (with its row number; the first `MAX_LISTED` listed, all
counted), the null rate of each column, and the totals per provider, currency and charge
category. A row is never dropped without a line here. `lines(lang)` words it for people (RU/EN)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..wording import format_number
from ..wording.messages import message

MAX_LISTED = 100
PROBLEMS = (
    "null",
    "not_a_number",
    "out_of_range",
    "not_a_date_time",
    "ends_before_start",
    "unknown_category",
    "not_a_currency",
    "ragged_row",
    "tags_not_json",
)


@dataclass(frozen=True)
class RowIssue:
    row: int  # 1-based data row (the header is not counted)
    column: str
    problem: str  # a code (PROBLEMS); its wording is import.problem.<code>
    value: str | None = None

    def public(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "problem": self.problem, "value": self.value}


@dataclass
class Total:
    provider: str
    currency: str
    charge_category: str
    rows: int
    amount: float

    def public(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "currency": self.currency,
            "charge_category": self.charge_category,
            "rows": self.rows,
            "amount": round(self.amount, 6),
        }


@dataclass
class Conformance:
    file: str
    format: str
    cost_column: str
    version: str = "unknown"
    version_basis: str = ""
    version_evidence: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    missing_required: list[str] = field(default_factory=list)
    missing_mandatory: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_refused: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    error_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    warnings: list[RowIssue] = field(default_factory=list)
    warning_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    nulls: dict[str, int] = field(default_factory=dict)
    totals: list[Total] = field(default_factory=list)
    tenant_currency: str | None = None
    first_day: str | None = None
    last_day: str | None = None
    resources: int = 0
    commitments: list[dict[str, Any]] = field(default_factory=list)  # rows a commitment discount covers
    # What the file's import came to: imported | rejected (refused rows or missing columns) | failed.
    outcome: str = "rejected"
    reason: str | None = None
    reason_code: str | None = None  # missing_required | refused_rows | no_rows (wording: import.reason.<code>)

    def error(self, row: int, column: str, problem: str, value: object = None) -> None:
        self.error_counts[(column, problem)] += 1
        if len(self.errors) < MAX_LISTED:
            self.errors.append(RowIssue(row, column, problem, _shown(value)))

    def warn(self, row: int, column: str, problem: str, value: object = None) -> None:
        self.warning_counts[(column, problem)] += 1
        if len(self.warnings) < MAX_LISTED:
            self.warnings.append(RowIssue(row, column, problem, _shown(value)))

    @property
    def rows_imported(self) -> int:
        return self.rows_read - self.rows_refused if self.outcome == "imported" else 0

    def kept_apart(self) -> list[Total]:
        """Totals in a currency other than the tenant's: stored, never converted, not in analytics."""
        if self.tenant_currency is None:
            return []
        return [t for t in self.totals if t.currency != self.tenant_currency]

    def public(self) -> dict[str, Any]:
        rows = max(self.rows_read, 1)
        return {
            "file": self.file,
            "format": self.format,
            "outcome": self.outcome,
            "reason": self.reason,
            "reason_code": self.reason_code,
            "focus_version": self.version,
            "version_basis": self.version_basis,
            "version_evidence": self.version_evidence,
            "cost_column": self.cost_column,
            "columns": len(self.columns),
            "missing_required_columns": self.missing_required,
            "missing_mandatory_columns": self.missing_mandatory,
            "unknown_columns": self.unknown_columns,
            "extension_columns": self.extensions,
            "rows_read": self.rows_read,
            "rows_refused": self.rows_refused,
            "rows_imported": self.rows_imported,
            "errors": [e.public() for e in self.errors],
            "error_counts": [{"column": c, "problem": p, "rows": n} for (c, p), n in sorted(self.error_counts.items())],
            "warnings": [w.public() for w in self.warnings],
            "warning_counts": [
                {"column": c, "problem": p, "rows": n} for (c, p), n in sorted(self.warning_counts.items())
            ],
            "null_rates": {c: round(n / rows, 4) for c, n in self.nulls.items()},
            "totals": [t.public() for t in self.totals],
            "tenant_currency": self.tenant_currency,
            "kept_apart": [t.public() for t in self.kept_apart()],
            "first_day": self.first_day,
            "last_day": self.last_day,
            "resources": self.resources,
            "commitments": self.commitments,
        }

    def lines(self, lang: str) -> list[str]:
        return report_lines(self.public(), lang)


def report_lines(report: dict[str, Any], lang: str) -> list[str]:
    """A report (`Conformance.public()`, as a job stores it) for people, in `lang`."""

    def t(key: str, **values: object) -> str:
        return message(f"import.{key}", lang, **values)

    def n(value: float, decimals: int | None = None) -> str:
        return format_number(value, "en" if lang == "en" else "ru", decimals=decimals)

    out = [t("report.title", file=report["file"]), t("report.outcome." + report["outcome"])]
    if report.get("reason_code"):
        out.append(t("report.reason", reason=t("reason." + report["reason_code"])))
    evidence = report.get("version_evidence") or []
    basis = t("report.version_columns", columns=", ".join(evidence)) if evidence else t("report.version_only_1_0")
    out.append(t("report.version", version=report["focus_version"], basis=basis))
    out.append(t("report.cost_column", column=report["cost_column"]))
    out.append(
        t(
            "report.rows",
            read=n(report["rows_read"]),
            imported=n(report["rows_imported"]),
            refused=n(report["rows_refused"]),
        )
    )
    if report.get("first_day"):
        out.append(t("report.days", first=report["first_day"], last=report["last_day"] or report["first_day"]))
    if report["missing_required_columns"]:
        out.append(t("report.missing_required", columns=", ".join(report["missing_required_columns"])))
    if report["missing_mandatory_columns"]:
        out.append(t("report.missing_mandatory", columns=", ".join(report["missing_mandatory_columns"])))
    ignored = report["unknown_columns"] + report["extension_columns"]
    if ignored:
        out.append(t("report.ignored_columns", columns=", ".join(ignored)))
    errors = report["errors"]
    counted = sum(e["rows"] for e in report["error_counts"])
    if counted:
        out.append(t("report.errors", rows=n(report["rows_refused"])))
        for e in errors[:20]:
            problem = t("problem." + e["problem"])
            out.append(t("report.issue", row=e["row"], column=e["column"], problem=problem, value=e["value"] or ""))
        if counted > min(len(errors), 20):
            out.append(t("report.more", count=n(counted - min(len(errors), 20))))
    for w in report["warning_counts"]:
        out.append(t("report.warning", column=w["column"], problem=t("problem." + w["problem"]), rows=n(w["rows"])))
    rates = sorted(((c, v) for c, v in report["null_rates"].items() if v), key=lambda cv: -cv[1])[:8]
    if rates:
        out.append(t("report.nulls", columns=", ".join(f"{c} {n(v * 100, 1)} %" for c, v in rates)))
    if report["totals"]:
        out.append(t("report.totals"))
        for total in report["totals"]:
            out.append(
                t(
                    "report.total",
                    provider=total["provider"],
                    category=total["charge_category"],
                    amount=n(total["amount"], 2),
                    currency=total["currency"],
                    rows=n(total["rows"]),
                )
            )
    for c in report.get("commitments") or []:
        out.append(
            t(
                "report.commitment",
                type=c["type"],
                status=c["status"],
                rows=n(c["rows"]),
                amount=n(c["amount"], 2),
                currency=c["currency"],
            )
        )
    apart: dict[str, float] = {}
    for total in report["kept_apart"]:
        apart[total["currency"]] = apart.get(total["currency"], 0.0) + total["amount"]
    for currency, amount in sorted(apart.items()):
        out.append(t("report.kept_apart", currency=currency, amount=n(amount, 2), tenant=report["tenant_currency"]))
    return out


def _shown(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"
