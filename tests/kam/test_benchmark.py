"""The shipped benchmark: it seeds what the brief asks and times every page it names."""

import datetime as dt
import gc
import json

import pytest
from django.core.management import call_command

from accounts.models import Account, AccountContractValue, Contract
from kam.core.models import Change
from kam.tools import benchmark
from plans.models import (
    KPI,
    AccountPlan,
    ActionItem,
    Comment,
    Goal,
    KPIMeasurement,
    PlanReview,
    ReviewSnapshot,
)
from stakeholders.models import Stakeholder

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 21)


@pytest.fixture(autouse=True)
def _unfreeze():
    """Measuring freezes the heap, as a web process does at start; the test run must not."""
    yield
    gc.unfreeze()


def test_seed_builds_the_portfolio_the_brief_sets():
    counts = benchmark.seed(12, today=TODAY)
    assert Account.objects.count() == counts["accounts"] == 12
    assert Stakeholder.objects.count() == 12 * benchmark.STAKEHOLDERS
    assert Contract.objects.count() == 12 * benchmark.CONTRACTS
    assert AccountPlan.objects.count() == 12
    assert Goal.objects.count() == 12 * benchmark.GOALS
    assert KPI.objects.count() == 12 * benchmark.KPIS
    assert KPIMeasurement.objects.count() == 12 * benchmark.KPIS * benchmark.MEASUREMENTS
    assert ActionItem.objects.count() == 12 * benchmark.ACTIONS
    # History, reviews with their snapshots, and comments, as the reviews issue sets them.
    assert Change.objects.count() == counts["changes"] == 12 * benchmark.CHANGES
    assert PlanReview.objects.count() == ReviewSnapshot.objects.count() == 12 * benchmark.REVIEWS
    assert Comment.objects.count() == counts["comments"] == 12 * benchmark.COMMENTS
    assert Comment.objects.filter(parent=None).count() == 12 * benchmark.COMMENTS // 4
    # Bulk inserts go through the contract triggers too.
    assert AccountContractValue.objects.exists()
    assert not Account.objects.filter(health_score__isnull=True).exists()
    # Bulk inserts fill the search keys that save() keeps.
    assert not Account.objects.filter(search_key="").exists()
    assert not Stakeholder.objects.filter(search_key="").exists()


def test_every_page_answers_and_queries_are_counted():
    benchmark.seed(12, today=TODAY)
    benchmark.settle_database()
    results = benchmark.measure(12, runs=2, today=TODAY)
    names = {r.name for r in results}
    for wanted in (
        "accounts list (manager)",
        "account page (rep)",
        "plan page (rep)",
        "my day (rep)",
        "renewal pipeline (manager)",
        "dashboard (manager)",
        "account page + comments + timeline (manager)",
        "plan page + comments + timeline (rep)",
        "what changed since the last review (manager)",
        "what changed between two reviews (manager)",
    ):
        assert wanted in names
    pages = [r for r in results if not r.name.startswith("machine check")]
    assert all(r.status == 200 for r in pages), [(r.name, r.status) for r in pages]
    assert all(r.queries > 0 for r in pages)
    assert all(0 < r.p50_ms <= r.p95_ms <= r.max_ms for r in results)


def test_command_writes_the_table_and_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    call_command("benchmark", scales="8", requests=2, sweep_contracts=60, json=str(out), yes=True)
    report = json.loads(out.read_text())
    (run,) = report["runs"]
    assert run["scale"] == 8 and run["counts"]["accounts"] == 8
    names = [r["name"] for r in run["results"]]
    assert "dashboard (manager)" in names
    assert any(name.startswith("reminder sweep, first run (60 contracts)") for name in names)
    assert "dashboard (manager)" in capsys.readouterr().out


def test_command_refuses_a_database_not_named_for_benchmarks():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="bench"):
        call_command("benchmark", scales="8", requests=2, sweep_contracts=0)


def test_queries_are_counted_even_after_the_query_log_has_filled():
    from django.db import connection

    with connection.cursor():
        pass
    connection.queries_log.extend({"sql": "", "time": "0"} for _ in range(connection.queries_limit))
    samples = benchmark._Samples("one query")
    benchmark._time_one(samples, lambda: Account.objects.count())
    assert samples.queries == [1]
