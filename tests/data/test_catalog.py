"""The packaged price catalog: real Selectel unit prices converted once, kinds kept apart."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from infrazen_agent.data.catalog import CATALOG_VERSION, build_catalog, catalog_index, selectel_price_list
from infrazen_agent.data.money import kopecks_per_hour_to_monthly_rub, round2


def test_selectel_rows_are_kopecks_per_hour_times_730() -> None:
    raw = selectel_price_list()
    core, ram_mb, disk = (
        raw[("compute_cores", "ru-2a")],
        raw[("compute_ram", "ru-2a")],
        raw[("volume_gigabytes_universal", "ru-2a")],
    )
    assert core == 89.76 and kopecks_per_hour_to_monthly_rub(core) == pytest.approx(655.25, abs=0.01)
    row = catalog_index()["sel.standard.2c4g.ssd40.ru-2"]
    expected = (2 * core + 4 * 1024 * ram_mb + 40 * disk) / 100 * 730
    assert row.monthly_price == round2(expected)
    assert {u.unit for u in row.unit_prices} == {"kopecks/vCPU/hour", "kopecks/MB/hour", "kopecks/GB/hour"}
    assert row.version == CATALOG_VERSION and "Selectel" in row.source


def test_the_package_carries_its_own_price_list() -> None:
    text = resources.files("infrazen_agent.data").joinpath("prices/selectel_vpc_prices.json").read_text("utf-8")
    assert len(json.loads(text)) > 800


def test_kinds_are_kept_apart_and_skus_unique() -> None:
    rows = build_catalog()
    assert len({(r.provider, r.sku) for r in rows}) == len(rows)
    kinds = {r.kind for r in rows}
    assert kinds == {"compute", "dbaas", "kubernetes", "storage", "network"}
    for r in rows:
        if r.kind == "dbaas":
            assert r.service in {"postgresql", "mysql", "redis", "kafka"} and r.billing_unit == "per_node"
            assert (r.service == "redis") == (r.spec.disk_gb is None)
        if r.kind == "compute":
            assert r.service == "server" and r.billing_unit == "per_instance"
        if r.kind == "kubernetes":
            assert r.billing_unit == "per_cluster"
        assert r.currency in {"RUB", "USD"} and r.monthly_price >= 0 and r.unit_prices


def test_engines_are_priced_differently() -> None:
    idx = catalog_index()
    pg, redis = idx["yc.postgresql.2c8g.ssd20.ru-central1"], idx["yc.redis.2c8g.ru-central1"]
    assert pg.monthly_price != redis.monthly_price
    assert {u.price for u in pg.unit_prices} != {u.price for u in redis.unit_prices}


def test_money_rounds_half_up() -> None:
    # Formatting lives in infrazen_agent.wording (tests/wording); the amounts round like billing.
    assert round2(0.125) == 0.13  # half-up, as billing rounds
