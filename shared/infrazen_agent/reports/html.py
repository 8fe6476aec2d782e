"""A report snapshot as one self-contained HTML page (no script, no external asset: the InfraZen
app stores it and opens it with `document.write`). Every figure through the one formatter."""

from __future__ import annotations

from html import escape
from typing import Any

from ..wording.messages import message
from ..wording.numbers import Lang, format_money, format_number, format_percent

_STYLE = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:32px;color:#1f2937}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}.muted{color:#6b7280}"
    ".kpis{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}.kpi{border:1px solid #e5e7eb;border-radius:8px;"
    "padding:12px 16px;min-width:180px}.kpi b{display:block;font-size:20px;margin-top:4px}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e5e7eb}"
    "td.num,th.num{text-align:right;white-space:nowrap}footer{margin-top:32px;font-size:12px}"
)


_NUM = " class=num"


def _money(m: dict[str, Any] | None, lang: Lang) -> str:
    if not m:
        return "—"
    return format_money(float(m["amount"]), str(m["currency"]), lang, m.get("period"))


def _table(headers: list[tuple[str, bool]], rows: list[list[str]], lang: Lang) -> str:
    if not rows:
        return f"<p class='muted'>{escape(message('report.none', lang))}</p>"
    head = "".join(f"<th{' class=num' if num else ''}>{escape(h)}</th>" for h, num in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if num else ''}>{escape(c)}</td>" for c, (_, num) in zip(r, headers, strict=True))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _breakdown(part: dict[str, Any], lang: Lang) -> str:
    rows = [
        [str(i["name"]), _money(i["amount"], lang), format_percent(float(i["pct"]), lang)]
        for i in part.get("items", [])
    ]
    cols = [(message("report.col.name", lang), False), (message("report.col.amount", lang), True)]
    return _table([*cols, (message("report.col.share", lang), True)], rows, lang)


def render_html(snapshot: dict[str, Any], lang: Lang = "ru") -> str:
    o = snapshot["overview"]
    persona = message(f"report.persona.{snapshot['role']}", lang)
    title = message("report.title", lang, persona=persona)
    change = o.get("change_pct")
    kpis = [
        ("report.spend", _money(o["total_spend"], lang)),
        ("report.run_rate", _money(o["run_rate_monthly"], lang)),
        ("report.change", format_percent(float(change), lang, signed=True) if change is not None else "—"),
        (
            "report.savings",
            f"{_money(o['potential_savings_monthly'], lang)} · {_money(o['potential_savings_yearly'], lang)}",
        ),
        ("report.open_recommendations", format_number(int(o["open_recommendations"]), lang)),
        ("report.anomalies", format_number(int(o["anomalies"]), lang)),
    ]
    recs = snapshot["recommendations"]
    rec_rows = [
        [str(i["title"]), _money(i["savings_monthly"], lang), _money(i["savings_yearly"], lang)] for i in recs["items"]
    ]
    rec_cols = [
        (message("report.col.recommendation", lang), False),
        (message("report.col.savings_month", lang), True),
        (message("report.col.savings_year", lang), True),
    ]
    sources = ", ".join(sorted(set(snapshot["sources"].values())))
    at = snapshot["generated_at"][:16].replace("T", " ") + " UTC"
    period = message("report.period", lang, days=snapshot["period_days"], end=o["range"]["end"])
    cards = "".join(f"<div class='kpi'>{escape(message(k, lang))}<b>{escape(v)}</b></div>" for k, v in kpis)
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>{escape(title)}</h1><div class='muted'>{escape(period)}</div>"
        f"<div class='kpis'>{cards}</div>"
        f"<h2>{escape(message('report.top_recommendations', lang))}</h2>{_table(rec_cols, rec_rows, lang)}"
        f"<h2>{escape(message('report.providers', lang))}</h2>{_breakdown(snapshot['providers'], lang)}"
        f"<h2>{escape(message('report.services', lang))}</h2>{_breakdown(snapshot['services'], lang)}"
        f"<footer class='muted'>{escape(message('report.sources', lang, sources=sources, at=at))}</footer>"
        "</body></html>"
    )
