"""The alert rules are valid (`promtool check rules`), pass their unit tests (`promtool test
rules`: every alert fires in one case and stays quiet in another), read only series the service
exports, and the example scrape config is valid (`promtool check config`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.support.binaries import require
from tests.support.metric_names import exported, used_in

RULES = Path(__file__).resolve().parents[2] / "infra" / "prometheus"


def _promtool(*args: str, cwd: Path = RULES) -> str:
    promtool = require("promtool", "prometheus")
    done = subprocess.run([promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def _alerts() -> list[dict[str, object]]:
    groups = yaml.safe_load((RULES / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def test_rules_are_valid() -> None:
    out = _promtool("check", "rules", "alerts.yml")
    assert f"SUCCESS: {len(_alerts())} rules found" in out


def test_rules_pass_their_unit_tests() -> None:
    assert "SUCCESS" in _promtool("test", "rules", "alerts.test.yml")


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    cases = yaml.safe_load((RULES / "alerts.test.yml").read_text())["tests"]
    firing: set[str] = set()
    quiet: set[str] = set()
    for case in cases:
        for check in case["alert_rule_test"]:
            (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    names = {str(rule["alert"]) for rule in _alerts()}
    assert len(names) >= 10
    assert names - firing == set(), "alerts with no test that fires them"
    assert names - quiet == set(), "alerts with no test where they stay quiet"
    required = {  # what issue 16 asks the rules to watch
        "AgentHttpLatencyHigh",
        "AgentToolErrorBurst",
        "AgentLlmErrorBurst",
        "AgentLlmFallbackBurst",
        "AgentLlmCostAnomaly",
        "AgentTenantBudgetNearCap",
        "AgentDependencyDown",
        "AgentGroundingFlagRateHigh",
    }
    assert required <= names
    for rule in _alerts():
        labels, annotations = rule["labels"], rule["annotations"]
        assert isinstance(labels, dict) and labels["severity"] in ("info", "warning", "critical"), rule["alert"]
        assert isinstance(annotations, dict) and annotations["summary"] and annotations["description"], rule["alert"]


def test_rules_read_only_series_the_service_exports() -> None:
    known = exported()
    for rule in _alerts():
        used = used_in(str(rule["expr"]))
        assert used <= known, (rule["alert"], used - known)
        assert used or "up{" in str(rule["expr"]), rule["alert"]  # Prometheus's own `up`


def test_the_example_scrape_config_is_valid(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("a-token")
    text = (RULES / "prometheus.yml").read_text()
    text = text.replace("/etc/prometheus/infrazen-agent.token", str(token))
    text = text.replace("/etc/prometheus/rules/infrazen-agent.yml", str(RULES / "alerts.yml"))
    config = tmp_path / "prometheus.yml"
    config.write_text(text)
    assert "is valid prometheus config file syntax" in _promtool("check", "config", str(config))
