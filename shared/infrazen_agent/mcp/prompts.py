"""The MCP prompts: the two chat scenarios as a client's model starts them, with the chat's own
persona and scope (agent/prompt.py) and the tools to begin with."""

from __future__ import annotations

import mcp_types as types

from ..agent.prompt import system_prompt
from ..errors import InvalidInput, NotFound

INSTRUCTIONS = (
    "InfraZen's FinOps tools over the signed-in tenant's cloud costs, resources and optimisation "
    "recommendations. The tenant comes from the token: no tool takes a tenant or user id. Tools whose name "
    "starts with propose_ only store a proposal that the user approves in InfraZen; they change nothing."
)

_LANGUAGE = types.PromptArgument(name="language", description="ru (default) or en", required=False)
PROMPTS = [
    types.Prompt(
        name="recommendation_chat",
        title="Recommendation chat",
        description="Discuss one optimisation recommendation: its resource, utilisation, cheaper equivalent "
        "alternatives, migration effort and plan.",
        arguments=[
            types.PromptArgument(name="recommendation_id", description="the recommendation's id", required=True),
            _LANGUAGE,
        ],
    ),
    types.Prompt(
        name="analytics_chat",
        title="Cost analytics chat",
        description="Discuss the tenant's cloud costs over a period: KPIs, trends, breakdowns by service and "
        "provider, anomalies and the top recommendations.",
        arguments=[
            types.PromptArgument(name="days", description="the last N days (1-366, default 30)", required=False),
            _LANGUAGE,
        ],
    ),
]


def render(name: str, arguments: dict[str, str]) -> types.GetPromptResult:
    language = arguments.get("language") or "ru"
    if language not in ("ru", "en"):
        raise InvalidInput("language: ru or en")
    if name == "recommendation_chat":
        rec = (arguments.get("recommendation_id") or "").strip()
        if not rec.isdigit() or int(rec) < 1:
            raise InvalidInput("recommendation_id: a positive integer")
        scope, opening = (
            "recommendation",
            f"Start with recommendation #{rec} (resource infrazen://recommendations/{rec}, or get_recommendation "
            f"with recommendation_id={rec}): what it proposes, the saving beside its effort and risk, and the "
            "cheaper alternatives (list_top_alternatives, estimate_migration_effort, generate_step_plan). Then "
            "answer my questions about it. If I want a plan document or a ticket, propose it "
            "(propose_draft_change_plan, propose_create_ticket): I approve it in InfraZen.",
        )
    elif name == "analytics_chat":
        raw = (arguments.get("days") or "30").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= 366:
            raise InvalidInput("days: an integer from 1 to 366")
        scope, opening = (
            "analytics",
            f"Start with an overview of the last {int(raw)} days (get_analytics_overview with days={int(raw)}): "
            "the total, the trend, the biggest services and providers, anomalies and the top recommendations. "
            "Then answer my questions about these costs (get_cost_trends, get_service_breakdown, "
            "get_provider_breakdown, get_anomalies, summarize_top_recommendations, forecast_costs). If I want a "
            "report, propose it (propose_create_report): I approve it in InfraZen.",
        )
    else:
        raise NotFound(f"no prompt {name[:100]!r}")
    text = f"{system_prompt(scope, language)}\n\n{opening}"
    return types.GetPromptResult(
        description=next(p.description for p in PROMPTS if p.name == name),
        messages=[types.PromptMessage(role="user", content=types.TextContent(text=text))],
    )
