"""Copy forward on a hand-worked plan: what the next fiscal year's plan starts from.

The plan below is built row by row, and every value the copy must hold is written out by
hand: the goals' due dates moved by as much as the period moved (and kept inside it), the
links remapped to the new rows, progress and measurements left behind with the old year.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.urls import reverse

from kam.core.rights import Refused
from plans import copy_forward
from plans.models import (
    KPI,
    AccountPlan,
    ActionItem,
    CompetitorPosition,
    CustomerNeed,
    Goal,
    KPIMeasurement,
)
from plans.services import kpi_measurement_record
from stakeholders.models import StakeholderEngagement
from tests.factories import (
    ActionFactory,
    CompetitorFactory,
    EngagementFactory,
    GoalFactory,
    KPIFactory,
    MeetingFactory,
    NeedFactory,
    PlanFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
OLD_TITLE = "株式会社サンプル FY2026 account plan"
NEW_TITLE = "株式会社サンプル FY2027 account plan"
FY2026 = (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
FY2027 = (dt.date(2027, 4, 1), dt.date(2028, 3, 31))


@pytest.fixture(autouse=True)
def fixed_today():
    # 21:00 in Tokyo on 20 November 2026.
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def login(client, user):
    # English pages, so that the assertions read the English source strings.
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


@pytest.fixture
def worked(account, owner, member):
    """FY2026 of 株式会社サンプル: 2 needs, 3 goals, 2 KPIs with measurements, 2 competitors,
    1 engagement strategy and 3 actions (one done, one open for a goal, one in progress)."""
    cfo = StakeholderFactory(account=account, name="CFO 山本")
    plan = PlanFactory(
        account=account,
        owner=owner,
        title=OLD_TITLE,
        period_start=FY2026[0],
        period_end=FY2026[1],
        status="active",
        review_cadence_months=6,
        next_review_date=dt.date(2027, 1, 15),
        last_reviewed_on=dt.date(2026, 10, 15),
        value_who="購買部と生産管理部",
        value_what="在庫回転日数を20%短縮する",
        value_when="上期中に試行、下期に全拠点",
        value_how="需要予測サービスと導入支援",
        profile_organisation="事業部制、購買は本社集中",
        profile_decision_process="1千万円以上は役員会の稟議",
        profile_culture="慎重だが実績を重んじる",
        profile_business_goals="中期経営計画でROE 10%",
    )
    need_cost = NeedFactory(
        plan=plan,
        title="在庫コストの削減",
        kind="problem",
        source="financials",
        priority=1,
        status="open",
        description="在庫が売上の3か月分ある",
        root_cause="需要予測が担当者の勘",
    )
    need_site = NeedFactory(
        plan=plan,
        title="海外拠点の立ち上げ",
        kind="goal",
        source="ir",
        priority=2,
        status="addressed",
        description="",
        root_cause="",
    )
    goal_orders = GoalFactory(
        plan=plan,
        need=need_cost,
        category="revenue",
        statement="年間受注額を1.2億円にする",
        metric="年間受注額",
        unit="円",
        baseline=Decimal("100000000"),
        target=Decimal("120000000"),
        current_value=Decimal("110000000"),
        achievable_because="既存部門での採用実績がある",
        status="on_track",
        due_date=dt.date(2026, 9, 30),
    )
    goal_nps = GoalFactory(
        plan=plan,
        need=None,
        category="satisfaction",
        statement="NPSを40にする",
        metric="NPS",
        unit="pt",
        baseline=None,
        target=Decimal("40"),
        current_value=Decimal("32"),
        achievable_because="サポート窓口を一本化した",
        status="at_risk",
        due_date=dt.date(2027, 3, 31),
    )
    goal_exec = GoalFactory(
        plan=plan,
        need=None,
        category="relationship",
        statement="役員との定例を始める",
        metric="役員面談の回数",
        unit="回",
        baseline=Decimal("0"),
        target=Decimal("4"),
        current_value=Decimal("1"),
        achievable_because="CFOが前向き",
        status="on_track",
        due_date=dt.date(2026, 4, 1),
    )
    kpi_orders = KPIFactory(
        plan=plan,
        goal=goal_orders,
        name="受注額",
        kind="revenue",
        unit="円",
        target=Decimal("120000000"),
        direction="higher",
    )
    kpi_nps = KPIFactory(
        plan=plan, goal=None, name="NPS", kind="nps", unit="pt", target=Decimal("40")
    )
    for kpi, day, value in [
        (kpi_orders, dt.date(2026, 6, 30), Decimal("105000000")),
        (kpi_orders, dt.date(2026, 9, 30), Decimal("110000000")),
        (kpi_nps, dt.date(2026, 10, 31), Decimal("32")),
    ]:
        kpi_measurement_record(kpi=kpi, measured_on=day, value=value, recorded_by=owner)
    rival_a = CompetitorFactory(
        plan=plan,
        competitor="競合A社",
        products="在庫管理パッケージ",
        pricing_strategy="初年度無償",
        marketing_strategy="展示会",
        relationship="情報システム部と長い付き合い",
        share_of_wallet=30,
        strengths="導入実績",
        weaknesses="予測機能がない",
        threat_level=3,
        differentiation="需要予測の精度",
        win_strategy="生産管理部から攻める",
    )
    rival_b = CompetitorFactory(
        plan=plan, competitor="競合B社", share_of_wallet=None, threat_level=1
    )
    engagement = EngagementFactory(
        plan=plan,
        stakeholder=cfo,
        desired_attitude=2,
        owner=member,
        approach="月次の定例で経営課題を聞く",
    )
    done = ActionFactory(
        plan=plan,
        title="キックオフの実施",
        phase=1,
        status="done",
        completed_at=dt.datetime(2026, 5, 10, 1, 0, tzinfo=dt.UTC),
        due_date=dt.date(2026, 5, 15),
    )
    survey = ActionFactory(
        plan=plan,
        goal=goal_nps,
        title="NPS調査の設計",
        description="質問票を先方と合意する",
        phase=3,
        status="open",
        owner=member,
        resources="調査会社の見積り",
        due_date=dt.date(2026, 12, 10),
    )
    visit = ActionFactory(
        plan=plan,
        title="役員面談の設定",
        phase=2,
        status="in_progress",
        due_date=dt.date(2027, 1, 15),
    )
    return SimpleNamespace(
        plan=plan,
        cfo=cfo,
        need_cost=need_cost,
        need_site=need_site,
        goal_orders=goal_orders,
        goal_nps=goal_nps,
        goal_exec=goal_exec,
        kpi_orders=kpi_orders,
        kpi_nps=kpi_nps,
        rival_a=rival_a,
        rival_b=rival_b,
        engagement=engagement,
        done=done,
        survey=survey,
        visit=visit,
    )


def copy(plan, user, **changes):
    values = {
        "title": NEW_TITLE,
        "period_start": FY2027[0],
        "period_end": FY2027[1],
        "owner": plan.owner,
        "version": plan.version,
        **changes,
    }
    return copy_forward.plan_copy_forward(plan=plan, user=user, **values)


def form_data(plan, **changes):
    data = {
        "title": NEW_TITLE,
        "period_start": "2027-04-01",
        "period_end": "2028-03-31",
        "owner": plan.owner_id,
        "version": plan.version,
    }
    data.update(changes)
    return data


def counts():
    """How many rows of each kind there are, to show that a refused copy wrote nothing."""
    return {
        model.__name__: model.objects.count()
        for model in (
            AccountPlan,
            CustomerNeed,
            Goal,
            KPI,
            KPIMeasurement,
            CompetitorPosition,
            StakeholderEngagement,
            ActionItem,
        )
    }


# The period and the title the form proposes


def test_the_fiscal_year_starts_in_april():
    # Every expected period in this module is a Japanese fiscal year, April to March.
    assert django_settings.FISCAL_YEAR_START_MONTH == 4


def test_next_period_is_the_next_fiscal_year(worked):
    assert copy_forward.next_period(worked.plan) == FY2027


def test_next_period_follows_the_fiscal_year_setting(settings, account):
    settings.FISCAL_YEAR_START_MONTH = 1
    plan = PlanFactory(
        account=account, period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 12, 31)
    )
    assert copy_forward.next_period(plan) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))


def test_a_plan_ending_partway_through_its_year_goes_on_to_the_next_year(account):
    plan = PlanFactory(
        account=account, period_start=dt.date(2026, 4, 1), period_end=dt.date(2026, 12, 31)
    )
    # The fiscal year the day after falls in began with the plan itself: the next one it is.
    assert copy_forward.next_period(plan) == (dt.date(2027, 4, 1), dt.date(2028, 3, 31))


def test_form_proposes_the_next_year_title_period_and_same_owner(client, owner, worked):
    login(client, owner)
    response = client.get(reverse("plans:copy_forward", args=[worked.plan.pk]), **HTMX)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["title"] == NEW_TITLE
    assert form.initial["period_start"] == dt.date(2027, 4, 1)
    assert form.initial["period_end"] == dt.date(2028, 3, 31)
    assert form.initial["owner"] == owner.pk
    assert form.initial["version"] == worked.plan.version
    text = response.text
    assert f'value="{NEW_TITLE}"' in text
    assert 'value="2027-04-01"' in text
    assert 'value="2028-03-31"' in text
    # A fragment for htmx, not a whole page.
    assert "<html" not in text


def test_a_title_without_its_year_gets_the_standard_one(client, owner, account):
    plan = PlanFactory(account=account, owner=owner, title="サンプル社 重点計画")
    login(client, owner)
    response = client.get(reverse("plans:copy_forward", args=[plan.pk]))
    assert response.context["form"].initial["title"] == "株式会社サンプル account plan FY2027"


# The copy, value by value


def test_copy_forward_carries_the_hand_worked_plan(owner, member, worked):
    old = worked.plan
    new = copy(old, owner)

    # The new plan: its own title and period, the old one's cadence, texts and owner.
    new.refresh_from_db()
    assert new.pk != old.pk
    assert new.account_id == old.account_id
    assert new.title == NEW_TITLE
    assert (new.period_start, new.period_end) == FY2027
    assert new.owner == owner
    assert new.status == "active"
    assert new.copied_from == old
    assert new.review_cadence_months == 6
    # Six months after the new period starts (it starts after today).
    assert new.next_review_date == dt.date(2027, 10, 1)
    assert new.last_reviewed_on is None
    assert (new.value_who, new.value_what, new.value_when, new.value_how) == (
        "購買部と生産管理部",
        "在庫回転日数を20%短縮する",
        "上期中に試行、下期に全拠点",
        "需要予測サービスと導入支援",
    )
    assert (
        new.profile_organisation,
        new.profile_decision_process,
        new.profile_culture,
        new.profile_business_goals,
    ) == (
        "事業部制、購買は本社集中",
        "1千万円以上は役員会の稟議",
        "慎重だが実績を重んじる",
        "中期経営計画でROE 10%",
    )

    # The old plan is archived and continued by the new one; one active plan is left.
    old.refresh_from_db()
    assert old.status == "archived"
    assert list(old.copied_to.all()) == [new]
    assert list(AccountPlan.objects.filter(account=old.account, status="active")) == [new]

    # Needs: every field as it was.
    need_fields = ("title", "kind", "source", "priority", "status", "description", "root_cause")
    assert list(new.needs.order_by("priority").values(*need_fields)) == [
        {
            "title": "在庫コストの削減",
            "kind": "problem",
            "source": "financials",
            "priority": 1,
            "status": "open",
            "description": "在庫が売上の3か月分ある",
            "root_cause": "需要予測が担当者の勘",
        },
        {
            "title": "海外拠点の立ち上げ",
            "kind": "goal",
            "source": "ir",
            "priority": 2,
            "status": "addressed",
            "description": "",
            "root_cause": "",
        },
    ]
    new_need_cost = new.needs.get(title="在庫コストの削減")

    # Goals: due a year later, targets kept, back to the baseline and not started.
    goal_fields = (
        "statement",
        "category",
        "metric",
        "unit",
        "baseline",
        "target",
        "current_value",
        "achievable_because",
        "status",
        "due_date",
        "progress",
    )
    assert list(new.goals.order_by("due_date").values(*goal_fields)) == [
        {
            "statement": "役員との定例を始める",
            "category": "relationship",
            "metric": "役員面談の回数",
            "unit": "回",
            "baseline": Decimal("0"),
            "target": Decimal("4"),
            "current_value": Decimal("0"),
            "achievable_because": "CFOが前向き",
            "status": "not_started",
            "due_date": dt.date(2027, 4, 1),
            "progress": 0.0,
        },
        {
            "statement": "年間受注額を1.2億円にする",
            "category": "revenue",
            "metric": "年間受注額",
            "unit": "円",
            "baseline": Decimal("100000000"),
            "target": Decimal("120000000"),
            "current_value": Decimal("100000000"),
            "achievable_because": "既存部門での採用実績がある",
            "status": "not_started",
            "due_date": dt.date(2027, 9, 30),
            "progress": 0.0,
        },
        {
            "statement": "NPSを40にする",
            "category": "satisfaction",
            "metric": "NPS",
            "unit": "pt",
            "baseline": None,
            "target": Decimal("40"),
            "current_value": None,
            "achievable_because": "サポート窓口を一本化した",
            "status": "not_started",
            "due_date": dt.date(2028, 3, 31),
            "progress": None,
        },
    ]
    new_orders = new.goals.get(statement="年間受注額を1.2億円にする")
    new_nps = new.goals.get(statement="NPSを40にする")
    new_exec = new.goals.get(statement="役員との定例を始める")
    # The goal serves the new plan's copy of its need, not the archived one.
    assert new_orders.need_id == new_need_cost.pk
    assert new_orders.need_id != worked.need_cost.pk
    assert new_nps.need_id is None and new_exec.need_id is None

    # KPIs: the targets, without measurements or a latest value; the goal link remapped.
    kpi_fields = (
        "name",
        "kind",
        "unit",
        "target",
        "direction",
        "goal_id",
        "latest_value",
        "latest_measured_on",
        "attainment",
    )
    assert list(new.kpis.order_by("name").values(*kpi_fields)) == [
        {
            "name": "NPS",
            "kind": "nps",
            "unit": "pt",
            "target": Decimal("40"),
            "direction": "higher",
            "goal_id": None,
            "latest_value": None,
            "latest_measured_on": None,
            "attainment": None,
        },
        {
            "name": "受注額",
            "kind": "revenue",
            "unit": "円",
            "target": Decimal("120000000"),
            "direction": "higher",
            "goal_id": new_orders.pk,
            "latest_value": None,
            "latest_measured_on": None,
            "attainment": None,
        },
    ]
    assert not KPIMeasurement.objects.filter(kpi__plan=new).exists()

    # Competitors: the whole map.
    competitor_fields = (
        "competitor",
        "products",
        "pricing_strategy",
        "marketing_strategy",
        "relationship",
        "share_of_wallet",
        "strengths",
        "weaknesses",
        "threat_level",
        "differentiation",
        "win_strategy",
    )
    assert list(new.competitors.order_by("competitor").values(*competitor_fields)) == [
        {
            "competitor": "競合A社",
            "products": "在庫管理パッケージ",
            "pricing_strategy": "初年度無償",
            "marketing_strategy": "展示会",
            "relationship": "情報システム部と長い付き合い",
            "share_of_wallet": 30,
            "strengths": "導入実績",
            "weaknesses": "予測機能がない",
            "threat_level": 3,
            "differentiation": "需要予測の精度",
            "win_strategy": "生産管理部から攻める",
        },
        {
            "competitor": "競合B社",
            "products": "",
            "pricing_strategy": "",
            "marketing_strategy": "",
            "relationship": "",
            "share_of_wallet": None,
            "strengths": "",
            "weaknesses": "",
            "threat_level": 1,
            "differentiation": "",
            "win_strategy": "",
        },
    ]

    # The engagement strategy for the CFO.
    assert list(
        new.engagements.values("stakeholder_id", "desired_attitude", "owner_id", "approach")
    ) == [
        {
            "stakeholder_id": worked.cfo.pk,
            "desired_attitude": 2,
            "owner_id": member.pk,
            "approach": "月次の定例で経営課題を聞く",
        }
    ]

    # The open actions, as they were, the goal link remapped; the done one stays behind.
    action_fields = (
        "title",
        "description",
        "phase",
        "status",
        "owner_id",
        "due_date",
        "resources",
        "goal_id",
        "completed_at",
    )
    assert list(new.actions.order_by("title").values(*action_fields)) == [
        {
            "title": "NPS調査の設計",
            "description": "質問票を先方と合意する",
            "phase": 3,
            "status": "open",
            "owner_id": member.pk,
            "due_date": dt.date(2026, 12, 10),
            "resources": "調査会社の見積り",
            "goal_id": new_nps.pk,
            "completed_at": None,
        },
        {
            "title": "役員面談の設定",
            "description": "",
            "phase": 2,
            "status": "in_progress",
            "owner_id": owner.pk,
            "due_date": dt.date(2027, 1, 15),
            "resources": "",
            "goal_id": None,
            "completed_at": None,
        },
    ]
    assert not new.actions.filter(title="キックオフの実施").exists()


def test_the_old_plan_keeps_its_year_as_it_was(owner, worked):
    copy(worked.plan, owner)

    # Progress, measurements, links and the done action stay with FY2026.
    worked.goal_orders.refresh_from_db()
    assert worked.goal_orders.current_value == Decimal("110000000")
    assert worked.goal_orders.status == "on_track"
    assert worked.goal_orders.due_date == dt.date(2026, 9, 30)
    assert worked.goal_orders.need_id == worked.need_cost.pk
    worked.kpi_orders.refresh_from_db()
    assert worked.kpi_orders.goal_id == worked.goal_orders.pk
    assert worked.kpi_orders.latest_value == Decimal("110000000")
    assert worked.kpi_orders.latest_measured_on == dt.date(2026, 9, 30)
    assert worked.kpi_orders.measurements.count() == 2
    assert worked.kpi_nps.measurements.count() == 1
    worked.survey.refresh_from_db()
    assert worked.survey.goal_id == worked.goal_nps.pk
    assert set(worked.plan.actions.values_list("title", flat=True)) == {
        "キックオフの実施",
        "NPS調査の設計",
        "役員面談の設定",
    }
    # Two plans' worth of rows: the old year's and the new one's.
    assert CustomerNeed.objects.count() == 4
    assert Goal.objects.count() == 6
    assert KPI.objects.count() == 4
    assert KPIMeasurement.objects.count() == 3
    assert CompetitorPosition.objects.count() == 4
    assert StakeholderEngagement.objects.count() == 2
    assert ActionItem.objects.count() == 5


def test_due_dates_move_with_the_period_and_stay_inside_it(owner, account):
    # A nine-month period from July: the dates move by a year and three months, and what
    # would fall after the new end is kept at the end.
    plan = PlanFactory(account=account, owner=owner, title=OLD_TITLE)
    for statement, due in [
        ("first day", dt.date(2026, 4, 1)),
        ("end of November", dt.date(2026, 11, 30)),
        ("last day", dt.date(2027, 3, 31)),
    ]:
        GoalFactory(plan=plan, statement=statement, due_date=due)

    new = copy(plan, owner, period_start=dt.date(2027, 7, 1), period_end=dt.date(2028, 3, 31))

    assert dict(new.goals.values_list("statement", "due_date")) == {
        "first day": dt.date(2027, 7, 1),
        # 30 November + 1 year 3 months: there is no 30 February, so the month's last day.
        "end of November": dt.date(2028, 2, 29),
        # 30 June 2028 is after the period: kept at its last day.
        "last day": dt.date(2028, 3, 31),
    }


@pytest.mark.parametrize(
    ("was", "becomes"),
    [("active", "active"), ("under_review", "active"), ("draft", "draft")],
)
def test_the_copy_is_active_unless_the_old_plan_was_a_draft(owner, account, was, becomes):
    plan = PlanFactory(account=account, owner=owner, title=OLD_TITLE, status=was)
    new = copy(plan, owner)
    plan.refresh_from_db()
    assert plan.status == "archived"
    assert new.status == becomes


def test_a_carried_action_from_a_meeting_is_the_one_the_meeting_links_to(client, owner, worked):
    meeting = MeetingFactory(account=worked.plan.account, next_steps="役員面談の設定")
    worked.visit.from_meeting = meeting
    worked.visit.save(update_fields=["from_meeting"])

    new = copy(worked.plan, owner)

    carried = new.actions.get(title="役員面談の設定")
    assert carried.from_meeting == meeting
    login(client, owner)
    page = client.get(reverse("accounts:detail", args=[worked.plan.account_id]))
    link = f'href="{reverse("plans:action_plan", args=[new.pk])}#action-{carried.pk}"'
    assert link in page.text
    old_link = f'href="{reverse("plans:action_plan", args=[worked.plan.pk])}#action-'
    assert old_link not in page.text


# Refusals


@pytest.mark.parametrize(
    "start", [dt.date(2026, 4, 1), dt.date(2025, 4, 1)], ids=["same", "earlier"]
)
def test_a_period_not_after_the_old_one_is_refused(client, owner, worked, start):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        copy(worked.plan, owner, period_start=start, period_end=start.replace(year=start.year + 1))
    assert refused.value.message_dict == {
        "period_start": ["The new period must start after the period of this plan."]
    }

    login(client, owner)
    response = client.post(
        reverse("plans:copy_forward", args=[worked.plan.pk]),
        form_data(worked.plan, period_start=start.isoformat()),
        **HTMX,
    )
    assert response.status_code == 200
    assert response.context["form"].errors["period_start"] == [
        "The new period must start after the period of this plan."
    ]
    assert "The new period must start after the period of this plan." in response.text
    worked.plan.refresh_from_db()
    assert worked.plan.status == "active"
    assert counts() == before


def test_a_period_ending_before_it_starts_is_refused(client, owner, worked):
    before = counts()
    login(client, owner)
    response = client.post(
        reverse("plans:copy_forward", args=[worked.plan.pk]),
        form_data(worked.plan, period_end="2027-03-31"),
        **HTMX,
    )
    assert response.context["form"].errors["period_end"] == ["The period must end after it starts."]
    worked.plan.refresh_from_db()
    assert worked.plan.status == "active"
    assert counts() == before


def test_an_archived_plan_cannot_be_copied(client, owner, worked):
    AccountPlan.objects.filter(pk=worked.plan.pk).update(status="archived")
    worked.plan.refresh_from_db()
    before = counts()

    with pytest.raises(Refused):
        copy(worked.plan, owner)

    login(client, owner)
    url = reverse("plans:copy_forward", args=[worked.plan.pk])
    page = client.get(url)
    assert page.status_code == 403
    assert "This plan is archived or its account has ended, so it is read-only." in page.text
    assert client.post(url, form_data(worked.plan)).status_code == 403
    assert counts() == before


def test_another_rep_gets_404_and_copies_nothing(client, outsider, worked):
    before = counts()
    login(client, outsider)
    url = reverse("plans:copy_forward", args=[worked.plan.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(worked.plan)).status_code == 404
    worked.plan.refresh_from_db()
    assert worked.plan.status == "active"
    assert counts() == before


# All or nothing


def test_a_failure_midway_leaves_the_old_plan_as_it_was(monkeypatch, owner, worked):
    before = counts()
    real_copy = copy_forward._copy

    def copy_until_the_competitors(row, **changes):
        # By now the old plan is archived and the needs, goals and KPIs are copied.
        if isinstance(row, CompetitorPosition):
            raise DatabaseError("could not extend file")
        return real_copy(row, **changes)

    monkeypatch.setattr(copy_forward, "_copy", copy_until_the_competitors)
    with pytest.raises(DatabaseError):
        copy(worked.plan, owner)

    worked.plan.refresh_from_db()
    assert worked.plan.status == "active"
    assert not worked.plan.copied_to.exists()
    assert counts() == before


def test_a_refusal_at_the_last_check_shows_on_the_form_and_undoes_the_copy(
    monkeypatch, client, owner, worked
):
    def goals_outside(*, plan):
        raise ValidationError({"period_end": "1 goal is due outside the period."})

    monkeypatch.setattr(copy_forward, "check_goals_inside_period", goals_outside)
    before = counts()
    login(client, owner)
    response = client.post(
        reverse("plans:copy_forward", args=[worked.plan.pk]), form_data(worked.plan)
    )
    assert response.status_code == 200
    assert "1 goal is due outside the period." in response.text
    worked.plan.refresh_from_db()
    assert worked.plan.status == "active"
    assert counts() == before


def test_a_second_active_plan_is_refused_and_the_old_one_stays_under_review(client, owner, account):
    # The account's active plan is another one; the copy of the plan under review would be
    # a second active plan, which is found only after the old one was archived.
    active = PlanFactory(account=account, owner=owner, title="Running plan", status="active")
    reviewed = PlanFactory(account=account, owner=owner, title=OLD_TITLE, status="under_review")
    login(client, owner)
    response = client.post(
        reverse("plans:copy_forward", args=[reviewed.pk]), form_data(reviewed), **HTMX
    )
    assert response.status_code == 200
    assert "This account already has an active plan." in response.text
    reviewed.refresh_from_db()
    active.refresh_from_db()
    assert reviewed.status == "under_review"
    assert active.status == "active"
    assert AccountPlan.objects.count() == 2


# The page, end to end


def test_the_page_shows_what_is_carried_and_the_copy_opens_the_new_plan(client, owner, worked):
    login(client, owner)
    url = reverse("plans:copy_forward", args=[worked.plan.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "<html" in page.text
    assert "Copy forward to a new period" in page.text
    for label, count in [
        ("Customer needs", 2),
        ("SMART goals (progress reset)", 3),
        ("KPIs (without measurements)", 2),
        ("Competitors", 2),
        ("Engagement strategies", 1),
        ("Open actions", 2),
    ]:
        assert f"<li>{label}: <strong>{count}</strong></li>" in page.text

    response = client.post(url, form_data(worked.plan))

    new = AccountPlan.objects.get(copied_from=worked.plan)
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:detail", args=[new.pk])
    shown = client.get(response["Location"])
    assert shown.status_code == 200
    assert (
        f"“{NEW_TITLE}” starts from “{OLD_TITLE}”, which is now archived. Check the goals' "
        "due dates and the open actions."
    ) in shown.text.replace("&#x27;", "'")
    assert shown.context["plan"] == new
    worked.plan.refresh_from_db()
    assert worked.plan.status == "archived"
    assert new.status == "active"
    assert new.goals.count() == 3


def test_an_htmx_copy_sends_the_browser_to_the_new_plan(client, member, worked):
    # A team member may copy the plan forward too.
    login(client, member)
    response = client.post(
        reverse("plans:copy_forward", args=[worked.plan.pk]), form_data(worked.plan), **HTMX
    )
    new = AccountPlan.objects.get(copied_from=worked.plan)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("plans:detail", args=[new.pk])
    assert new.title == NEW_TITLE
