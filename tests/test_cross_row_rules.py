"""Rules across two rows, refused by the database however the write arrives.

Forms explain these rules in clean(); here the writes skip clean() (raw updates, bulk
inserts), as admin actions, imports and scripts can, and the database still refuses them
without losing what was stored before.
"""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Contract
from plans.models import KPI, AccountPlan, ActionItem, Goal
from stakeholders.models import Stakeholder, StakeholderEngagement
from tests.factories import (
    AccountFactory,
    ActionFactory,
    ContractFactory,
    EngagementFactory,
    GoalFactory,
    KPIFactory,
    PlanFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


def refused(rule: str):
    return pytest.raises(IntegrityError, match=rule)


# A stakeholder's manager works at the same customer.


def test_a_manager_at_another_customer_is_refused_and_the_chart_kept():
    boss = StakeholderFactory()
    elsewhere = StakeholderFactory()
    report = StakeholderFactory(account=boss.account, reports_to=boss)
    with refused("stakeholder_manager_same_account"), transaction.atomic():
        Stakeholder.objects.filter(pk=report.pk).update(reports_to=elsewhere)
    assert Stakeholder.objects.get(pk=report.pk).reports_to_id == boss.pk


def test_creating_a_stakeholder_under_another_customers_manager_is_refused():
    boss = StakeholderFactory()
    with refused("stakeholder_manager_same_account"), transaction.atomic():
        Stakeholder.objects.bulk_create(
            [Stakeholder(account=AccountFactory(), name="別会社の部下", reports_to=boss)]
        )


def test_moving_a_manager_away_from_their_reports_is_refused():
    boss = StakeholderFactory()
    StakeholderFactory(account=boss.account, reports_to=boss)
    other = AccountFactory()
    with refused("stakeholder_reports_stay_with_account"), transaction.atomic():
        Stakeholder.objects.filter(pk=boss.pk).update(account=other)
    assert Stakeholder.objects.get(pk=boss.pk).account_id != other.pk


def test_a_manager_at_the_same_customer_is_stored():
    boss = StakeholderFactory()
    report = StakeholderFactory(account=boss.account)
    Stakeholder.objects.filter(pk=report.pk).update(reports_to=boss)
    assert Stakeholder.objects.get(pk=report.pk).reports_to_id == boss.pk


# An engagement's stakeholder belongs to the plan's account.


def test_an_engagement_with_another_customers_stakeholder_is_refused():
    engagement = EngagementFactory()
    stranger = StakeholderFactory()
    with refused("engagement_stakeholder_of_plan_account"), transaction.atomic():
        StakeholderEngagement.objects.filter(pk=engagement.pk).update(stakeholder=stranger)
    assert StakeholderEngagement.objects.get(pk=engagement.pk).stakeholder_id != stranger.pk


def test_moving_an_engaged_stakeholder_or_plan_to_another_account_is_refused():
    engagement = EngagementFactory()
    other = AccountFactory()
    with refused("stakeholder_engagements_stay_with_account"), transaction.atomic():
        Stakeholder.objects.filter(pk=engagement.stakeholder_id).update(account=other)
    with refused("plan_engagements_stay_with_account"), transaction.atomic():
        AccountPlan.objects.filter(pk=engagement.plan_id).update(account=other)


# A KPI's or an action item's goal belongs to the same plan.


@pytest.mark.parametrize(
    ("factory", "model", "rule"),
    [(KPIFactory, KPI, "kpi_goal_same_plan"), (ActionFactory, ActionItem, "action_goal_same_plan")],
    ids=["kpi", "action"],
)
def test_a_goal_of_another_plan_is_refused(factory, model, rule):
    row = factory()
    own_goal = GoalFactory(plan=row.plan)
    model.objects.filter(pk=row.pk).update(goal=own_goal)
    foreign_goal = GoalFactory()
    with refused(rule), transaction.atomic():
        model.objects.filter(pk=row.pk).update(goal=foreign_goal)
    assert model.objects.get(pk=row.pk).goal_id == own_goal.pk


def test_moving_a_goal_away_from_its_kpis_is_refused():
    goal = GoalFactory(due_date=dt.date(2026, 9, 30))
    KPIFactory(plan=goal.plan, goal=goal)
    other = PlanFactory(account=goal.plan.account, status="draft")
    with refused("goal_keeps_kpis_and_actions"), transaction.atomic():
        Goal.objects.filter(pk=goal.pk).update(plan=other)


def test_deleting_a_goal_leaves_its_kpis_without_one():
    goal = GoalFactory()
    kpi = KPIFactory(plan=goal.plan, goal=goal)
    goal.delete()
    assert KPI.objects.get(pk=kpi.pk).goal_id is None


# A contract's successor is a contract of the same account.


def test_a_successor_at_another_account_is_refused():
    old = ContractFactory(status="renewed")
    elsewhere = ContractFactory()
    with refused("contract_successor_same_account"), transaction.atomic():
        Contract.objects.filter(pk=old.pk).update(successor=elsewhere)
    assert Contract.objects.get(pk=old.pk).successor_id is None


def test_moving_a_successor_to_another_account_is_refused():
    new = ContractFactory()
    old = ContractFactory(account=new.account, status="renewed", successor=new)
    with refused("contract_predecessor_same_account"), transaction.atomic():
        Contract.objects.filter(pk=new.pk).update(account=AccountFactory())
    assert Contract.objects.get(pk=old.pk).successor_id == new.pk
