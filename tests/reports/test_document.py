"""A report for each persona and language on the demo tenant: every figure a reader sees traces to
a tool's output or to the report's own declared arithmetic, every table and chart cites its tool
calls, and the sections are the persona's. A figure changed in the page is caught."""

from __future__ import annotations

import re
from typing import Any

import pytest

from infrazen_agent.auth import Principal
from infrazen_agent.reports.builder import build
from infrazen_agent.reports.collect import CLEANUP_TYPES
from infrazen_agent.reports.document import PERSONAS, SECTIONS, Chart, Report, Table
from infrazen_agent.reports.html import render_html
from infrazen_agent.runtime import Runtime
from infrazen_agent.wording.numbers import format_money
from tests.reports.texts import check, check_sections, html_text
from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT

ANALYST = Principal("u-analyst", MAIN_TENANT, roles=("analyst",))


async def _report(runtime: Runtime, persona: Any, lang: Any, days: int = 90, tenant: str = MAIN_TENANT) -> Report:
    principal = Principal("u-analyst", tenant, roles=("analyst",))
    return await build(runtime, principal, persona=persona, language=lang, days=days)


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_every_figure_of_every_persona_traces_to_tool_output(seeded_runtime: Runtime, lang: Any) -> None:
    checked = 0
    for persona in PERSONAS:
        report = await _report(seeded_runtime, persona, lang)
        assert [s.key for s in report.sections] == list(SECTIONS[persona])
        html = render_html(report)
        grounding = check(html_text(html), report)
        assert grounding.ok, (persona, grounding.to_dict()["untraced"])
        assert len(grounding.numbers) > 40  # the report does state figures
        checked += len(grounding.numbers)
        # and each section against its own cited calls only: a figure of another section cannot back it
        for key, g in check_sections(html, report).items():
            assert g.ok, (persona, key, g.to_dict()["untraced"])
        # Each table and chart with figures cites tool calls, and each cited call is a footnote.
        for section in report.sections:
            for block in section.blocks:
                rows = block.rows if isinstance(block, Table) else [[block.svg]]
                if section.key != "comparison" and any(re.search(r"\d", c) for r in rows for c in r):
                    assert block.cites, (persona, section.key)
        footer = html.split("<footer class='apparatus'>")[1]
        for n, key in enumerate(report.cited_calls(), 1):
            call = report.data.calls[key]
            assert f"id='src-{n}'" in footer and call.tool in footer and str(call.data_date) in footer
        assert "<script" not in html and "http" not in html
    assert checked > 300


async def test_a_changed_or_invented_figure_is_caught(seeded_runtime: Runtime) -> None:
    report = await _report(seeded_runtime, "cfo", "ru")
    text = html_text(render_html(report))
    run_rate = report.data["overview"]["run_rate_monthly"]["amount"]
    written = format_money(run_rate, "RUB", "ru", "month")
    assert written in text
    caught = 0
    for wrong in (run_rate * 1.1, run_rate + 1000, run_rate * 12 + 1):
        tampered = text.replace(written, format_money(wrong, "RUB", "ru", "month"), 1)
        caught += not check(tampered, report).ok
    invented = text + "\nЭкономия составит 123 456,78 ₽/мес."
    caught += not check(invented, report).ok
    assert caught == 4


async def test_the_derived_figures_are_the_tools_arithmetic(seeded_runtime: Runtime) -> None:
    report = await _report(seeded_runtime, "finops", "en", days=30)
    x, data = report.derived, report.data
    # Full scenario = the tool's deduplicated total; conservative ⊆ full; phases add up.
    assert x.full == data["recommendations"]["total_savings_monthly"]["amount"]
    assert 0 <= x.conservative <= x.full
    # Cleanup: the tools' own totals per type (not only the ten listed of each).
    cleanup = sum(data[f"cleanup.{t}"]["total_savings_monthly"]["amount"] for t in CLEANUP_TYPES)
    assert x.cleanup_monthly == pytest.approx(cleanup, abs=0.01)
    assert x.cleanup_count == sum(data[f"cleanup.{t}"]["open_count"] for t in CLEANUP_TYPES) >= len(x.cleanup)
    assert x.conservative >= x.cleanup_monthly  # the conservative scenario holds all cleanup
    phases = sum(p["savings"] for p in x.by_phase.values())
    per_resource: dict[int, float] = {}
    for op in x.ops:
        if op.item["rec_type"] in CLEANUP_TYPES:
            continue
        rid = op.item["resource_id"]
        per_resource[rid] = max(per_resource.get(rid, 0.0), op.savings)
    assert phases == pytest.approx(cleanup + sum(per_resource.values()), abs=0.05)
    # Money already spent on an idle resource: its monthly cost over its idle days.
    for c in x.cleanup:
        if c["spent"] is not None:
            monthly = c["item"]["savings_monthly"]["amount"]
            assert c["spent"] == pytest.approx(monthly * c["days"] / 30.42, abs=0.01)
    assert x.hours_total == sum(x.hours_by_role.values()) > 0
    assert x.work_cost == pytest.approx(x.hours_total * 3000.0)
    assert x.payback_months == pytest.approx(x.work_cost / x.roi_savings, abs=0.01)
    assert all(f.path.startswith("report:") for f in x.figures.facts)
    assert set(x.figures.formulas)  # each is explained in the method notes


async def test_each_tenant_gets_only_its_own_figures(seeded_runtime: Runtime) -> None:
    main = await _report(seeded_runtime, "finops", "en", tenant=MAIN_TENANT)
    small = await _report(seeded_runtime, "finops", "en", tenant=SMALL_TENANT)
    main_html, small_html = render_html(main), render_html(small)
    assert main.data["overview"] != small.data["overview"]
    for mine, other_html in ((main, small_html), (small, main_html)):
        ov = mine.data["overview"]
        for key in ("total_spend", "run_rate_monthly", "potential_savings_monthly"):
            assert format_money(ov[key]["amount"], ov["currency"], "en", ov[key]["period"]) not in other_html
    # The small tenant's page traces to its own facts; against the main tenant's it does not.
    assert check(html_text(small_html), small).ok
    assert not check(html_text(small_html), main).ok


async def test_charts_are_inline_svg_with_the_tables_figures(seeded_runtime: Runtime) -> None:
    report = await _report(seeded_runtime, "finops", "ru")
    charts = [b for s in report.sections for b in s.blocks if isinstance(b, Chart)]
    assert len(charts) >= 5  # savings by source, trend, cost by type, services, providers, scenarios
    for chart in charts:
        assert chart.svg.startswith("<svg") and "<title>" in chart.svg and "<script" not in chart.svg
    by_source = next(c for s in report.sections for c in s.blocks if isinstance(c, Chart) and s.key == "summary")
    for t in report.data["recommendations"]["by_type"]:
        assert format_money(t["savings_monthly"]["amount"], "RUB", "ru", "month") in by_source.svg


async def test_markup_in_tenant_data_is_text_in_the_page(seeded_runtime: Runtime, seeded_db: str) -> None:
    """A recommendation title is the tenant's data: it is shown, never run."""
    import psycopg

    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>'\"&"
    with psycopg.connect(seeded_db, autocommit=True) as conn:
        conn.execute(
            "UPDATE recommendations SET title = %s || title WHERE tenant_id = %s",
            (hostile, MAIN_TENANT),
        )
    report = await _report(seeded_runtime, "finops", "en", days=30)
    html = render_html(report)
    assert (
        "<script" not in html and "<img" not in html and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", "")
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text
    assert html.count("&lt;script&gt;") >= 2  # the opportunities table and the plan
