"""The PDF of each persona, printed server-side: its text (extracted from the file) carries the
same traced figures as the page, and its first pages are rendered to PNG for a person to look at
(build/artifacts/reports/, kept by CI as an artefact)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from infrazen_agent.auth import Principal
from infrazen_agent.reports.builder import build
from infrazen_agent.reports.document import PERSONAS
from infrazen_agent.reports.html import render_html
from infrazen_agent.reports.pdf import pdf_status, render_pdf
from infrazen_agent.runtime import Runtime
from infrazen_agent.wording.messages import message
from infrazen_agent.wording.numbers import format_money
from tests.reports.texts import check, pdf_text
from tests.support.data_fixtures import MAIN_TENANT

ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", "build/artifacts")) / "reports"


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_each_personas_pdf_states_only_traced_figures(seeded_runtime: Runtime, lang: Any) -> None:
    import pypdfium2 as pdfium

    assert pdf_status()["available"], pdf_status()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for persona in PERSONAS:
        report = await build(
            seeded_runtime, Principal("u", MAIN_TENANT, roles=("analyst",)), persona=persona, language=lang, days=90
        )
        pdf = await render_pdf(render_html(report), max_pages=60)
        assert pdf.startswith(b"%PDF-")
        text = pdf_text(pdf, sources_heading=message("report.title.sources", lang))
        assert report.title in text and report.sections[0].title in text
        ov = report.data["overview"]
        assert format_money(ov["total_spend"]["amount"], "RUB", lang, "range").replace("\u00a0", " ") in text.replace(
            "\u00a0", " "
        )
        grounding = check(text, report)
        assert grounding.ok, (persona, grounding.to_dict()["untraced"])
        assert len(grounding.numbers) > 40
        doc = pdfium.PdfDocument(pdf)
        assert 2 <= len(doc) <= 20
        for i in range(min(2, len(doc))):
            doc[i].render(scale=1.4).to_pil().save(ARTIFACTS / f"{persona}-{lang}-page{i + 1}.png")
        doc.close()
    assert len(list(ARTIFACTS.glob(f"*-{lang}-page1.png"))) == len(PERSONAS)


async def test_a_report_longer_than_the_page_limit_is_refused(seeded_runtime: Runtime) -> None:
    from infrazen_agent.errors import InvalidInput

    report = await build(
        seeded_runtime, Principal("u", MAIN_TENANT, roles=("analyst",)), persona="finops", language="ru", days=30
    )
    with pytest.raises(InvalidInput, match="REPORT_PDF_MAX_PAGES"):
        await render_pdf(render_html(report), max_pages=1)
