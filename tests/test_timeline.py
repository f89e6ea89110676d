"""The timeline (変更履歴): every kind of write under an account, with who did it and what.

1. Each create, change and delete of every model under an account is one change-log row with
   the person the service was called for (whichever door), on the account's and, for plan
   items, the plan's timeline.
2. The timeline page names kinds, fields and choices in the reader's language, pages and
   filters by person and kind, and marks a manager's edit.
3. A rep sees only the timelines of accounts they may see; another account's changes never
   show on this one's.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from kam.core.models import Change
from plans import comments, services, tracking_services
from plans.copy_forward import plan_copy_forward
from stakeholders import services as people
from tests.factories import AccountFactory, PlanFactory, StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db


def label(model) -> str:
    return model._meta.label_lower


@pytest.fixture
def plan(account, owner):
    return PlanFactory(account=account, owner=owner, title="2027年度 サンプル社プラン")


@pytest.fixture
def written(account, owner, member, manager, plan):
    """Every kind of write, each by a known person; returns what each should have logged."""
    start = Change.objects.order_by("-id").values_list("id", flat=True).first() or 0
    expected: set[tuple[str, str, str]] = set()

    def did(obj, action, user):
        expected.add((label(type(obj)), action, user.username))

    # The account and its records, by the owner.
    account_services.account_update(
        account=account, user=owner, data={"description": "物流大手。3拠点で導入検討中"}
    )
    did(account, "~", owner)
    newcomer = UserFactory(username="newcomer")
    row = account_services.team_member_add(
        account=account, member=newcomer, role="sales", user=owner
    )
    did(row, "+", owner)
    account_services.team_member_remove(account=account, member=newcomer, user=owner)
    did(row, "-", owner)
    contract = account_services.contract_create(
        account=account,
        number="C-2027-001",
        title="保守契約",
        start_date=dt.date(2026, 4, 1),
        end_date=dt.date(2027, 3, 31),
        annual_value=Decimal("12000000"),
        user=owner,
    )
    did(contract, "+", owner)
    account_services.contract_update(
        contract=contract, data={"title": "保守契約（更新）"}, user=owner
    )
    did(contract, "~", owner)
    deal = account_services.opportunity_create(
        account=account,
        owner=owner,
        title="倉庫管理システム追加",
        amount=Decimal("30000000"),
        expected_close_date=dt.date(2027, 2, 1),
        user=owner,
    )
    did(deal, "+", owner)
    account_services.opportunity_update(opportunity=deal, data={"title": "WMS追加"}, user=owner)
    did(deal, "~", owner)
    account_services.opportunity_delete(opportunity=deal, user=owner)
    did(deal, "-", owner)
    meeting = account_services.meeting_record(
        account=account,
        recorded_by=member,
        held_at=timezone.now() - dt.timedelta(days=1),
        subject="定例会",
    )
    did(meeting, "+", member)
    account_services.meeting_update(
        meeting=meeting, data={"subject": "定例会（第3回）"}, user=member
    )
    did(meeting, "~", member)
    account_services.meeting_delete(meeting=meeting, user=member)
    did(meeting, "-", member)
    person = people.stakeholder_create(
        account=account, data={"name": "山田 太郎", "title": "物流部長"}, user=owner
    )
    did(person, "+", owner)
    people.stakeholder_update(stakeholder=person, data={"attitude": 2}, user=owner)
    did(person, "~", owner)

    # The plan and its items, by the team member.
    need = services.need_create(
        plan=plan, data={"title": "在庫コストの削減", "kind": "problem"}, user=member
    )
    did(need, "+", member)
    services.need_update(need=need, data={"status": "addressed"}, user=member)
    did(need, "~", member)
    goal = services.goal_create(
        plan=plan,
        data={
            "statement": "NPSを40にする",
            "category": "relationship",
            "metric": "NPS",
            "unit": "pt",
            "baseline": Decimal("20"),
            "target": Decimal("40"),
            "achievable_because": "窓口を一本化した",
            "due_date": dt.date(2027, 3, 1),
        },
        user=member,
    )
    did(goal, "+", member)
    services.goal_update(goal=goal, data={"current_value": Decimal("30")}, user=member)
    did(goal, "~", member)
    kpi = tracking_services.kpi_create(
        plan=plan,
        data={"name": "受注件数", "kind": "revenue", "target": Decimal("40")},
        user=member,
    )
    did(kpi, "+", member)
    tracking_services.kpi_update(kpi=kpi, data={"target": Decimal("45")}, user=member)
    did(kpi, "~", member)
    measurement = tracking_services.kpi_measurement_add(
        kpi=kpi, measured_on=dt.date(2026, 11, 1), value=Decimal("20"), recorded_by=member
    )
    did(measurement, "+", member)
    services.kpi_measurement_delete(measurement=measurement, user=member)
    did(measurement, "-", member)
    rival = tracking_services.competitor_create(
        plan=plan, data={"competitor": "競合A社"}, user=member
    )
    did(rival, "+", member)
    tracking_services.competitor_update(position=rival, data={"threat_level": 3}, user=member)
    did(rival, "~", member)
    action = tracking_services.action_create(
        plan=plan,
        data={
            "title": "役員面談の設定",
            "phase": 2,
            "owner": member,
            "due_date": dt.date(2027, 1, 10),
        },
        user=member,
    )
    did(action, "+", member)
    tracking_services.action_set_status(action=action, status="done", user=member)
    did(action, "~", member)
    engagement = people.engagement_create(
        plan=plan,
        stakeholder=person,
        data={"desired_attitude": 2, "approach": "事例を紹介する", "owner": member},
        user=member,
    )
    did(engagement, "+", member)
    people.engagement_update(
        engagement=engagement, data={"approach": "工場見学に招く"}, user=member
    )
    did(engagement, "~", member)

    # The manager: an edit of an account they are not on, a review, a comment.
    services.plan_update(plan=plan, data={"value_what": "物流コストを年間15%削減"}, user=manager)
    did(plan, "~", manager)
    review = services.plan_mark_reviewed(plan=plan, reviewer=owner, notes="順調")
    did(review, "+", owner)
    services.review_decide(review=review, user=manager, approve=True)
    did(review, "~", manager)
    comment = comments.comment_start(
        account=account, plan=plan, on="plan", on_id=plan.pk, body="方針は了承", author=manager
    )
    did(comment, "+", manager)

    # Deletes last, so the items above existed when they were written.
    people.engagement_delete(engagement=engagement, user=member)
    did(engagement, "-", member)
    tracking_services.action_delete(action=action, user=member)
    did(action, "-", member)
    tracking_services.competitor_delete(position=rival, user=member)
    did(rival, "-", member)
    tracking_services.kpi_delete(kpi=kpi, user=member)
    did(kpi, "-", member)
    services.goal_delete(goal=goal, user=member)
    did(goal, "-", member)
    services.need_delete(need=need, user=member)
    did(need, "-", member)
    people.stakeholder_delete(stakeholder=person, user=owner)
    did(person, "-", owner)
    return start, expected


def test_every_kind_of_write_is_logged_with_who_did_it(written, account, plan):
    start, expected = written
    logged = set(
        Change.objects.filter(account_id=account.pk, id__gt=start).values_list(
            "model", "action", "user__username"
        )
    )
    assert expected - logged == set()
    # Nothing anonymous: every write named its person.
    assert not Change.objects.filter(account_id=account.pk, id__gt=start, user=None).exists()
    # Every kind of record under an account is covered.
    kinds = {model for model, _action, _user in expected}
    assert kinds == {
        "accounts.account",
        "accounts.accountteammember",
        "accounts.contract",
        "accounts.opportunity",
        "accounts.meeting",
        "stakeholders.stakeholder",
        "stakeholders.stakeholderengagement",
        "plans.accountplan",
        "plans.customerneed",
        "plans.goal",
        "plans.kpi",
        "plans.kpimeasurement",
        "plans.competitorposition",
        "plans.actionitem",
        "plans.planreview",
        "plans.comment",
    }
    # Plan items are on the plan's timeline too; the account's own records are not.
    on_plan = set(Change.objects.filter(plan_id=plan.pk).values_list("model", flat=True))
    assert {"plans.goal", "plans.kpi", "stakeholders.stakeholderengagement"} <= on_plan
    assert "accounts.contract" not in on_plan


def test_a_change_keeps_each_field_before_and_after(written, account, manager):
    change = Change.objects.get(model="stakeholders.stakeholder", action="~", account_id=account.pk)
    assert change.fields == [{"field": "attitude", "old": 0, "new": 2}]
    manager_edit = Change.objects.get(model="plans.accountplan", action="~", user=manager)
    assert manager_edit.manager_edit
    assert manager_edit.fields == [
        {"field": "value_what", "old": "", "new": "物流コストを年間15%削減"}
    ]


def test_the_timeline_reads_in_japanese_with_choice_labels(client, written, account, manager):
    client.force_login(manager)
    body = client.get(
        reverse("history:account", args=[account.pk]) + "?kind=stakeholders.stakeholder"
    ).content.decode()
    assert "ステークホルダー" in body
    assert "当社への姿勢" in body and "中立 → チャンピオン（推進者）" in html.unescape(
        re.sub(r"<[^>]+>", "", body)
    )
    assert "佐藤 健" in body


def test_the_timeline_filters_by_person_and_pages(client, written, account, member, manager):
    client.force_login(manager)
    url = reverse("history:account", args=[account.pk])
    by_member = client.get(url + f"?person={member.pk}").content.decode()
    assert "佐藤 健" not in by_member.split('data-testid="timeline-filter"')[1].split("</form>")[1]
    first = client.get(url).content.decode()
    assert first.count('data-testid="timeline-entry"') == 20
    assert 'data-testid="older-changes"' in first
    second = client.get(url + "?page=2").content.decode()
    assert second.count('data-testid="timeline-entry"') >= 1


def test_the_plan_timeline_shows_a_managers_edit(client, written, plan, owner):
    client.force_login(owner)
    body = client.get(reverse("history:plan", args=[plan.pk])).content.decode()
    assert 'data-testid="manager-edit"' in body


def test_a_rep_sees_only_the_timelines_they_may_see(client, account, owner, outsider, plan):
    person = StakeholderFactory(account=account)
    other = AccountFactory(owner=outsider, name="株式会社ほか")
    account_services.account_update(account=other, user=outsider, data={"description": "別件"})
    client.force_login(outsider)
    for url in (
        reverse("history:account", args=[account.pk]),
        reverse("history:plan", args=[plan.pk]),
        reverse("history:stakeholder", args=[person.pk]),
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(owner)
    body = client.get(reverse("history:account", args=[account.pk])).content.decode()
    assert "別件" not in body
    assert client.get(reverse("history:account", args=[other.pk])).status_code == 404


def test_a_copy_forward_is_logged_as_its_person(account, owner, plan):
    start = Change.objects.order_by("-id").values_list("id", flat=True).first() or 0
    plan_copy_forward(
        plan=plan,
        user=owner,
        title="2028年度プラン",
        period_start=dt.date(2027, 4, 1),
        period_end=dt.date(2028, 3, 31),
        owner=owner,
    )
    users = set(Change.objects.filter(id__gt=start).values_list("user__username", flat=True))
    assert users == {"owner"}
