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


# Two writes at once cannot slip past each other's check (PostgreSQL: the pointed-at row
# is read FOR SHARE, so moving it waits for the transaction that points at it).


@pytest.mark.django_db(transaction=True)
def test_moving_a_goal_while_a_kpi_is_being_linked_to_it_is_refused():
    import threading

    from django.db import connection

    goal = GoalFactory(due_date=dt.date(2026, 9, 30))
    other = PlanFactory(account=goal.plan.account, status="draft")
    linked, outcome = threading.Event(), {}

    def link_kpi():
        try:
            with transaction.atomic():
                KPIFactory(plan=goal.plan, goal=goal)
                linked.set()
                connection.cursor().execute("SELECT pg_sleep(0.5)")
        finally:
            linked.set()
            connection.close()

    def move_goal():
        try:
            linked.wait(5)
            with transaction.atomic():
                Goal.objects.filter(pk=goal.pk).update(plan=other)
            outcome["moved"] = True
        except IntegrityError as exc:
            outcome["refused"] = str(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=link_kpi), threading.Thread(target=move_goal)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert "goal_keeps_kpis_and_actions" in outcome.get("refused", ""), outcome
    assert Goal.objects.get(pk=goal.pk).plan_id == goal.plan_id


def test_the_migration_names_rows_that_already_break_a_rule():
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    rules = importlib.import_module("kam.core.migrations.0006_cross_row_rules")
    kpi = KPIFactory()
    foreign_goal = GoalFactory()
    with connection.cursor() as cursor:  # as data written before the rules existed
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle the deferred FK checks
        cursor.execute("ALTER TABLE plans_kpi DISABLE TRIGGER kpi_goal_same_plan")
        KPI.objects.filter(pk=kpi.pk).update(goal=foreign_goal)
        cursor.execute("ALTER TABLE plans_kpi ENABLE TRIGGER kpi_goal_same_plan")

    found = rules._existing_violations(SimpleNamespace(connection=connection))
    assert found == [f"kpi_goal_same_plan: plans_kpi id {kpi.pk}"]
    with pytest.raises(RuntimeError, match=f"plans_kpi id {kpi.pk}"):
        rules.check_existing_rows(None, SimpleNamespace(connection=connection))


# The same rules explained in forms (admin included), before the database has to refuse.


def _clean_errors(obj) -> dict:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


def test_forms_explain_moving_a_manager_away_from_their_reports():
    boss = StakeholderFactory()
    StakeholderFactory(account=boss.account, reports_to=boss)
    boss.account = AccountFactory()
    assert "account" in _clean_errors(boss)


def test_forms_explain_moving_an_engaged_plan():
    engagement = EngagementFactory()
    plan = engagement.plan
    plan.account = AccountFactory()
    assert "account" in _clean_errors(plan)


def test_forms_explain_moving_a_goal_away_from_its_kpis():
    goal = GoalFactory(due_date=dt.date(2026, 9, 30))
    KPIFactory(plan=goal.plan, goal=goal)
    goal.plan = PlanFactory(account=goal.plan.account, status="draft")
    assert "plan" in _clean_errors(goal)


def test_forms_explain_a_successor_or_a_move_across_accounts():
    old = ContractFactory(status="renewed")
    old.successor = ContractFactory()
    assert "successor" in _clean_errors(old)

    new = ContractFactory()
    ContractFactory(account=new.account, status="renewed", successor=new)
    new.account = AccountFactory()
    assert "account" in _clean_errors(new)


def test_admin_shows_a_refused_move_beside_the_field(admin_client):
    from django.urls import reverse

    goal = GoalFactory(due_date=dt.date(2026, 9, 30))
    KPIFactory(plan=goal.plan, goal=goal)
    other = PlanFactory(account=goal.plan.account, status="draft")
    url = reverse("admin:plans_goal_change", args=[goal.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"plan": other.pk, "due_date": "2026-09-30"})
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, not a server error
    assert "plan" in response.context["adminform"].form.errors
    assert Goal.objects.get(pk=goal.pk).plan_id == goal.plan_id
