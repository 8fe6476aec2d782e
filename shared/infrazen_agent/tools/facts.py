"""Which figures of each tool's output are citable facts, and what they are.

Declared beside the output models (agent/grounding/facts.py reads them): every `Money` is a money
fact by its type; these declarations name it and add the other quantities. Anything not declared
(ids, ranks, versions, confidences, parity scores) is not a fact and cannot back a figure.
"""

from __future__ import annotations

from typing import Any

from ..actions import tools as act
from ..agent.grounding.facts import Fact, Keys, Length, Named, Quantity, Text, declare, facts_of, percent
from ..data.equivalence import Parity
from ..data.model import Spec
from ..knowledge import model as kn
from ..screenshots import model as shot
from ..screenshots import reconcile as rcn
from . import analytics as an
from . import forecast as fo
from . import inventory as inv
from . import planning as pl
from . import pricing as pr
from . import recommendations as rc
from .common import RangeView, ResourceView

declare(
    Spec,
    vcpu=Quantity("cpu", "vcpu", "vCPU"),
    ram_gb=Quantity("size", "ram_gb", "GB"),
    disk_gb=Quantity("size", "disk_gb", "GB"),
    nodes=Quantity("count", "nodes"),
)
declare(Parity)  # ratios and scores of the match: not figures to quote
declare(RangeView, days=Quantity("duration", "days", "day"))
declare(ResourceView, monthly_cost=Named("cost"))

# get_user_context
declare(inv.InventoryItem, count=Quantity("count", "count"), monthly_cost=Named("cost"))
declare(
    inv.UserContextOut,
    inventory=Length("inventory.types", inner="inventory"),
    resources_total=Quantity("count", "resources.count"),
    monthly_cost_total=Named("inventory.cost"),
    open_recommendations=Quantity("count", "recommendations.open"),
    open_savings=Named("savings.potential"),
)
# get_resource, get_latest_snapshot
declare(inv.ResourceOut, resource=Named("resource"))
declare(
    inv.SnapshotOut,
    window_days=Quantity("duration", "snapshot.window_days", "day"),
    cpu_avg_pct=percent("snapshot.cpu_avg"),
    cpu_p95_pct=percent("snapshot.cpu_p95"),
    ram_avg_pct=percent("snapshot.ram_avg"),
    ram_p95_pct=percent("snapshot.ram_p95"),
    net_in_gb=Quantity("size", "snapshot.net_in_gb", "GB"),
    net_out_gb=Quantity("size", "snapshot.net_out_gb", "GB"),
)
# list_top_alternatives, get_prices_for_skus
declare(
    pr.Alternative,
    quantity=Quantity("count", "quantity"),
    delta_pct=percent("delta_pct"),
    unit_price=Named("unit_price"),
    delta=Named("delta"),
)
declare(
    pr.AlternativesOut,
    resource=Named("resource"),
    current_monthly=Named("cost.current"),
    alternatives=Length("alternatives.count", inner="alternatives"),
)
declare(pr.PriceView, monthly_price=Named("price"))
declare(pr.PricesOut, prices=Named("prices"))
# get_recommendation, summarize_top_recommendations
declare(rc.Target, quantity=Quantity("count", "quantity"), monthly=Named("cost"))
declare(
    rc.RecommendationOut,
    title=Text("recommendation.title"),
    resource=Named("resource"),
    current_monthly=Named("cost.current"),
    target=Named("target"),
    target_monthly=Named("cost.target"),
    savings_monthly=Named("savings"),
    savings_yearly=Named("savings"),
    savings_pct=percent("savings.percent"),
    evidence=Keys(
        {
            "target_unit_price": Quantity("money", "target.unit_price", period="month"),
            "quantity": Quantity("count", "target.quantity"),
            "cpu_avg_pct": percent("snapshot.cpu_avg"),
            "cpu_p95_pct": percent("snapshot.cpu_p95"),
            "ram_p95_pct": percent("snapshot.ram_p95"),
            "window_days": Quantity("duration", "snapshot.window_days", "day"),
            "days_stopped": Quantity("duration", "resource.days_stopped", "day"),
            "days_unused": Quantity("duration", "resource.days_unused", "day"),
            "age_days": Quantity("duration", "resource.age_days", "day"),
            "from_shape": Text("resource.shape"),
            "to_shape": Text("target.shape"),
            "kept": Text("target.kept"),
            "formula": Text("formula"),
        }
    ),
)
declare(
    rc.TopItem, title=Text("recommendation.title"), savings_monthly=Named("savings"), savings_yearly=Named("savings")
)
declare(rc.TypeTotal, count=Quantity("count", "count"), savings_monthly=Named("savings"))
declare(
    rc.TopOut,
    items=Length("recommendations.count", inner="recommendations"),
    open_count=Quantity("count", "recommendations.open"),
    total_savings_monthly=Named("savings.potential"),
    total_savings_yearly=Named("savings.potential"),
    sum_of_all_savings_monthly=Named("savings.sum_of_all"),
    by_type=Named("by_type"),
)
# estimate_migration_effort, generate_step_plan
declare(
    pl.EffortOut,
    score=Quantity("score", "effort.score", "/5"),
    points_total=Quantity("count", "effort.points_total"),
    estimated_hours=Quantity("duration", "effort.hours", "h"),
)
declare(
    pl.Factor,
    points=Quantity("count", "effort.factor_points"),
    detail=Text("effort.factor"),
    size_gb=Quantity("size", "effort.data_size", "GB"),
    nodes=Quantity("count", "effort.nodes"),
)
declare(
    pl.PlanOut,
    savings_monthly=Named("savings"),
    effort_score=Quantity("score", "effort.score", "/5"),
    steps=Length("plan.steps.count", inner="plan.steps"),
)
# analytics
declare(an.Share, amount=Named("amount"), pct=percent("share"))
declare(
    an.OverviewOut,
    range=Named("range"),
    total_spend=Named("spend"),
    average_daily=Named("spend.average"),
    run_rate_monthly=Named("spend.run_rate"),
    previous_total=Named("spend.previous"),
    change_pct=percent("spend.change"),
    inventory_monthly=Named("inventory.cost"),
    resources=Quantity("count", "resources.count"),
    providers=Quantity("count", "providers.count"),
    top_provider=Named("top_provider"),
    top_service=Named("top_service"),
    open_recommendations=Quantity("count", "recommendations.open"),
    potential_savings_monthly=Named("savings.potential"),
    potential_savings_yearly=Named("savings.potential"),
    anomalies=Quantity("count", "anomalies.count"),
)
declare(an.Point, days=Quantity("duration", "days", "day"), amount=Quantity("money", "spend", period="range"))
declare(
    an.GroupSeries,
    total=Named("spend"),
    pct=percent("share"),
    amounts=Quantity("money", "spend.points", period="range"),
)
declare(
    an.TrendsOut,
    range=Named("range"),
    total=Named("spend"),
    average_daily=Named("spend.average"),
    points=Length("trend.points.count", inner="trend.points"),
    groups=Named("trend.groups"),
    first_half_vs_second_half_pct=percent("trend.halves_change"),
    slope_pct_per_month=percent("trend.slope_per_month"),
)
declare(
    an.BreakdownItem,
    amount=Named("spend"),
    pct=percent("share"),
    previous=Named("spend.previous"),
    change_pct=percent("spend.change"),
)
declare(
    an.BreakdownOut,
    range=Named("range"),
    total=Named("spend"),
    items=Length("breakdown.count", inner="breakdown"),
    other=Named("breakdown.other"),
    previous_total=Named("spend.previous"),
)
declare(an.AnomalyView, amount=Named("spend"), expected=Named("spend.expected"), deviation_pct=percent("deviation"))
declare(
    an.AnomaliesOut,
    range=Named("range"),
    series_checked=Quantity("count", "anomalies.series_checked"),
    count=Quantity("count", "anomalies.count"),
    anomalies=Named("anomalies"),
)

# create_report (its proposal's arguments, see facts_from_tool)
declare(act.ReportInput, days=Quantity("duration", "report.days", "day"))
# forecast_costs: what is forecast is named so (never "spend"): a figure cited from it is a forecast
declare(
    fo.ForecastPeriod,
    days=Quantity("duration", "forecast.days", "day"),
    forecast=Named("forecast"),
    low=Named("forecast.low"),
    high=Named("forecast.high"),
    actual_so_far=Named("spend.month_to_date"),
)
declare(
    fo.ForecastOut,
    history=Named("forecast.history"),
    interval_pct=percent("forecast.interval"),
    periods=Named("forecast"),
    trend_pct_per_month=percent("forecast.trend_per_month"),
    next_month_vs_last_30_days_pct=percent("forecast.vs_last_30_days"),
)

# reconcile_screenshot: "screenshot.*" was read off the user's image (shown as such), "data.*" is ours
declare(shot.Utilisation, value=percent("screenshot.utilisation"))
declare(
    rcn.ItemCheck,
    screenshot=Named("screenshot.item"),
    data=Named("data.item"),
    delta=Named("screenshot.delta"),
    delta_pct=percent("screenshot.delta_pct"),
)
declare(
    rcn.TotalCheck,
    screenshot=Named("screenshot.total"),
    data=Named("data.total"),
    delta=Named("screenshot.delta"),
    delta_pct=percent("screenshot.delta_pct"),
)
declare(rcn.MissingItem, data=Named("data.item"))
declare(rcn.ScreenTotal, screenshot=Named("screenshot.total_line"))
declare(
    rcn.ReconcileOut,
    period=Named("range"),
    total=Named(""),
    items=Length("screenshot.items.count", inner=""),
    missing=Length("data.missing.count", inner=""),
    other_totals=Named(""),
    utilisation=Named(""),
)

# search_knowledge: a passage's figures are what the approved text says ("НДС 20 %", "CPU p95
# below 40 %"): "knowledge.*" facts, shown as quoted from the passage (origin "knowledge").
declare(kn.Passage, snippet=Text("knowledge.passage"))
declare(kn.KnowledgeOut, passages=Named(""))


def facts_from_tool(name: str, data: Any) -> list[Fact]:
    from . import get_registry

    tool = get_registry().resolve(name)
    if tool is None or not data:
        return []
    if tool.scope == "action" and isinstance(data, dict) and data.get("status") == "awaiting_confirmation":
        # A proposal (actions/flow.ChatTools): what it will do is its arguments, e.g. a report's days.
        return facts_of(tool.input_model, data.get("arguments") or {}, path=f"{name}.arguments")
    return facts_of(tool.output_model, data, path=name)
