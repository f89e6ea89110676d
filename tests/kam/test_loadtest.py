"""The shipped load test runs: a short run of two simulated people against a live server
makes requests of every kind it names and meets no error. Timings are the load test's own
business (scripts/loadtest), never asserted here."""

import datetime as dt

import pytest

from kam.tools import benchmark
from kam.tools.loadtest import run

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_five_second_run_with_two_users_has_no_errors(live_server, tmp_path):
    benchmark.seed(12, today=dt.date(2026, 11, 21))
    prefix = tmp_path / "locust"
    result = run.run_locust(
        hosts=[live_server.url],
        users=2,
        spawn_rate=2,
        seconds=5,
        prefix=prefix,
        reps=10,
        managers=3,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    rows = run.read_stats(prefix)
    total = rows[-1]
    assert total.page == "all pages"
    assert total.requests > 0
    assert total.failures == 0, run.failures(prefix)
    assert "sign in" in {row.page for row in rows}
    # The table the command prints reads from the same rows.
    assert "all pages" in run.table(rows)
