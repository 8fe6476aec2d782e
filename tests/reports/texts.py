"""What a reader sees of a report, as text the number checker reads: the HTML body (charts' labels
one per line, cell by cell) or a PDF's extracted text, without the citation apparatus (footnote
markers, the sources and the method notes, whose numbers are parameters and formulas)."""

from __future__ import annotations

import io
import re

from infrazen_agent.agent.grounding import Grounding, trace
from infrazen_agent.reports.builder import report_facts
from infrazen_agent.reports.document import Report


def html_text(html: str) -> str:
    body = html.split("<footer class='apparatus'>")[0].split("<body>", 1)[1]
    body = re.sub(r"<sup class='cite'>.*?</sup>", "", body)
    body = re.sub(r"<svg.*?</svg>", lambda m: "\n".join(re.findall(r">([^<]+)</text>", m.group(0))), body, flags=re.S)
    text = re.sub(r"<[^>]+>", "\n", body)
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&#x27;", "'")


def pdf_text(pdf: bytes, *, sources_heading: str) -> str:
    from pypdf import PdfReader

    # Layout mode keeps the gap between table columns (plain mode joins "7" and "300 476,70").
    pages = PdfReader(io.BytesIO(pdf)).pages
    text = "\n".join(page.extract_text(extraction_mode="layout") or "" for page in pages)
    body = text.split(f"\n{sources_heading}\n")[0]
    body = re.sub(r"\[\d+(?:,\d+)*\]", "", body)  # footnote markers
    return re.sub(r"^\s*\d+ / \d+\s*$", "", body, flags=re.MULTILINE)  # page numbers


def check(text: str, report: Report) -> Grounding:
    return trace(text, report_facts(report))


def section_texts(html: str) -> dict[str, str]:
    """Each section's visible text, by section key."""
    body = html.split("<footer class='apparatus'>")[0]
    out = {}
    for part in body.split("<section id='")[1:]:
        key, rest = part.split("'", 1)
        out[key] = html_text("<body>" + rest.split("</section>")[0])
    return out


def check_sections(html: str, report: Report) -> dict[str, Grounding]:
    """Each section traced against its own facts only (builder.section_facts)."""
    from infrazen_agent.reports.builder import section_facts

    by_key = {s.key: s for s in report.sections}
    return {k: trace(t, section_facts(report, by_key[k])) for k, t in section_texts(html).items()}
