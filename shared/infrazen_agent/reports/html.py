"""A report as one self-contained HTML page: no script, no external asset (the InfraZen app stores
it and opens it with `document.write`; WeasyPrint prints the same markup to PDF). Each table and
chart cites its tool calls by footnote; the apparatus (sources, how figures were computed) is in
the page's <footer class="apparatus">."""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape

from ..wording.messages import message
from .document import Chart, Report, Section, Table

_STYLE = """
@page{size:A4;margin:16mm 14mm 18mm;
@bottom-right{content:counter(page) " / " counter(pages);font-size:9pt;color:#6b7280}}
body{font-family:'DejaVu Sans',system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:32px;color:#1f2937;
font-size:14px;line-height:1.45}
@media print{body{margin:0;font-size:10pt}}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;break-after:avoid}
.muted{color:#6b7280}nav ul{columns:2;margin:8px 0 0}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.kpi{border:1px solid #e5e7eb;border-radius:8px;
padding:10px 14px;min-width:170px}.kpi b{display:block;font-size:18px;margin-top:4px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{text-align:left;padding:5px 8px;
border-bottom:1px solid #e5e7eb;vertical-align:top}tr{break-inside:avoid}
td.num,th.num{text-align:right;white-space:nowrap}caption{text-align:left;color:#6b7280;font-size:12px}
figure{margin:12px 0;break-inside:avoid}figcaption{color:#6b7280;font-size:12px}svg{max-width:100%;height:auto}
sup.cite{font-size:10px;color:#2563eb}sup.cite a{color:inherit;text-decoration:none}
.model{font-size:12px;color:#6b7280}ul.notes{color:#374151}
footer.apparatus{margin-top:32px;font-size:12px;border-top:1px solid #e5e7eb}footer.apparatus li{margin:2px 0}
"""


# The web app opens a report as a blob, which keeps the app's CSP: it allows this style by hash.
STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode() + "'"


def _cite(report: Report, keys: list[str], numbers: dict[str, int]) -> str:
    refs = sorted({numbers[k] for k in keys if k in numbers})
    if not refs:
        return ""
    links = ",".join(f"<a href='#src-{n}'>{n}</a>" for n in refs)
    return f"<sup class='cite'>[{links}]</sup>"


def _table(t: Table, report: Report, numbers: dict[str, int]) -> str:
    lang = report.language
    if not t.rows:
        return f"<p class='muted'>{escape(message('report.none', lang))}</p>"
    head = "".join(
        f"<th{' class=num' if n else ''}>{escape(h)}</th>" for h, n in zip(t.headers, t.numeric, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if n else ''}>{escape(c)}</td>" for c, n in zip(row, t.numeric, strict=True))
        + "</tr>"
        for row in t.rows
    )
    cite = _cite(report, t.cites, numbers)
    caption = f"<caption>{cite}</caption>" if cite else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _chart(c: Chart, report: Report, numbers: dict[str, int]) -> str:
    if not c.svg:
        return ""
    return f"<figure>{c.svg}<figcaption>{escape(c.caption)}{_cite(report, c.cites, numbers)}</figcaption></figure>"


def _section(s: Section, report: Report, numbers: dict[str, int]) -> str:
    lang = report.language
    parts = [f"<section id='{s.key}'><h2>{escape(s.title)}</h2>"]
    parts.append(f"<p class='narrative'>{escape(s.narrative)}{_cite(report, s.sources, numbers)}</p>")
    if s.narrative_by == "model":
        parts.append(f"<p class='model'>{escape(message('report.narrative.model', lang))}</p>")
    if s.kpis:
        cards = "".join(f"<div class='kpi'>{escape(k)}<b>{escape(v)}</b></div>" for k, v in s.kpis)
        parts.append(f"<div class='kpis'>{cards}</div>")
    for block in s.blocks:
        parts.append(_table(block, report, numbers) if isinstance(block, Table) else _chart(block, report, numbers))
    if s.notes:
        parts.append("<ul class='notes'>" + "".join(f"<li>{escape(n)}</li>" for n in s.notes) + "</ul>")
    parts.append("</section>")
    return "".join(parts)


def _apparatus(report: Report, cited: list[str]) -> str:
    lang = report.language

    def t(key: str, **values: object) -> str:
        return escape(message(f"report.{key}", lang, **values))

    sources = []
    for n, key in enumerate(cited, 1):
        call = report.data.calls[key]
        args = json.dumps(call.arguments, ensure_ascii=False) if call.arguments else message("report.source.none", lang)
        line = t("source.line", tool=call.tool, arguments=args, date=call.data_date or "—")
        sources.append(f"<li id='src-{n}'>{line}</li>")
    formulas = "".join(
        f"<li><code>{escape(name)}</code>: {escape(formula)}</li>"
        for name, formula in report.derived.figures.formulas.items()
    )
    return (
        "<footer class='apparatus'>"
        f"<h2>{t('title.sources')}</h2><ol>{''.join(sources)}</ol>"
        f"<h2>{t('title.method')}</h2><ul>{formulas}</ul>"
        f"<p>{t('footer')}</p>"
        "</footer>"
    )


def render_html(report: Report) -> str:
    lang = report.language
    cited = report.cited_calls()
    numbers = {key: n for n, key in enumerate(cited, 1)}
    toc = "".join(f"<li><a href='#{s.key}'>{escape(s.title)}</a></li>" for s in report.sections)
    generated = message("report.generated", lang, at=report.generated_at, date=report.data.data_date)
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(report.title)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{escape(report.title)}</h1><div class='muted period'>{escape(report.period)}</div>"
        f"<div class='muted generated'>{escape(generated)}</div></header>"
        f"<nav><b>{escape(message('report.contents', lang))}</b><ul>{toc}</ul></nav>"
        + "".join(_section(s, report, numbers) for s in report.sections)
        + _apparatus(report, cited)
        + "</body></html>"
    )
