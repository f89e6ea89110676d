"""The database itself refuses rows that break an invariant.

Rows are written with QuerySet.update or Manager.create (through the factories), which skip
model validation: whatever is refused here is refused by PostgreSQL, so no import, admin bulk
action or raw script can store it either. Each refusal is matched to the constraint's name so
that a test cannot pass because some other rule happened to fire.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation

from accounts.models import Contract
from kam.core.models import DigestLog, Reminder
from plans.models import AccountPlan, ActionItem, Goal
from tests.factories import (
    AccountFactory,
    ActionFactory,
    CompetitorFactory,
    ContractFactory,
    EngagementFactory,
    GoalFactory,
    KPIFactory,
    MeasurementFactory,
    MeetingFactory,
    NeedFactory,
    OpportunityFactory,
    PlanFactory,
    StakeholderFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# PlanFactory's period; GoalFactory's due date is its last day.
PERIOD_START = dt.date(2026, 4, 1)
PERIOD_END = dt.date(2027, 3, 31)


def make_reminder(**overrides) -> Reminder:
    account = overrides.pop("account", None) or AccountFactory()
    values = {
        "kind": "renewal_due",
        "recipient": account.owner,
        "object_id": 1,
        "due_date": dt.date(2027, 1, 1),
        "lead_days": 30,
        "account": account,
        "title": "契約更新の期限",
        "url": "/renewals/1/",
        **overrides,
    }
    return Reminder.objects.create(**values)


def make_digest(**overrides) -> DigestLog:
    values = {"recipient": UserFactory(), "digest_date": dt.date(2026, 11, 20), **overrides}
    return DigestLog.objects.create(**values)


def refused(constraint: str):
    """Expect the database to refuse the write, naming the constraint (or trigger) that did."""
    return pytest.raises(IntegrityError, match=constraint)


SCORE_FIELDS = (
    "score_revenue_size",
    "score_industry_position",
    "score_growth_rate",
    "score_fit",
    "score_relationship",
)

CHECK_CASES = [
    # Users
    pytest.param(UserFactory, {"role": "boss"}, "user_role_valid", id="user-bad-role"),
    pytest.param(UserFactory, {"language": "fr"}, "user_language_valid", id="user-bad-language"),
    # Accounts
    *(
        pytest.param(AccountFactory, {field: score}, f"account_{field}_1_5", id=f"{field}-{score}")
        for field in SCORE_FIELDS
        for score in (0, 6)
    ),
    pytest.param(AccountFactory, {"tier": "platinum"}, "account_tier_valid", id="account-tier"),
    pytest.param(
        AccountFactory, {"status": "dormant"}, "account_status_valid", id="account-status"
    ),
    pytest.param(
        AccountFactory,
        {"revenue_currency": "jpy"},
        "account_revenue_currency_iso",
        id="account-currency-lowercase",
    ),
    pytest.param(
        AccountFactory,
        {"annual_revenue": Decimal("-1")},
        "account_revenue_not_negative",
        id="account-negative-revenue",
    ),
    pytest.param(AccountFactory, {"name": ""}, "account_name_not_blank", id="account-blank-name"),
    pytest.param(
        AccountFactory, {"health_score": 101}, "account_health_0_100", id="account-health-101"
    ),
    pytest.param(TeamMemberFactory, {"role": "boss"}, "team_role_valid", id="team-bad-role"),
    # Contracts
    pytest.param(
        ContractFactory,
        {"end_date": PERIOD_START - dt.timedelta(days=1)},
        "contract_ends_after_start",
        id="contract-ends-before-start",
    ),
    pytest.param(
        ContractFactory,
        {"end_date": PERIOD_START},
        "contract_ends_after_start",
        id="contract-ends-on-start",
    ),
    pytest.param(
        ContractFactory,
        {"annual_value": Decimal("-0.01")},
        "contract_value_not_negative",
        id="contract-negative-value",
    ),
    pytest.param(
        ContractFactory,
        {"notice_period_days": 731},
        "contract_notice_at_most_2y",
        id="contract-notice-731",
    ),
    pytest.param(
        ContractFactory, {"currency": "jpy"}, "contract_currency_iso", id="contract-currency-jpy"
    ),
    pytest.param(
        ContractFactory, {"currency": "JP"}, "contract_currency_iso", id="contract-currency-short"
    ),
    pytest.param(
        ContractFactory, {"status": "lost"}, "contract_status_valid", id="contract-status"
    ),
    pytest.param(
        # Marked renewed, so only the self-reference is wrong.
        ContractFactory,
        {"status": "renewed", "successor": F("id")},
        "contract_not_own_successor",
        id="contract-own-successor",
    ),
    # Opportunities and meetings
    pytest.param(
        OpportunityFactory,
        {"amount": Decimal("-1")},
        "opportunity_amount_positive",
        id="opportunity-negative-amount",
    ),
    pytest.param(
        OpportunityFactory, {"kind": "barter"}, "opportunity_kind_valid", id="opportunity-kind"
    ),
    pytest.param(
        OpportunityFactory, {"stage": "maybe"}, "opportunity_stage_valid", id="opportunity-stage"
    ),
    pytest.param(
        OpportunityFactory,
        {"currency": "usd"},
        "opportunity_currency_iso",
        id="opportunity-currency-lowercase",
    ),
    pytest.param(MeetingFactory, {"kind": "fax"}, "meeting_kind_valid", id="meeting-kind"),
    pytest.param(
        MeetingFactory, {"subject": ""}, "meeting_subject_not_blank", id="meeting-blank-subject"
    ),
    # Stakeholders
    *(
        pytest.param(
            StakeholderFactory,
            {"influence": influence},
            "stakeholder_influence_1_5",
            id=f"stakeholder-influence-{influence}",
        )
        for influence in (0, 6)
    ),
    *(
        pytest.param(
            StakeholderFactory,
            {"attitude": attitude},
            "stakeholder_attitude_range",
            id=f"stakeholder-attitude-{attitude}",
        )
        for attitude in (-3, 3)
    ),
    pytest.param(
        StakeholderFactory,
        {"relationship_strength": 5},
        "stakeholder_relationship_range",
        id="stakeholder-relationship-5",
    ),
    pytest.param(
        StakeholderFactory,
        {"buying_role": "friend"},
        "stakeholder_role_valid",
        id="stakeholder-buying-role",
    ),
    pytest.param(
        StakeholderFactory,
        {"reports_to": F("id")},
        "stakeholder_not_own_manager",
        id="stakeholder-own-manager",
    ),
    pytest.param(
        StakeholderFactory, {"name": ""}, "stakeholder_name_not_blank", id="stakeholder-blank-name"
    ),
    *(
        pytest.param(
            EngagementFactory,
            {"desired_attitude": attitude},
            "engagement_attitude_range",
            id=f"engagement-attitude-{attitude}",
        )
        for attitude in (-3, 3)
    ),
    # Plans
    pytest.param(
        PlanFactory,
        {"period_end": PERIOD_START - dt.timedelta(days=1)},
        "plan_period_ends_after_start",
        id="plan-ends-before-start",
    ),
    pytest.param(
        PlanFactory,
        {"period_end": PERIOD_START},
        "plan_period_ends_after_start",
        id="plan-ends-on-start",
    ),
    pytest.param(PlanFactory, {"status": "paused"}, "plan_status_valid", id="plan-status"),
    pytest.param(
        PlanFactory, {"review_cadence_months": 2}, "plan_cadence_valid", id="plan-cadence-2"
    ),
    pytest.param(NeedFactory, {"kind": "wish"}, "need_kind_valid", id="need-kind"),
    pytest.param(NeedFactory, {"source": "rumour"}, "need_source_valid", id="need-source"),
    pytest.param(NeedFactory, {"priority": 4}, "need_priority_valid", id="need-priority"),
    pytest.param(NeedFactory, {"status": "closed"}, "need_status_valid", id="need-status"),
    pytest.param(NeedFactory, {"title": ""}, "need_title_not_blank", id="need-blank-title"),
    # SMART goals
    pytest.param(GoalFactory, {"statement": ""}, "goal_specific", id="goal-blank-statement"),
    pytest.param(GoalFactory, {"metric": ""}, "goal_measurable", id="goal-blank-metric"),
    pytest.param(
        GoalFactory, {"achievable_because": ""}, "goal_achievable", id="goal-blank-achievable"
    ),
    pytest.param(
        GoalFactory,
        {"baseline": Decimal("500"), "target": Decimal("500")},
        "goal_target_differs_from_baseline",
        id="goal-target-equals-baseline",
    ),
    pytest.param(GoalFactory, {"target": None}, 'column "target"', id="goal-no-target"),
    pytest.param(GoalFactory, {"status": "late"}, "goal_status_valid", id="goal-status"),
    pytest.param(GoalFactory, {"category": "fun"}, "goal_category_valid", id="goal-category"),
    # KPIs
    pytest.param(KPIFactory, {"name": ""}, "kpi_name_not_blank", id="kpi-blank-name"),
    pytest.param(KPIFactory, {"kind": "vanity"}, "kpi_kind_valid", id="kpi-kind"),
    pytest.param(KPIFactory, {"direction": "sideways"}, "kpi_direction_valid", id="kpi-direction"),
    pytest.param(
        KPIFactory,
        {"direction": "higher", "target": Decimal("0")},
        "kpi_higher_target_not_zero",
        id="kpi-higher-target-0",
    ),
    # Competitor map
    pytest.param(
        CompetitorFactory,
        {"share_of_wallet": 101},
        "competitor_share_at_most_100",
        id="competitor-share-101",
    ),
    pytest.param(
        CompetitorFactory, {"threat_level": 4}, "competitor_threat_valid", id="competitor-threat"
    ),
    pytest.param(
        CompetitorFactory, {"competitor": ""}, "competitor_not_blank", id="competitor-blank"
    ),
    # Action items
    pytest.param(ActionFactory, {"status": "waiting"}, "action_status_valid", id="action-status"),
    pytest.param(ActionFactory, {"phase": 6}, "action_phase_valid", id="action-phase-6"),
    pytest.param(
        ActionFactory,
        {"status": "done", "completed_at": None},
        "action_completed_at_iff_done",
        id="action-done-without-completed-at",
    ),
    pytest.param(
        ActionFactory,
        {"status": "open", "completed_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)},
        "action_completed_at_iff_done",
        id="action-open-with-completed-at",
    ),
    pytest.param(ActionFactory, {"title": ""}, "action_title_not_blank", id="action-blank-title"),
    # Reminder log
    pytest.param(make_reminder, {"kind": "spam"}, "reminder_kind_valid", id="reminder-kind"),
    pytest.param(
        make_reminder, {"mail_state": "lost"}, "reminder_mail_state_valid", id="reminder-state"
    ),
    pytest.param(
        make_reminder,
        {"mail_state": "sent", "mailed_at": None},
        "reminder_mailed_at_when_sent",
        id="reminder-sent-without-mailed-at",
    ),
]


@pytest.mark.parametrize(("make", "bad", "constraint"), CHECK_CASES)
def test_database_refuses_a_row_that_breaks_a_check(make, bad, constraint):
    row = make()
    model = type(row)
    with refused(constraint), transaction.atomic():
        model._default_manager.filter(pk=row.pk).update(**bad)


GOOD_EDGE_CASES = [
    *(
        pytest.param(AccountFactory, {field: score}, id=f"{field}-{score}")
        for field in SCORE_FIELDS
        for score in (1, 5)
    ),
    pytest.param(AccountFactory, {"annual_revenue": Decimal("0")}, id="account-revenue-0"),
    pytest.param(AccountFactory, {"health_score": 100}, id="account-health-100"),
    pytest.param(ContractFactory, {"notice_period_days": 730}, id="contract-notice-730"),
    pytest.param(ContractFactory, {"annual_value": Decimal("0")}, id="contract-value-0"),
    pytest.param(StakeholderFactory, {"influence": 1, "attitude": -2}, id="stakeholder-low"),
    pytest.param(StakeholderFactory, {"influence": 5, "attitude": 2}, id="stakeholder-high"),
    pytest.param(CompetitorFactory, {"share_of_wallet": 100}, id="competitor-share-100"),
    pytest.param(
        KPIFactory, {"direction": "lower", "target": Decimal("0")}, id="kpi-lower-target-0"
    ),
    pytest.param(GoalFactory, {"baseline": None}, id="goal-without-baseline"),
    pytest.param(
        ActionFactory,
        {"status": "done", "completed_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)},
        id="action-done-with-completed-at",
    ),
    pytest.param(
        make_reminder,
        {"mail_state": "sent", "mailed_at": dt.datetime(2026, 11, 1, tzinfo=dt.UTC)},
        id="reminder-sent-with-mailed-at",
    ),
]


@pytest.mark.parametrize(("make", "good"), GOOD_EDGE_CASES)
def test_database_accepts_values_at_the_edge_of_a_check(make, good):
    row = make()
    model = type(row)
    assert model._default_manager.filter(pk=row.pk).update(**good) == 1


# Contracts and renewals


def test_successor_is_refused_on_a_contract_not_marked_renewed():
    old = ContractFactory(status="active")
    new = ContractFactory(account=old.account)
    with refused("contract_successor_only_when_renewed"), transaction.atomic():
        Contract.objects.filter(pk=old.pk).update(successor=new)


def test_successor_is_accepted_on_a_renewed_contract():
    old = ContractFactory(status="active")
    new = ContractFactory(account=old.account)
    Contract.objects.filter(pk=old.pk).update(status="renewed", successor=new)
    old.refresh_from_db()
    assert old.successor == new


def test_a_contract_renews_into_one_successor_only():
    new = ContractFactory()
    ContractFactory(account=new.account, status="renewed", successor=new)
    with refused("successor_id"), transaction.atomic():
        ContractFactory(account=new.account, status="renewed", successor=new)


def test_contract_number_is_unique():
    first = ContractFactory(number="C-2026-001")
    with refused("number"), transaction.atomic():
        ContractFactory(account=first.account, number="C-2026-001")


# Account team and stakeholders


def test_a_person_joins_an_account_team_once(account, member):
    with refused("team_member_once"), transaction.atomic():
        TeamMemberFactory(account=account, user=member, role="sales")


def test_a_stakeholder_gets_one_engagement_strategy_per_plan(account):
    plan = PlanFactory(account=account)
    stakeholder = StakeholderFactory(account=account)
    EngagementFactory(plan=plan, stakeholder=stakeholder)
    with refused("engagement_once"), transaction.atomic():
        EngagementFactory(plan=plan, stakeholder=stakeholder)


def test_a_stakeholder_is_not_their_own_manager_even_when_saved_directly():
    person = StakeholderFactory()
    person.reports_to = person
    with refused("stakeholder_not_own_manager"), transaction.atomic():
        person.save()


# Plans


def test_an_account_has_one_active_plan_at_a_time(account):
    PlanFactory(account=account, status="active")
    with refused("plan_one_active_per_account"), transaction.atomic():
        PlanFactory(account=account, status="active")


def test_archived_and_draft_plans_pile_up_beside_the_active_one(account):
    PlanFactory(account=account, status="active")
    PlanFactory(account=account, status="archived")
    PlanFactory(account=account, status="archived")
    PlanFactory(account=account, status="draft")
    PlanFactory(account=account, status="draft")
    assert AccountPlan.objects.filter(account=account).count() == 5


def test_another_account_may_have_its_own_active_plan(account):
    PlanFactory(account=account, status="active")
    PlanFactory(status="active")
    assert AccountPlan.objects.filter(status="active").count() == 2


def test_a_goal_without_a_target_is_refused_on_create():
    plan = PlanFactory()
    with refused('column "target"'), transaction.atomic():
        GoalFactory(plan=plan, target=None)


def test_kpi_name_is_unique_within_a_plan():
    kpi = KPIFactory(name="年間売上")
    with refused("kpi_name_unique_in_plan"), transaction.atomic():
        KPIFactory(plan=kpi.plan, name="年間売上")


def test_the_same_kpi_name_is_fine_in_another_plan():
    KPIFactory(name="年間売上")
    KPIFactory(name="年間売上")


def test_a_kpi_has_one_measurement_per_day():
    first = MeasurementFactory(measured_on=dt.date(2026, 6, 30))
    with refused("kpi_one_measurement_per_day"), transaction.atomic():
        MeasurementFactory(kpi=first.kpi, measured_on=dt.date(2026, 6, 30), value=Decimal("70"))


def test_a_competitor_appears_once_on_a_plans_map():
    first = CompetitorFactory(competitor="競合A社")
    with refused("competitor_once_per_plan"), transaction.atomic():
        CompetitorFactory(plan=first.plan, competitor="競合A社")


def test_an_action_created_done_without_completed_at_is_refused():
    plan = PlanFactory()
    with refused("action_completed_at_iff_done"), transaction.atomic():
        ActionFactory(plan=plan, status="done", completed_at=None)


def test_an_action_item_created_done_with_completed_at_is_stored():
    action = ActionFactory(status="done", completed_at=timezone.now())
    assert ActionItem.objects.filter(pk=action.pk, status="done").exists()


# Reminders: nothing is sent twice


def test_the_same_reminder_is_recorded_once():
    reminder = make_reminder()
    with refused("reminder_sent_once"), transaction.atomic():
        make_reminder(account=reminder.account)


def test_a_reminder_at_another_lead_time_is_a_new_row():
    reminder = make_reminder(lead_days=30)
    make_reminder(account=reminder.account, lead_days=7)
    assert Reminder.objects.count() == 2


def test_one_daily_digest_per_person_per_day():
    digest = make_digest()
    with refused("digest_once_per_day"), transaction.atomic():
        make_digest(recipient=digest.recipient)


def test_the_weekly_digest_does_not_collide_with_the_daily_one():
    digest = make_digest()
    make_digest(recipient=digest.recipient, kind="weekly")
    assert DigestLog.objects.filter(recipient=digest.recipient).count() == 2


# A goal's due date inside its plan period: two tables, so triggers hold it


@pytest.fixture
def plan():
    return PlanFactory(period_start=PERIOD_START, period_end=PERIOD_END)


@pytest.mark.parametrize(
    "due_date",
    [PERIOD_START - dt.timedelta(days=1), PERIOD_END + dt.timedelta(days=1)],
    ids=["day-before-period", "day-after-period"],
)
def test_a_goal_due_outside_the_plan_period_is_refused_on_create(plan, due_date):
    with refused("goal_due_inside_plan_period"), transaction.atomic():
        GoalFactory(plan=plan, due_date=due_date)


@pytest.mark.parametrize(
    "due_date",
    [PERIOD_START - dt.timedelta(days=1), PERIOD_END + dt.timedelta(days=1)],
    ids=["day-before-period", "day-after-period"],
)
def test_moving_a_goal_due_date_outside_the_plan_period_is_refused(plan, due_date):
    goal = GoalFactory(plan=plan, due_date=dt.date(2026, 9, 30))
    with refused("goal_due_inside_plan_period"), transaction.atomic():
        Goal.objects.filter(pk=goal.pk).update(due_date=due_date)


@pytest.mark.parametrize("due_date", [PERIOD_START, PERIOD_END], ids=["first-day", "last-day"])
def test_a_goal_due_on_either_end_of_the_period_is_stored(plan, due_date):
    goal = GoalFactory(plan=plan, due_date=due_date)
    assert Goal.objects.get(pk=goal.pk).due_date == due_date


def test_moving_a_goal_to_a_plan_whose_period_misses_its_due_date_is_refused(plan):
    goal = GoalFactory(plan=plan, due_date=dt.date(2026, 9, 30))
    next_year = PlanFactory(
        account=plan.account,
        status="draft",
        period_start=dt.date(2027, 4, 1),
        period_end=dt.date(2028, 3, 31),
    )
    with refused("goal_due_inside_plan_period"), transaction.atomic():
        Goal.objects.filter(pk=goal.pk).update(plan=next_year)


@pytest.mark.parametrize(
    "period",
    [
        {"period_end": dt.date(2027, 3, 30)},
        {"period_start": dt.date(2027, 4, 1), "period_end": dt.date(2028, 3, 31)},
    ],
    ids=["end-before-goal", "start-after-goal"],
)
def test_a_plan_period_change_that_leaves_a_goal_outside_is_refused(plan, period):
    GoalFactory(plan=plan, due_date=PERIOD_END)
    with refused("goal_due_inside_plan_period"), transaction.atomic():
        AccountPlan.objects.filter(pk=plan.pk).update(**period)
    plan.refresh_from_db()
    assert (plan.period_start, plan.period_end) == (PERIOD_START, PERIOD_END)


def test_a_plan_period_change_that_keeps_goals_inside_is_stored(plan):
    GoalFactory(plan=plan, due_date=dt.date(2026, 12, 31))
    AccountPlan.objects.filter(pk=plan.pk).update(
        period_start=dt.date(2026, 10, 1), period_end=dt.date(2027, 9, 30)
    )
    plan.refresh_from_db()
    assert (plan.period_start, plan.period_end) == (dt.date(2026, 10, 1), dt.date(2027, 9, 30))


# Model validation: the same rules as clear messages on the field where they were entered


def messages(error: ValidationError, field: str) -> list[str]:
    # Messages are lazy: read them in the language the test asserts.
    with translation.override("en"):
        return [str(message) for message in error.message_dict[field]]


def test_goal_clean_names_the_plan_period_when_due_outside_it(plan):
    goal = GoalFactory.build(plan=plan, due_date=dt.date(2027, 4, 1))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        goal.full_clean()
    assert set(caught.value.message_dict) == {"due_date"}
    [message] = messages(caught.value, "due_date")
    assert "plan period" in message
    # Dates in the reader's short date format (English: m/d/Y).
    assert "04/01/2026" in message
    assert "03/31/2027" in message


def test_goal_clean_asks_for_a_measurable_target(plan):
    goal = GoalFactory.build(plan=plan, target=None)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        goal.full_clean()
    assert set(caught.value.message_dict) == {"target"}
    assert "A SMART goal needs a measurable target." in messages(caught.value, "target")


def test_goal_clean_asks_for_a_due_date(plan):
    goal = GoalFactory.build(plan=plan, due_date=None)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        goal.full_clean()
    assert set(caught.value.message_dict) == {"due_date"}
    assert "A SMART goal needs a due date." in messages(caught.value, "due_date")


def test_goal_clean_refuses_a_target_equal_to_the_baseline(plan):
    goal = GoalFactory.build(plan=plan, baseline=Decimal("80"), target=Decimal("80"))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        goal.full_clean()
    assert "The target must differ from the baseline." in messages(caught.value, "target")


def test_goal_clean_refuses_a_need_of_another_plan(plan):
    goal = GoalFactory.build(plan=plan, need=NeedFactory())
    with pytest.raises(ValidationError) as caught:
        goal.full_clean()
    assert set(caught.value.message_dict) == {"need"}


def test_goal_clean_accepts_a_smart_goal(plan):
    GoalFactory.build(plan=plan, need=NeedFactory(plan=plan)).full_clean()


def test_stakeholder_clean_refuses_a_manager_at_another_customer():
    boss = StakeholderFactory()
    person = StakeholderFactory.build(account=AccountFactory(), reports_to=boss)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert set(caught.value.message_dict) == {"reports_to"}
    assert messages(caught.value, "reports_to") == ["The manager must work at the same customer."]


def test_stakeholder_clean_refuses_a_reporting_circle():
    a = StakeholderFactory()
    b = StakeholderFactory(account=a.account)
    a.reports_to = b
    a.full_clean()
    a.save()
    b.reports_to = a
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        b.full_clean()
    assert messages(caught.value, "reports_to") == ["This would make the org chart a circle."]


def test_stakeholder_clean_refuses_a_longer_reporting_circle():
    a = StakeholderFactory()
    b = StakeholderFactory(account=a.account, reports_to=a)
    c = StakeholderFactory(account=a.account, reports_to=b)
    a.reports_to = c
    with pytest.raises(ValidationError) as caught:
        a.full_clean()
    assert set(caught.value.message_dict) == {"reports_to"}


def test_stakeholder_clean_accepts_a_manager_at_the_same_customer():
    boss = StakeholderFactory()
    StakeholderFactory.build(account=boss.account, reports_to=boss).full_clean()


@pytest.mark.parametrize("factory", [KPIFactory, ActionFactory], ids=["kpi", "action"])
def test_a_goal_of_another_plan_is_refused(plan, factory):
    row = factory.build(plan=plan, goal=GoalFactory())
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert set(caught.value.message_dict) == {"goal"}
    assert messages(caught.value, "goal") == ["Choose a goal of this plan."]


@pytest.mark.parametrize("factory", [KPIFactory, ActionFactory], ids=["kpi", "action"])
def test_a_goal_of_the_same_plan_is_accepted(plan, factory):
    factory.build(plan=plan, goal=GoalFactory(plan=plan)).full_clean()


def test_an_engagement_with_a_stakeholder_of_another_account_is_refused(plan):
    engagement = EngagementFactory.build(plan=plan, stakeholder=StakeholderFactory())
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        engagement.full_clean()
    assert set(caught.value.message_dict) == {"stakeholder"}
    assert messages(caught.value, "stakeholder") == ["Choose a stakeholder of this plan's account."]


def test_an_engagement_with_a_stakeholder_of_the_plans_account_is_accepted(plan):
    EngagementFactory.build(
        plan=plan, stakeholder=StakeholderFactory(account=plan.account)
    ).full_clean()


def test_validation_reports_a_second_active_plan_by_its_message(account):
    PlanFactory(account=account, status="active")
    second = PlanFactory.build(account=account, status="active")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        second.full_clean()
    assert "This account already has an active plan." in caught.value.messages
