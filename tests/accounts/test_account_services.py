"""The writes of the accounts app and the account health, called directly."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts import services
from accounts.health import account_health, health_scores
from accounts.models import Account, AccountTeamMember, Contract, Meeting, Opportunity
from plans.services import kpi_refresh_latest
from tests.factories import (
    AccountFactory,
    ActionFactory,
    ContractFactory,
    KPIFactory,
    MeasurementFactory,
    PlanFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def create_kwargs(owner, **changes):
    kwargs = {
        "owner": owner,
        "name": " 株式会社テスト ",
        "name_kana": "テスト",
        "industry": "it",
        "revenue_currency": "usd",
        "tier": "strategic",
        "score_revenue_size": 5,
        "score_industry_position": 5,
        "score_growth_rate": 4,
        "score_fit": 2,
        "score_relationship": 2,
    }
    kwargs.update(changes)
    return kwargs


# Accounts


def test_account_create_derives_priority_and_quadrant(owner):
    account = services.account_create(user=owner, **create_kwargs(owner))
    assert account.name == "株式会社テスト"
    assert account.revenue_currency == "USD"
    assert account.priority_score == (5 + 5 + 4 + 2 + 2 - 5) * 5
    # Attractive (14 >= 9) but weakly placed (4 < 6).
    assert account.quadrant == "grow"


def test_a_new_account_is_scored_at_once(owner):
    account = services.account_create(user=owner, owner=owner, name="新規株式会社")
    # No KPIs (50%), no open actions (100%), no renewal due (100%), no decision makers
    # (50%): 40 * 0.5 + 20 + 20 + 20 * 0.5.
    assert account.health_score == 70
    assert account.health_computed_at is not None


def test_rep_cannot_create_an_account_for_someone_else(owner, outsider):
    with pytest.raises(ValidationError) as exc:
        services.account_create(user=owner, **create_kwargs(outsider))
    assert exc.value.message_dict["owner"] == [
        "Only a manager can make someone else the owner of an account."
    ]
    assert not Account.objects.exists()


def test_manager_creates_for_an_active_owner_only(manager, owner):
    assert services.account_create(user=manager, **create_kwargs(owner)).owner == owner
    gone = UserFactory(username="gone", is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.account_create(user=manager, **create_kwargs(gone, name="Other"))
    assert "can no longer sign in" in exc.value.message_dict["owner"][0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"score_fit": 6}, "score_fit"),
        ({"score_relationship": 0}, "score_relationship"),
        ({"revenue_currency": "YEN1"}, "revenue_currency"),
        ({"tier": "gold"}, "tier"),
    ],
)
def test_account_create_refuses_bad_values(owner, changes, field):
    with pytest.raises(ValidationError) as exc:
        services.account_create(user=owner, **create_kwargs(owner, **changes))
    assert field in exc.value.message_dict
    assert not Account.objects.exists()


def test_account_update_changes_scores_and_rederives(owner, account):
    services.account_update(
        account=account, user=owner, data={"score_fit": 5, "score_relationship": 5}
    )
    assert account.priority_score == (3 + 3 + 3 + 5 + 5 - 5) * 5
    assert account.quadrant == "invest"


def test_account_update_refuses_unknown_fields(owner, account):
    with pytest.raises(ValueError):
        services.account_update(account=account, user=owner, data={"health_score": 100})


def test_rep_cannot_hand_over_but_manager_can(owner, member, manager, outsider, account):
    with pytest.raises(ValidationError) as exc:
        services.account_update(account=account, user=member, data={"owner": outsider})
    assert exc.value.message_dict["owner"] == [
        "Only a manager can hand an account over to another owner."
    ]
    account.refresh_from_db()
    assert account.owner == owner
    services.account_update(account=account, user=manager, data={"owner": outsider})
    account.refresh_from_db()
    assert account.owner == outsider


def test_bad_update_leaves_the_saved_account_alone(owner, account):
    with pytest.raises(ValidationError):
        services.account_update(
            account=account, user=owner, data={"headquarters": "大阪", "score_fit": 9}
        )
    stored = Account.objects.get(pk=account.pk)
    assert stored.headquarters == ""
    assert stored.score_fit == 3


# Team


def test_team_member_add_and_remove(account, owner):
    colleague = UserFactory(username="colleague")
    member = services.team_member_add(account=account, member=colleague, role="sales", user=owner)
    assert member.pk
    assert Account.objects.visible_to(colleague).filter(pk=account.pk).exists()
    assert services.team_member_remove(account=account, member=colleague, user=owner) is True
    assert not Account.objects.visible_to(colleague).filter(pk=account.pk).exists()
    # Removed a moment ago by someone else: nothing to do, and it says so.
    assert services.team_member_remove(account=account, member=colleague, user=owner) is False


def test_team_member_add_refuses_twice_and_bad_roles(account, member, owner):
    with pytest.raises(ValidationError) as exc:
        services.team_member_add(account=account, member=member, role="sales", user=owner)
    assert "already on the account team" in exc.value.message_dict["user"][0]
    with pytest.raises(ValidationError) as exc:
        services.team_member_add(account=account, member=UserFactory(), role="boss", user=owner)
    assert "role" in exc.value.message_dict
    assert AccountTeamMember.objects.filter(account=account).count() == 1


# Contracts and opportunities


def contract_kwargs(**changes):
    kwargs = {
        "number": "C-1",
        "title": "Support",
        "start_date": dt.date(2026, 4, 1),
        "end_date": dt.date(2027, 3, 31),
        "annual_value": Decimal("1000000"),
        "notice_period_days": 60,
    }
    kwargs.update(changes)
    return kwargs


def test_contract_create_derives_the_renewal_deadline(account):
    contract = services.contract_create(
        account=account, user=account.owner, **contract_kwargs(currency="eur")
    )
    assert contract.renewal_deadline == dt.date(2027, 1, 30)
    assert contract.currency == "EUR"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end_date": dt.date(2026, 3, 1)}, "end_date", "The end date must be after the start"),
        ({"end_date": dt.date(2026, 4, 1)}, "end_date", "The end date must be after the start"),
        ({"annual_value": Decimal("-1")}, "annual_value", ""),
        ({"notice_period_days": 1000}, "notice_period_days", ""),
        ({"title": ""}, "title", ""),
    ],
)
def test_contract_create_refuses_bad_input(account, changes, field, message):
    with pytest.raises(ValidationError) as exc:
        services.contract_create(account=account, user=account.owner, **contract_kwargs(**changes))
    assert message in exc.value.message_dict[field][0]
    assert not Contract.objects.exists()


def test_contract_numbers_are_unique(account):
    ContractFactory(number="C-1")
    with pytest.raises(ValidationError) as exc:
        services.contract_create(account=account, user=account.owner, **contract_kwargs())
    assert exc.value.message_dict["number"] == ["A contract with this number already exists."]


def test_opportunity_create_and_set_stage(account, owner):
    opportunity = services.opportunity_create(
        account=account,
        owner=owner,
        title="Upsell",
        amount=Decimal("100"),
        expected_close_date=dt.date(2027, 1, 1),
        user=owner,
    )
    assert opportunity.stage == "lead"
    assert opportunity.created_by == owner
    services.opportunity_set_stage(opportunity=opportunity, stage="proposal", user=owner)
    assert Opportunity.objects.get(pk=opportunity.pk).stage == "proposal"
    with pytest.raises(ValidationError):
        services.opportunity_set_stage(opportunity=opportunity, stage="dreaming", user=owner)
    assert Opportunity.objects.get(pk=opportunity.pk).stage == "proposal"


# Meetings


def test_meeting_record_moves_last_contact_forward_only(account, owner):
    behind = StakeholderFactory(account=account, last_contacted_on=dt.date(2026, 1, 1))
    ahead = StakeholderFactory(account=account, last_contacted_on=dt.date(2026, 12, 24))
    never = StakeholderFactory(account=account)
    # 23:30 UTC is already the next day in Tokyo: the local date counts.
    held_at = dt.datetime(2026, 11, 18, 23, 30, tzinfo=dt.UTC)
    meeting = services.meeting_record(
        account=account,
        recorded_by=owner,
        held_at=held_at,
        subject=" QBR ",
        kind="qbr",
        stakeholders=[behind, ahead, never],
        attendees=[owner],
    )
    assert meeting.subject == "QBR"
    assert set(meeting.stakeholders.all()) == {behind, ahead, never}
    for person in (behind, ahead, never):
        person.refresh_from_db()
    assert behind.last_contacted_on == dt.date(2026, 11, 19)
    assert never.last_contacted_on == dt.date(2026, 11, 19)
    assert ahead.last_contacted_on == dt.date(2026, 12, 24)
    assert behind.history.first().history_user == owner


def test_meeting_record_refuses_a_blank_subject_and_strangers(account, owner):
    stranger = StakeholderFactory(last_contacted_on=None)
    held_at = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as exc:
        services.meeting_record(account=account, recorded_by=owner, held_at=held_at, subject=" ")
    assert "subject" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.meeting_record(
            account=account,
            recorded_by=owner,
            held_at=held_at,
            subject="Call",
            stakeholders=[stranger],
        )
    assert "do not work at this customer" in exc.value.message_dict["stakeholders"][0]
    stranger.refresh_from_db()
    assert stranger.last_contacted_on is None
    assert not Meeting.objects.exists()


# Health


def test_health_without_data_is_neutral(account):
    health = account_health(account, TODAY)
    assert health.score == 70  # 40x0.5 + 20x1 + 20x1 + 20x0.5
    assert [p.key for p in health.parts] == ["kpi", "actions", "renewal", "sentiment"]


def test_health_parts_follow_the_data(account, django_assert_num_queries):
    plan = PlanFactory(account=account)
    MeasurementFactory(kpi=KPIFactory(plan=plan, target=Decimal("100")), value=Decimal("50"))
    MeasurementFactory(kpi=KPIFactory(plan=plan, target=Decimal("100")), value=Decimal("150"))
    ActionFactory(plan=plan, due_date=TODAY - dt.timedelta(days=1))
    ActionFactory(plan=plan, due_date=TODAY + dt.timedelta(days=5))
    ActionFactory(
        plan=plan,
        due_date=TODAY - dt.timedelta(days=9),
        status="done",
        completed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    ContractFactory(account=account, end_date=TODAY + dt.timedelta(days=100), notice_period_days=90)
    StakeholderFactory(account=account, buying_role="decision_maker", attitude=1)
    StakeholderFactory(account=account, buying_role="economic_buyer", attitude=-1)
    StakeholderFactory(account=account, buying_role="user", attitude=-2)
    for kpi in plan.kpis.all():
        kpi_refresh_latest(kpi=kpi)
    with django_assert_num_queries(4):
        health = account_health(account, TODAY)
    parts = {p.key: p for p in health.parts}
    assert parts["kpi"].value == pytest.approx(0.75)  # (0.5 + 1.0 capped) / 2
    assert parts["actions"].value == pytest.approx(0.5)
    assert parts["renewal"].value == pytest.approx(0.5)
    assert parts["sentiment"].value == pytest.approx(0.5)
    assert health.score == round(100 * (0.4 * 0.75 + 0.2 * 0.5 + 0.2 * 0.5 + 0.2 * 0.5))
    assert parts["actions"].detail == "1 of 2 open action items overdue."


@pytest.mark.parametrize("scenario", ["empty", "overdue", "renewal_passed", "opponents"])
def test_health_matches_the_dashboard_definition(scenario):
    account = AccountFactory()
    plan = PlanFactory(account=account)
    if scenario == "overdue":
        ActionFactory(plan=plan, due_date=TODAY - dt.timedelta(days=3))
    if scenario == "renewal_passed":
        ContractFactory(account=account, end_date=TODAY + dt.timedelta(days=10))
    if scenario == "opponents":
        StakeholderFactory(account=account, buying_role="decision_maker", attitude=-2)
    mine = account_health(account, TODAY)
    theirs = health_scores(Account.objects.filter(pk=account.pk), TODAY)[account.pk]
    assert mine.score == theirs.score
    parts = {p.key: p.value for p in mine.parts}
    assert parts == pytest.approx(
        {
            "kpi": theirs.kpi,
            "actions": theirs.actions,
            "renewal": theirs.renewal,
            "sentiment": theirs.sentiment,
        }
    )
