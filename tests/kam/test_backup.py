"""The backup drill: a seeded database dumped with pg_dump and restored with pg_restore into a
fresh one has the same rows in every table and shows the same account page.

transaction=True: a dump is another connection and cannot see a test's uncommitted rows.
"""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Account
from kam.core.models import User
from kam.tools import backup, benchmark
from plans import comments
from plans.models import AccountPlan

pytestmark = pytest.mark.django_db(transaction=True)

# What differs between two renderings of the same page: per-request tokens.
PER_REQUEST = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')


def _page(client: Client, url: str) -> str:
    return PER_REQUEST.sub(r"\1", client.get(url).content.decode())


@pytest.fixture
def seeded():
    benchmark.seed(6, today=dt.date(2026, 11, 21))
    plan = AccountPlan.objects.select_related("account").order_by("pk").first()
    comments.comment_start(
        account=plan.account,
        plan=plan,
        on="plan",
        on_id=plan.pk,
        body="バックアップ前のコメント",
        author=plan.owner,
    )
    return plan.account


def test_a_restored_database_has_every_row_and_the_same_account_page(seeded, tmp_path):
    manager = User.objects.filter(username__startswith="bench-manager-").first()
    client = Client()
    client.force_login(manager)  # the session is in the dump too
    url = reverse("accounts:detail", args=[seeded.pk])
    before = _page(client, url)
    assert "バックアップ前のコメント" not in before  # loaded by htmx, checked below

    source = backup.Target.from_settings(connection.settings_dict)
    report = backup.drill(source, tmp_path, keep=True)
    try:
        assert report.ok, report.differences
        assert report.tables > 40 and report.rows > 1000
        assert report.dump_bytes > 0
        restored = source.named(report.restored_into)
        assert backup.row_counts(restored) == backup.row_counts(source)

        original = connection.settings_dict["NAME"]
        connection.close()
        connection.settings_dict["NAME"] = report.restored_into
        try:
            assert Account.objects.count() == 6
            after = _page(client, url)
            thread = client.get(reverse("comments:account", args=[seeded.pk])).content.decode()
        finally:
            connection.close()
            connection.settings_dict["NAME"] = original
        assert after == before
        assert "バックアップ前のコメント" in thread
    finally:
        backup.drop(source.named(report.restored_into))


def test_the_drill_command_reports_and_cleans_up(seeded, tmp_path, capsys):
    call_command("backup_drill", dir=str(tmp_path))
    out = capsys.readouterr().out
    assert "Every table has the same rows after the restore." in out
    source = backup.Target.from_settings(connection.settings_dict)
    with source.connect("postgres") as conn:
        left = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [f"{source.name}_drill"]
        ).fetchone()
    assert left is None
    assert (tmp_path / f"{source.name}.dump").exists()
