import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import ActionFactory, ContractFactory, MeetingFactory, PlanFactory

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_renders_in_japanese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="ja"' in response.content.decode()


def test_login_with_wrong_password_shows_error_and_keeps_username(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": "wrong"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="owner"' in body
    assert 'role="alert"' in body


def test_login_then_my_day(client, owner):
    response = client.post(
        reverse("login"), {"username": "owner", "password": "pass-word-123"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/"


def test_language_switch_is_kept_on_the_user(client, owner):
    client.force_login(owner)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.language == "en"
    page = client.get(reverse("home")).content.decode()
    assert 'lang="en"' in page
    assert "My day" in page
    client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    owner.refresh_from_db()
    assert owner.language == "ja"


def test_language_switch_refuses_foreign_redirects(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example.com/"}
    )
    assert response["Location"] == "/"


def test_unknown_language_is_ignored(client, owner):
    client.force_login(owner)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    owner.refresh_from_db()
    assert owner.language == "ja"


def test_my_day_lists_my_items_and_not_others(client, owner, outsider, account, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC))  # a Wednesday
    plan = PlanFactory(account=account)
    ActionFactory(plan=plan, owner=owner, title="期限切れの宿題", due_date=dt.date(2026, 11, 10))
    ActionFactory(plan=plan, owner=owner, title="今週の宿題", due_date=dt.date(2026, 11, 20))
    ActionFactory(plan=plan, owner=owner, title="来月の宿題", due_date=dt.date(2026, 12, 20))
    ContractFactory(
        account=account, title="近い更新", end_date=dt.date(2027, 1, 31), notice_period_days=30
    )
    ContractFactory(
        account=account,
        title="遠い更新",
        start_date=dt.date(2026, 4, 1),
        end_date=dt.date(2028, 3, 31),
    )
    MeetingFactory(account=account, subject="キックオフ会議")
    other_plan = PlanFactory(account__owner=outsider)
    ActionFactory(
        plan=other_plan, owner=outsider, title="他人の宿題", due_date=dt.date(2026, 11, 19)
    )

    client.force_login(owner)
    body = client.get(reverse("home")).content.decode()
    assert "期限切れの宿題" in body
    assert "今週の宿題" in body
    assert "来月の宿題" not in body
    assert "近い更新" in body
    assert "遠い更新" not in body
    assert "キックオフ会議" in body
    assert "他人の宿題" not in body


def test_my_day_query_count_does_not_grow(client, owner, account, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(owner)
    plan = PlanFactory(account=account)
    ActionFactory(plan=plan, owner=owner, due_date=dt.date.today())
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for _ in range(15):
        ActionFactory(plan=plan, owner=owner, due_date=dt.date.today())
        MeetingFactory(account=account)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(many) == len(few)


def test_my_day_shows_the_first_items_and_counts_them_all(owner, outsider, account, time_machine):
    from kam.dashboard.my_day import SHOWN, my_day

    time_machine.move_to(dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC))  # a Wednesday
    today = dt.date(2026, 11, 18)
    plan = PlanFactory(account=account, next_review_date=dt.date(2026, 11, 20))
    for i in range(SHOWN + 2):
        ActionFactory(plan=plan, owner=owner, due_date=today - dt.timedelta(days=i + 1))
    for day in (18, 19, 22):  # today, this week, Sunday the 22nd closes the week
        ActionFactory(plan=plan, owner=owner, due_date=dt.date(2026, 11, day))
    ActionFactory(plan=plan, owner=owner, due_date=dt.date(2026, 11, 23))  # next week
    ActionFactory(plan=plan, owner=outsider, due_date=today - dt.timedelta(days=1))  # not mine
    for i in range(SHOWN + 1):
        ContractFactory(
            account=account,
            start_date=dt.date(2026, 1, 1),
            end_date=today + dt.timedelta(days=30 + i),
            notice_period_days=30,
        )

    day = my_day(user=owner, today=today)

    assert (len(day.overdue_actions), day.overdue_count) == (SHOWN, SHOWN + 2)
    assert day.overdue_actions[0].due_date == today - dt.timedelta(days=SHOWN + 2)
    assert (len(day.week_actions), day.week_count) == (3, 3)
    assert (len(day.renewals), day.renewal_count) == (SHOWN, SHOWN + 1)
    assert (len(day.plans_due), day.plans_due_count) == (1, 1)


def test_my_day_counts_nothing_when_there_is_nothing(owner):
    from kam.dashboard.my_day import my_day

    day = my_day(user=owner, today=dt.date(2026, 11, 18))
    assert (day.overdue_count, day.week_count, day.renewal_count, day.plans_due_count) == (
        0,
        0,
        0,
        0,
    )
