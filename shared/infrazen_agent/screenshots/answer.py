"""The offline answer about a screenshot: its reconciliation written from the tool's own output
(every figure is one of its typed facts, formatted by the one formatter), in Russian or English."""

from __future__ import annotations

from typing import Any

from ..data.money import Money
from ..wording import Lang, format_amount, format_percent
from ..wording.messages import message
from .labels import service_label

_LOW = 0.6


def _money(data: dict[str, Any], lang: Lang) -> str:
    return format_amount(Money.model_validate(data), lang)


def _period(out: dict[str, Any], lang: Lang) -> str:
    period = out.get("period")
    if not period:
        return message("screenshot.period_unknown", lang)
    return f"{period['start']} – {period['end']}"


def reconciliation_lines(out: dict[str, Any], lang: Lang) -> list[str]:
    """Markdown lines for one `reconcile_screenshot` output."""
    kind = message(f"screenshot.kind.{out.get('kind', 'other')}", lang)
    lines = [message("screenshot.heading", lang, kind=kind)]
    verdict = out.get("verdict", "not_billing")
    if verdict == "not_billing":
        return [*lines, message("screenshot.verdict.not_billing", lang)]
    lines.append(
        message(
            "screenshot.read_by",
            lang,
            reader=message(f"screenshot.reader.{out.get('reader', 'ocr')}", lang),
            provider=out.get("provider_name") or message("screenshot.provider_unknown", lang),
            period=_period(out, lang),
        )
    )
    lines.append(message(f"screenshot.verdict.{verdict}", lang))
    total = out.get("total")
    if total and total.get("data"):
        lines.append(
            message("screenshot.total", lang, shot=_money(total["screenshot"], lang), data=_money(total["data"], lang))
        )
    low = False
    for item in out.get("items", []):
        low = low or item.get("confidence", 1) < _LOW
        if item["status"] == "unknown" and verdict != "no_data":
            lines.append(
                message("screenshot.line_unknown", lang, label=item["label"], shot=_money(item["screenshot"], lang))
            )
        elif item["status"] in ("differs", "close"):
            lines.append(_differs(item, lang))
    if total and total.get("status") in ("differs", "close"):
        lines.append(_differs({**total, "label": total.get("label") or "Total"}, lang))
    for missing in out.get("missing", []):
        label = service_label(missing["service"], lang)
        lines.append(message("screenshot.line_missing", lang, label=label, data=_money(missing["data"], lang)))
    for u in out.get("utilisation", [])[:6]:
        value = format_percent(u["value"], lang)
        lines.append(message("screenshot.utilisation", lang, label=u.get("label") or u["metric"], value=value))
    if verdict == "no_data":
        reason = out.get("no_data_reason") or "provider_unknown"
        lines.append(message(f"screenshot.no_data.{reason}", lang, provider=out.get("provider_name") or "—"))
    if low:
        lines.append(message("screenshot.low_confidence", lang))
    return lines


def _differs(item: dict[str, Any], lang: Lang) -> str:
    pct = item.get("delta_pct")
    reason = item.get("reason") or "unexplained"
    return message(
        "screenshot.line_differs",
        lang,
        label=item["label"],
        shot=_money(item["screenshot"], lang),
        data=_money(item["data"], lang),
        delta=_money(item["delta"], lang),
        pct=format_percent(pct, lang, signed=True) if pct is not None else "—",
        reason=message(f"screenshot.reason.{reason}", lang),
    )
