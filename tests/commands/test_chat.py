"""`infrazen-agent chat`: an operator asks in the terminal (offline: no model key) and reads the
answer streamed to stdout, the tool steps and the figures' check on stderr; another tenant's
recommendation is not found; contradictory options are refused with a sentence."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.data_fixtures import MAIN_TENANT, SMALL_TENANT, DemoIds

CLI = [sys.executable, "-m", "infrazen_agent.cli", "chat"]


def _env(seeded_db: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": seeded_db,
        "REDIS_URL": redis_url,
        "LLM_OFFLINE": "true",
        "AGENT_LOAD_DEMO": "false",
    }


def test_one_question_about_costs_and_one_about_a_recommendation(seeded_db: str, redis_url: str, demo: DemoIds) -> None:
    env = _env(seeded_db, redis_url)
    costs = subprocess.run(
        [*CLI, "--ask", "Какие тренды расходов?"], env=env, capture_output=True, text=True, timeout=90
    )
    assert costs.returncode == 0, costs.stderr[-2000:]
    assert "₽" in costs.stdout and "get_cost_trends" in costs.stderr and "✓" in costs.stderr
    assert "figures traced to the data" in costs.stderr and "not confirmed" not in costs.stderr
    rec = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    about = subprocess.run(
        [*CLI, "--rec", str(rec), "--tenant", MAIN_TENANT, "--ask", "Сколько сэкономим?"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert about.returncode == 0 and "₽/мес" in about.stdout, about.stderr[-2000:]


def test_another_tenants_recommendation_and_bad_options_are_refused(
    seeded_db: str, redis_url: str, demo: DemoIds
) -> None:
    env = _env(seeded_db, redis_url)
    theirs = demo.recommendation(MAIN_TENANT, "cross_provider_server")
    other = subprocess.run(
        [*CLI, "--rec", str(theirs), "--user", "u9", "--tenant", SMALL_TENANT, "--ask", "Сколько?"],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert other.returncode == 1 and "not found" in other.stderr and "Traceback" not in other.stderr
    both = subprocess.run([*CLI, "--rec", "1", "--analytics"], env=env, capture_output=True, text=True, timeout=60)
    assert both.returncode == 2 and "choose one" in both.stderr
