"""Bad input on the plan forms: a clear message where it was entered, and nothing lost."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, translation

from plans.models import AccountPlan, CustomerNeed, Goal, PlanReview
from plans.services import fiscal_year_bounds
from tests.factories import GoalFactory, NeedFactory, PlanFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def fixed_today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def login(client, user):
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


@pytest.fixture
def plan(account, owner):
    return PlanFactory(account=account, owner=owner, title="FY2026 plan")


@pytest.fixture
def need(plan):
    return NeedFactory(plan=plan, title="Cut inventory cost")


@pytest.fixture
def goal(plan, need):
    return GoalFactory(plan=plan, need=need, statement="Grow orders to 120M")


def goal_data(served, **changes):
    data = {
        "statement": "Win the Osaka plant",
        "category": "revenue",
        "metric": "Annual orders",
        "unit": "JPY",
        "baseline": "0",
        "target": "50000000",
        "current_value": "",
        "achievable_because": "Pilot went well",
        "need": served.pk,
        "due_date": "2027-01-31",
        "status": "not_started",
    }
    data.update(changes)
    return data


def field_error(body: str, text: str) -> bool:
    return f'<div class="field-error" role="alert">{text}' in body


# SMART goals


def test_goal_without_target_is_refused_beside_the_target(client, plan, need, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:goal_create", args=[plan.pk]), goal_data(need, target=""), **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert field_error(body, "A SMART goal needs a measurable target.")
    assert 'value="Win the Osaka plant"' in body  # the user's input is kept
    assert "<html" not in body
    assert "HX-Trigger" not in response
    assert not Goal.objects.exists()


def test_goal_without_metric_is_refused(client, plan, need, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:goal_create", args=[plan.pk]), goal_data(need, metric=""), **HTMX
    )
    body = response.content.decode()
    assert field_error(body, "Say what will be measured, e.g. annual order value.")
    assert not Goal.objects.exists()


def test_goal_due_outside_the_period_names_the_period(client, plan, need, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:goal_create", args=[plan.pk]),
        goal_data(need, due_date="2027-06-30"),
        **HTMX,
    )
    body = response.content.decode()
    with translation.override("en"):
        start = formats.date_format(plan.period_start, "SHORT_DATE_FORMAT")
        end = formats.date_format(plan.period_end, "SHORT_DATE_FORMAT")
    assert field_error(body, f"The due date must fall inside the plan period ({start} to {end}).")
    assert 'value="2027-06-30"' in body
    assert not Goal.objects.exists()


def test_goal_target_equal_to_baseline_is_refused(client, plan, need, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:goal_create", args=[plan.pk]),
        goal_data(need, baseline="100", target="100"),
        **HTMX,
    )
    assert field_error(response.content.decode(), "The target must differ from the baseline.")
    assert not Goal.objects.exists()


def test_goal_cannot_serve_another_plans_need(client, plan, need, owner):
    foreign = NeedFactory(plan=PlanFactory(account=plan.account, status="draft"))
    login(client, owner)
    response = client.post(
        reverse("plans:goal_create", args=[plan.pk]), goal_data(need, need=foreign.pk), **HTMX
    )
    assert 'class="field-error"' in response.content.decode()
    assert not Goal.objects.exists()


def test_bad_edit_leaves_the_existing_goal_unchanged(client, goal, need, member):
    before = Goal.objects.values().get(pk=goal.pk)
    login(client, member)
    for changes, message in (
        ({"target": ""}, "A SMART goal needs a measurable target."),
        ({"metric": ""}, "Say what will be measured, e.g. annual order value."),
        ({"due_date": "2025-12-31"}, "The due date must fall inside the plan period"),
    ):
        data = goal_data(need, statement="Changed statement", **changes)
        response = client.post(reverse("plans:goal_edit", args=[goal.pk]), data, **HTMX)
        assert response.status_code == 200
        body = response.content.decode()
        assert field_error(body, message)
        assert 'value="Changed statement"' in body
        assert Goal.objects.values().get(pk=goal.pk) == before


def test_service_refuses_a_goal_outside_the_period_too(plan):
    from django.core.exceptions import ValidationError

    from plans.services import goal_create

    with pytest.raises(ValidationError) as exc:
        goal_create(
            plan=plan,
            user=plan.owner,
            data={
                "statement": "x",
                "metric": "m",
                "target": Decimal("10"),
                "achievable_because": "y",
                "due_date": dt.date(2030, 1, 1),
            },
        )
    assert "due_date" in exc.value.message_dict
    assert not Goal.objects.exists()


def test_smart_form_without_htmx_is_a_page_that_keeps_errors(client, plan, need, owner):
    login(client, owner)
    response = client.post(reverse("plans:goal_create", args=[plan.pk]), goal_data(need, target=""))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body
    assert field_error(body, "A SMART goal needs a measurable target.")
    assert "hx-post" not in body.split('data-testid="goal-form"')[1].split("</form>")[0]


# Customer needs


def test_need_with_blank_title_is_refused(client, plan, need, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:need_create", args=[plan.pk]),
        {
            "kind": "problem",
            "title": "  ",
            "description": "Heard at the plant visit",
            "source": "interview",
            "priority": 1,
            "status": "open",
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert field_error(body, "Say in a few words what the customer needs.")
    assert "Heard at the plant visit" in body
    assert list(CustomerNeed.objects.filter(plan=plan)) == [need]


def test_bad_need_edit_keeps_the_saved_need(client, need, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:need_edit", args=[need.pk]),
        {"kind": "problem", "title": "", "source": "interview", "priority": 9, "status": "open"},
        **HTMX,
    )
    body = response.content.decode()
    assert field_error(body, "Say in a few words what the customer needs.")
    assert 'class="field-error"' in body.split('name="priority"')[1]
    need.refresh_from_db()
    assert need.title == "Cut inventory cost"


# Creating a plan


def test_new_plan_defaults_to_the_current_fiscal_year(client, account, owner, settings):
    settings.FISCAL_YEAR_START_MONTH = 4
    login(client, owner)
    body = client.get(reverse("plans:create") + f"?account={account.pk}").content.decode()
    assert 'value="2026-04-01"' in body
    assert 'value="2027-03-31"' in body
    # Quarterly by default: the first review three months from today.
    assert 'value="2027-02-20"' in body


def test_fiscal_year_follows_the_start_month():
    assert fiscal_year_bounds(day=dt.date(2026, 2, 10), start_month=4) == (
        dt.date(2025, 4, 1),
        dt.date(2026, 3, 31),
    )
    assert fiscal_year_bounds(day=dt.date(2026, 2, 10), start_month=1) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )


def test_create_a_plan(client, account, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:create") + f"?account={account.pk}",
        {
            "title": "FY2026 plan",
            "period_start": "2026-04-01",
            "period_end": "2027-03-31",
            "status": "draft",
            "owner": owner.pk,
            "review_cadence_months": 1,
            "next_review_date": "",
        },
        **HTMX,
    )
    plan = AccountPlan.objects.get(account=account)
    assert response["HX-Redirect"] == reverse("plans:detail", args=[plan.pk])
    # Without a date the first review is one cadence away.
    assert plan.next_review_date == dt.date(2026, 12, 20)


def test_second_active_plan_is_refused_on_the_status_field(client, plan, account, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:create") + f"?account={account.pk}",
        {
            "title": "Another active plan",
            "period_start": "2026-04-01",
            "period_end": "2027-03-31",
            "status": "active",
            "owner": owner.pk,
            "review_cadence_months": 3,
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    status_field = body.split('name="status"')[1].split('name="owner"')[0]
    assert "This account already has an active plan" in status_field
    assert 'value="Another active plan"' in body
    assert list(AccountPlan.objects.filter(account=account)) == [plan]


def test_plan_period_must_end_after_it_starts(client, account, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:create") + f"?account={account.pk}",
        {
            "title": "Backwards",
            "period_start": "2027-03-31",
            "period_end": "2026-04-01",
            "status": "draft",
            "owner": owner.pk,
            "review_cadence_months": 3,
        },
        **HTMX,
    )
    assert field_error(response.content.decode(), "The period must end after it starts.")
    assert not AccountPlan.objects.exists()


def test_plan_owner_must_be_able_to_see_the_account(client, account, owner, outsider):
    login(client, owner)
    response = client.post(
        reverse("plans:create") + f"?account={account.pk}",
        {
            "title": "Plan",
            "period_start": "2026-04-01",
            "period_end": "2027-03-31",
            "status": "draft",
            "owner": outsider.pk,
            "review_cadence_months": 3,
        },
        **HTMX,
    )
    assert 'class="field-error"' in response.content.decode().split('name="owner"')[1]
    assert not AccountPlan.objects.exists()


# Editing a plan's basics


def test_shrinking_the_period_past_a_goal_is_refused(client, plan, goal, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:edit", args=[plan.pk]),
        {
            "title": plan.title,
            "period_start": "2026-04-01",
            "period_end": "2026-12-31",
            "owner": owner.pk,
            "review_cadence_months": 3,
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "1 goal is due outside" in response.content.decode()
    plan.refresh_from_db()
    assert plan.period_end == dt.date(2027, 3, 31)


def test_edit_basics_swaps_the_header_back(client, plan, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:edit", args=[plan.pk]),
        {
            "title": "Renamed plan",
            "period_start": "2026-04-01",
            "period_end": "2027-03-31",
            "owner": owner.pk,
            "review_cadence_months": 6,
            "next_review_date": "2027-01-15",
        },
        **HTMX,
    )
    body = response.content.decode()
    assert 'data-testid="plan-overview"' in body
    assert "Renamed plan" in body
    plan.refresh_from_db()
    assert (plan.title, plan.review_cadence_months) == ("Renamed plan", 6)


# Reviews


def test_review_form_keeps_earlier_reviews(client, plan, owner):
    PlanReview.objects.create(
        plan=plan, reviewed_on=dt.date(2026, 8, 1), reviewer=owner, notes="First look"
    )
    login(client, owner)
    client.post(reverse("plans:review", args=[plan.pk]), {"notes": "Second"}, **HTMX)
    assert list(plan.reviews.order_by("reviewed_on").values_list("notes", flat=True)) == [
        "First look",
        "Second",
    ]
