"""The plans list, the plan page and its sections, the print view and my action items."""

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plans.models import AccountPlan, CustomerNeed, Goal, PlanReview
from plans.selectors import plan_traceability
from tests.factories import (
    AccountFactory,
    ActionFactory,
    CompetitorFactory,
    EngagementFactory,
    GoalFactory,
    KPIFactory,
    NeedFactory,
    PlanFactory,
    ReviewFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def fixed_today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def login(client, user):
    # English pages, so that the assertions read the English source strings.
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


@pytest.fixture
def plan(account, owner):
    return PlanFactory(account=account, owner=owner, title="FY2026 plan for Sample")


@pytest.fixture
def need(plan):
    return NeedFactory(plan=plan, title="Cut inventory cost")


@pytest.fixture
def goal(plan, need):
    return GoalFactory(plan=plan, need=need, statement="Grow orders to 120M")


# Every page and partial that reads a plan or something under it, by a GET.
GET_URLS = {
    "detail": lambda o: reverse("plans:detail", args=[o["plan"].pk]),
    "print": lambda o: reverse("plans:print", args=[o["plan"].pk]),
    "overview": lambda o: reverse("plans:overview", args=[o["plan"].pk]),
    "edit": lambda o: reverse("plans:edit", args=[o["plan"].pk]),
    "review": lambda o: reverse("plans:review", args=[o["plan"].pk]),
    "value": lambda o: reverse("plans:value", args=[o["plan"].pk]),
    "value_edit": lambda o: reverse("plans:value_edit", args=[o["plan"].pk]),
    "profile": lambda o: reverse("plans:profile", args=[o["plan"].pk]),
    "profile_edit": lambda o: reverse("plans:profile_edit", args=[o["plan"].pk]),
    "needs": lambda o: reverse("plans:needs", args=[o["plan"].pk]),
    "need_create": lambda o: reverse("plans:need_create", args=[o["plan"].pk]),
    "need_row": lambda o: reverse("plans:need_row", args=[o["need"].pk]),
    "need_edit": lambda o: reverse("plans:need_edit", args=[o["need"].pk]),
    "goals": lambda o: reverse("plans:goals", args=[o["plan"].pk]),
    "goal_create": lambda o: reverse("plans:goal_create", args=[o["plan"].pk]),
    "goal_row": lambda o: reverse("plans:goal_row", args=[o["goal"].pk]),
    "goal_edit": lambda o: reverse("plans:goal_edit", args=[o["goal"].pk]),
    "traceability": lambda o: reverse("plans:traceability", args=[o["plan"].pk]),
    "create": lambda o: reverse("plans:create") + f"?account={o['plan'].account_id}",
}
# Whole pages by nature: the plan page itself and the print document.
PAGES_ONLY = {"detail", "print"}
POST_URLS = {
    "status": (lambda o: reverse("plans:status", args=[o["plan"].pk]), {"status": "archived"}),
    "need_delete": (lambda o: reverse("plans:need_delete", args=[o["need"].pk]), {}),
    "goal_delete": (lambda o: reverse("plans:goal_delete", args=[o["goal"].pk]), {}),
    "need_create": (
        lambda o: reverse("plans:need_create", args=[o["plan"].pk]),
        {"kind": "problem", "title": "x", "source": "interview", "priority": 2, "status": "open"},
    ),
}


@pytest.fixture
def objects(plan, need, goal):
    return {"plan": plan, "need": need, "goal": goal}


@pytest.mark.parametrize("name", sorted(GET_URLS))
def test_anonymous_is_sent_to_login(client, objects, name):
    response = client.get(GET_URLS[name](objects))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(GET_URLS))
@pytest.mark.parametrize("persona", ["owner", "member", "manager", "admin_user"])
def test_people_who_may_see_the_plan_get_the_page(client, objects, request, name, persona):
    login(client, request.getfixturevalue(persona))
    response = client.get(GET_URLS[name](objects))
    assert response.status_code == 200
    assert "<html" in response.content.decode()


@pytest.mark.parametrize("name", sorted(GET_URLS))
def test_outsider_gets_404(client, objects, outsider, name):
    login(client, outsider)
    assert client.get(GET_URLS[name](objects)).status_code == 404
    assert client.get(GET_URLS[name](objects), **HTMX).status_code == 404


@pytest.mark.parametrize("name", sorted(set(GET_URLS) - PAGES_ONLY))
def test_htmx_gets_only_the_fragment(client, objects, member, name):
    login(client, member)
    response = client.get(GET_URLS[name](objects), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert body.strip()


@pytest.mark.parametrize("name", sorted(POST_URLS))
def test_outsider_cannot_write(client, objects, outsider, name):
    url, data = POST_URLS[name]
    login(client, outsider)
    assert client.post(url(objects), data, **HTMX).status_code == 404
    assert AccountPlan.objects.get(pk=objects["plan"].pk).status == "active"
    assert CustomerNeed.objects.filter(plan=objects["plan"]).count() == 1
    assert Goal.objects.filter(pk=objects["goal"].pk).exists()


@pytest.mark.parametrize("name", sorted(POST_URLS))
def test_anonymous_cannot_write(client, objects, name):
    url, data = POST_URLS[name]
    response = client.post(url(objects), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert CustomerNeed.objects.filter(plan=objects["plan"]).count() == 1


def test_create_for_an_invisible_account_is_404(client, outsider, account):
    login(client, outsider)
    response = client.get(reverse("plans:create") + f"?account={account.pk}")
    assert response.status_code == 404
    response = client.post(
        reverse("plans:create") + f"?account={account.pk}",
        {"title": "x", "period_start": "2026-04-01", "period_end": "2027-03-31"},
    )
    assert response.status_code == 404
    assert not AccountPlan.objects.exists()


# Plans list


def test_plans_list_shows_visible_plans_only(client, plan, member, outsider):
    other = PlanFactory(title="Someone else's plan")
    login(client, member)
    body = client.get(reverse("plans:list")).content.decode()
    assert plan.title in body
    assert other.title not in body
    login(client, outsider)
    body = client.get(reverse("plans:list")).content.decode()
    assert plan.title not in body
    assert other.title not in body


def test_plans_list_for_anonymous_redirects(client):
    response = client.get(reverse("plans:list"))
    assert response.status_code == 302


def test_plans_list_htmx_gets_the_table_only(client, plan, owner):
    login(client, owner)
    page = client.get(reverse("plans:list")).content.decode()
    assert "<html" in page
    fragment = client.get(reverse("plans:list"), **HTMX).content.decode()
    assert "<html" not in fragment
    assert 'id="plans-table"' in fragment
    assert plan.title in fragment


def test_plans_list_filters_and_search(client, manager, owner, member):
    a = AccountFactory(owner=owner, name="Alpha Industries", name_kana="アルファ")
    b = AccountFactory(owner=member, name="Beta Foods", name_kana="ベータ")
    pa = PlanFactory(account=a, owner=owner, title="Alpha plan", status="active")
    pb = PlanFactory(account=b, owner=member, title="Beta plan", status="draft")
    login(client, manager)

    def titles(**params):
        body = client.get(reverse("plans:list"), params, **HTMX).content.decode()
        return {p.title for p in (pa, pb) if p.title in body}

    assert titles() == {"Alpha plan", "Beta plan"}
    assert titles(status="draft") == {"Beta plan"}
    assert titles(owner=str(owner.pk)) == {"Alpha plan"}
    assert titles(q="アルフ") == {"Alpha plan"}
    assert titles(q="beta") == {"Beta plan"}


def test_plans_list_marks_an_overdue_review(client, owner, account):
    PlanFactory(account=account, owner=owner, next_review_date=TODAY - dt.timedelta(days=3))
    login(client, owner)
    body = client.get(reverse("plans:list")).content.decode()
    assert 'data-testid="review-overdue"' in body


def test_plans_list_paginates(client, manager):
    PlanFactory.create_batch(30, status="draft")
    login(client, manager)
    first = client.get(reverse("plans:list")).content.decode()
    assert first.count('data-testid="plan-row"') == 25
    second = client.get(reverse("plans:list"), {"page": 2}, **HTMX).content.decode()
    assert second.count('data-testid="plan-row"') == 5


def _queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_plans_list_queries_do_not_grow_with_rows(client, manager):
    for _ in range(2):
        PlanFactory(status="draft")
    login(client, manager)
    few = _queries(client, reverse("plans:list"))
    for _ in range(18):
        PlanFactory(status="draft")
    many = _queries(client, reverse("plans:list"))
    assert AccountPlan.objects.count() == 20
    assert few == many


# The plan page


def test_plan_page_shows_header_and_sections(client, plan, need, goal, owner):
    ReviewFactory(plan=plan, notes="Quarterly check")
    login(client, owner)
    body = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert plan.title in body
    assert plan.account.name in body
    for section in ("overview", "value", "profile", "needs", "goals", "traceability"):
        assert f'id="{section}"' in body
    assert 'data-testid="goal-row"' in body
    assert f'id="goal-{goal.pk}"' in body
    assert need.title in body
    assert "Quarterly check" in body
    assert 'hx-trigger="plan-changed from:body"' in body


def test_plan_page_sections_come_in_order(client, plan, owner):
    login(client, owner)
    body = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    positions = [
        body.index(f'<section id="{name}"')
        for name in ("overview", "value", "profile", "needs", "goals", "traceability")
    ]
    assert positions == sorted(positions)


def test_plan_page_queries_do_not_grow_with_rows(client, owner, account):
    plan = PlanFactory(account=account, owner=owner)

    def grow(n):
        for i in range(n):
            need = NeedFactory(plan=plan, title=f"Need {i}")
            goal = GoalFactory(plan=plan, need=need, statement=f"Goal {i}")
            KPIFactory(plan=plan, goal=goal)
            ActionFactory(plan=plan, goal=goal)
            ReviewFactory(plan=plan, reviewed_on=dt.date(2026, 4, 1) + dt.timedelta(days=i))

    login(client, owner)
    grow(2)
    url = reverse("plans:detail", args=[plan.pk])
    few = _queries(client, url)
    few_trace = _queries(client, reverse("plans:traceability", args=[plan.pk]), **HTMX)
    few_print = _queries(client, reverse("plans:print", args=[plan.pk]))
    grow(18)
    assert plan.goals.count() == 20
    assert _queries(client, url) == few
    assert _queries(client, reverse("plans:traceability", args=[plan.pk]), **HTMX) == few_trace
    assert _queries(client, reverse("plans:print", args=[plan.pk])) == few_print


def test_status_changes_in_place(client, plan, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:status", args=[plan.pk]), {"status": "under_review"}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="overview"' in body
    assert "Under review" in body
    assert "plan-changed" in json.loads(response["HX-Trigger"])
    plan.refresh_from_db()
    assert plan.status == "under_review"


def test_archiving_is_a_managers_act(client, plan, owner, manager):
    login(client, owner)
    response = client.post(reverse("plans:status", args=[plan.pk]), {"status": "archived"}, **HTMX)
    assert response.status_code == 403
    assert "Only a manager" in json.loads(response["HX-Trigger"])["kam:message"]["text"]
    plan.refresh_from_db()
    assert plan.status == "active"
    login(client, manager)
    response = client.post(reverse("plans:status", args=[plan.pk]), {"status": "archived"}, **HTMX)
    assert response.status_code == 200
    assert "Archived" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == "archived"


def test_status_change_without_htmx_redirects_to_the_plan(client, plan, owner):
    login(client, owner)
    response = client.post(reverse("plans:status", args=[plan.pk]), {"status": "under_review"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("plans:detail", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == "under_review"


def test_second_active_plan_refused_on_status_change(client, plan, owner, account):
    draft = PlanFactory(account=account, owner=owner, status="draft", title="Next year")
    login(client, owner)
    response = client.post(reverse("plans:status", args=[draft.pk]), {"status": "active"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "This account already has an active plan" in body
    assert 'data-testid="status-error"' in body
    draft.refresh_from_db()
    assert draft.status == "draft"
    plan.refresh_from_db()
    assert plan.status == "active"


def test_mark_reviewed_records_a_review_and_moves_the_next_review(client, plan, owner):
    plan.review_cadence_months = 3
    plan.save()
    login(client, owner)
    form = client.get(reverse("plans:review", args=[plan.pk]), **HTMX).content.decode()
    assert 'name="notes"' in form
    response = client.post(
        reverse("plans:review", args=[plan.pk]),
        {"notes": "Orders up", "decisions": "Add a QBR"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#overview"
    assert "plan-changed" in json.loads(response["HX-Trigger"])
    plan.refresh_from_db()
    assert plan.last_reviewed_on == TODAY
    assert plan.next_review_date == dt.date(2027, 2, 20)
    review = PlanReview.objects.get(plan=plan)
    assert (review.notes, review.decisions, review.reviewer) == ("Orders up", "Add a QBR", owner)
    body = response.content.decode()
    assert "Orders up" in body
    assert "Add a QBR" in body


def test_value_proposition_edit_swaps_back_to_the_read_view(client, plan, member):
    login(client, member)
    form = client.get(reverse("plans:value_edit", args=[plan.pk]), **HTMX).content.decode()
    assert 'name="value_who"' in form
    response = client.post(
        reverse("plans:value_edit", args=[plan.pk]),
        {
            "value_who": "Logistics division",
            "value_what": "Lower stock",
            "value_when": "By Q3",
            "value_how": "Managed service",
        },
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="value_who"' not in body
    assert "Logistics division" in body
    assert "plan-changed" in json.loads(response["HX-Trigger"])
    plan.refresh_from_db()
    assert plan.value_how == "Managed service"


def test_customer_profile_edit(client, plan, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:profile_edit", args=[plan.pk]),
        {"profile_organisation": "Three divisions", "profile_decision_process": "Board"},
        **HTMX,
    )
    assert "Three divisions" in response.content.decode()
    plan.refresh_from_db()
    assert plan.profile_decision_process == "Board"
    assert plan.profile_culture == ""


def test_add_edit_and_delete_a_need(client, plan, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:need_create", args=[plan.pk]),
        {
            "kind": "goal",
            "title": "Enter the EU market",
            "description": "From the mid-term plan",
            "root_cause": "Saturated home market",
            "source": "ir",
            "priority": 1,
            "status": "open",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#needs"
    assert "plan-changed" in json.loads(response["HX-Trigger"])
    need = CustomerNeed.objects.get(plan=plan)
    assert need.root_cause == "Saturated home market"
    assert "Enter the EU market" in response.content.decode()

    response = client.post(
        reverse("plans:need_edit", args=[need.pk]),
        {"kind": "goal", "title": "Enter the EU", "source": "ir", "priority": 2, "status": "open"},
        **HTMX,
    )
    body = response.content.decode()
    assert f'id="need-{need.pk}"' in body
    assert 'hx-swap-oob="true"' in body  # the goals section names the need too
    need.refresh_from_db()
    assert need.title == "Enter the EU"

    response = client.post(reverse("plans:need_delete", args=[need.pk]), **HTMX)
    assert response.status_code == 200
    assert not CustomerNeed.objects.filter(pk=need.pk).exists()


def test_delete_buttons_ask_for_confirmation(client, plan, need, goal, owner):
    login(client, owner)
    body = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert body.count("hx-confirm=") == 2
    assert "Delete the need" in body
    assert "Delete the goal" in body


def test_add_a_smart_goal(client, plan, need, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:goal_create", args=[plan.pk]),
        {
            "statement": "Win the Osaka plant",
            "category": "revenue",
            "metric": "Annual orders",
            "unit": "JPY",
            "baseline": "0",
            "target": "50000000",
            "current_value": "10000000",
            "achievable_because": "Pilot went well",
            "need": need.pk,
            "due_date": "2027-01-31",
            "status": "on_track",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "plan-changed" in json.loads(response["HX-Trigger"])
    goal = Goal.objects.get(plan=plan)
    assert goal.progress == pytest.approx(0.2)
    body = response.content.decode()
    assert f'id="goal-{goal.pk}"' in body
    assert "20%" in body


def test_edit_a_goal_updates_the_row(client, goal, member):
    login(client, member)
    data = {
        "statement": goal.statement,
        "category": goal.category,
        "metric": goal.metric,
        "unit": goal.unit,
        "baseline": "100000000",
        "target": "120000000",
        "current_value": "110000000",
        "achievable_because": goal.achievable_because,
        "need": goal.need_id,
        "due_date": "2027-03-31",
        "status": "on_track",
    }
    response = client.post(reverse("plans:goal_edit", args=[goal.pk]), data, **HTMX)
    body = response.content.decode()
    assert f'id="goal-{goal.pk}"' in body
    assert 'data-testid="goal-row"' in body
    assert "50%" in body
    goal.refresh_from_db()
    assert goal.status == "on_track"


def test_delete_a_goal(client, plan, goal, owner):
    login(client, owner)
    response = client.post(reverse("plans:goal_delete", args=[goal.pk]), **HTMX)
    assert response.status_code == 200
    assert "plan-changed" in json.loads(response["HX-Trigger"])
    assert not Goal.objects.filter(pk=goal.pk).exists()


def test_goal_need_choices_are_this_plans_needs(client, plan, need, owner):
    foreign = NeedFactory(title="Someone else's need")
    login(client, owner)
    body = client.get(reverse("plans:goal_create", args=[plan.pk]), **HTMX).content.decode()
    assert need.title in body
    assert foreign.title not in body
    for letter in "SMART":
        assert f'data-smart="{letter}"' in body


def test_plain_post_of_a_need_goes_back_to_the_plan(client, plan, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:need_create", args=[plan.pk]),
        {
            "kind": "problem",
            "title": "Slow approvals",
            "source": "meeting",
            "priority": 3,
            "status": "open",
        },
    )
    assert response.status_code == 302
    need = CustomerNeed.objects.get(plan=plan)
    assert response["Location"].endswith(f"#need-{need.pk}")


# Traceability


def test_traceability_flags_each_kind_of_gap(client, plan, owner):
    unserved = NeedFactory(plan=plan, title="Unserved need")
    served = NeedFactory(plan=plan, title="Served need")
    no_kpi = GoalFactory(plan=plan, need=served, statement="Goal without KPI")
    ActionFactory(plan=plan, goal=no_kpi)
    no_action = GoalFactory(plan=plan, need=served, statement="Goal without action")
    KPIFactory(plan=plan, goal=no_action)

    trace = plan_traceability(plan)
    assert trace.unserved_needs == 1
    assert [n.need for n in trace.needs if n.unserved] == [unserved]
    assert trace.goals_without_kpi == 1
    assert trace.goals_without_action == 1
    assert trace.goals_without_need == 0
    assert trace.gaps == 3

    login(client, owner)
    body = client.get(reverse("plans:traceability", args=[plan.pk]), **HTMX).content.decode()
    assert "3 gaps" in body
    assert body.count('data-testid="flag-need-unserved"') == 1
    assert body.count('data-testid="flag-goal-no-kpi"') == 1
    assert body.count('data-testid="flag-goal-no-action"') == 1


def test_goal_serving_no_need_is_a_gap(plan):
    goal = GoalFactory(plan=plan, need=None)
    KPIFactory(plan=plan, goal=goal)
    ActionFactory(plan=plan, goal=goal)
    trace = plan_traceability(plan)
    assert trace.goals_without_need == 1
    assert trace.gaps == 1


def test_fully_traced_plan_has_no_gaps(client, plan, owner):
    need = NeedFactory(plan=plan)
    goal = GoalFactory(plan=plan, need=need)
    kpi = KPIFactory(plan=plan, goal=goal, target=Decimal("100"))
    ActionFactory(plan=plan, goal=goal, status="in_progress", title="Book the executive meeting")
    from plans.services import kpi_measurement_record

    kpi_measurement_record(kpi=kpi, measured_on=dt.date(2026, 10, 1), value=Decimal("80"))
    trace = plan_traceability(plan)
    assert trace.gaps == 0
    login(client, owner)
    body = client.get(reverse("plans:traceability", args=[plan.pk]), **HTMX).content.decode()
    assert "Fully traced" in body
    assert "flag-" not in body
    assert "80%" in body  # the KPI's attainment
    assert "Book the executive meeting" in body


# Containers for the sections other pages serve


def test_lazy_sections_only_appear_once_their_urls_exist(client, plan, owner):
    from django.urls import NoReverseMatch

    login(client, owner)
    body = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    for section_id, name in (
        ("kpis", "plans:kpis"),
        ("competitors", "plans:competitors"),
        ("actions", "plans:action_plan"),
        ("engagements", "stakeholders:engagements"),
    ):
        try:
            url = reverse(name, args=[plan.pk])
        except NoReverseMatch:
            assert f'<section id="{section_id}"' not in body
        else:
            assert f'hx-get="{url}"' in body


# Print view


def test_print_view_renders_every_section_server_side(client, plan, goal, owner):
    kpi = KPIFactory(plan=plan, goal=goal, name="Order value")
    from plans.services import kpi_measurement_record

    kpi_measurement_record(kpi=kpi, measured_on=dt.date(2026, 9, 30), value=Decimal("50"))
    CompetitorFactory(plan=plan, competitor="Rival Corp", win_strategy="Faster support")
    engagement = EngagementFactory(plan=plan, approach="Monthly lunch")
    ActionFactory(plan=plan, goal=goal, title="Plan the QBR", phase=3)
    login(client, owner)
    response = client.get(reverse("plans:print", args=[plan.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="topbar"' not in body
    assert "hx-get" not in body
    for text in (
        goal.statement,
        "Order value",
        "50%",
        "Rival Corp",
        "Faster support",
        engagement.stakeholder.name,
        "Monthly lunch",
        "Plan the QBR",
        "3. Proposal",
    ):
        assert text in body, text


# My action items across plans


def test_my_actions_lists_own_items_on_visible_plans(client, plan, owner, member):
    mine = ActionFactory(plan=plan, owner=owner, title="Mine", due_date=TODAY)
    ActionFactory(plan=plan, owner=member, title="Colleague's")
    login(client, owner)
    body = client.get(reverse("plans:actions")).content.decode()
    assert "<html" in body
    assert "Mine" in body
    assert "Colleague's" not in body
    assert f"{reverse('plans:detail', args=[plan.pk])}#action-{mine.pk}" in body


def test_my_actions_hides_items_on_plans_no_longer_visible(client, owner):
    elsewhere = PlanFactory()
    ActionFactory(plan=elsewhere, owner=owner, title="Left behind")
    login(client, owner)
    assert "Left behind" not in client.get(reverse("plans:actions")).content.decode()


def test_my_actions_filters_by_status_and_due(client, plan, owner):
    ActionFactory(plan=plan, owner=owner, title="Late one", due_date=TODAY - dt.timedelta(days=2))
    ActionFactory(plan=plan, owner=owner, title="This week one", due_date=TODAY + dt.timedelta(1))
    ActionFactory(plan=plan, owner=owner, title="Later one", due_date=TODAY + dt.timedelta(40))
    ActionFactory(
        plan=plan,
        owner=owner,
        title="Finished one",
        status="done",
        completed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    login(client, owner)

    def titles(**params):
        body = client.get(reverse("plans:actions"), params, **HTMX).content.decode()
        assert "<html" not in body
        names = ("Late one", "This week one", "Later one", "Finished one")
        return {t for t in names if t in body}

    assert titles() == {"Late one", "This week one", "Later one"}
    assert titles(due="overdue") == {"Late one"}
    assert titles(due="week") == {"This week one"}
    assert titles(status="done") == {"Finished one"}
    assert titles(status="all") == {"Late one", "This week one", "Later one", "Finished one"}


def test_my_actions_marks_overdue(client, plan, owner):
    ActionFactory(plan=plan, owner=owner, due_date=TODAY - dt.timedelta(days=1))
    login(client, owner)
    assert 'data-testid="action-overdue"' in client.get(reverse("plans:actions")).content.decode()


def test_my_actions_anonymous_redirects(client):
    assert client.get(reverse("plans:actions")).status_code == 302


def test_my_actions_queries_do_not_grow_with_rows(client, owner, account):
    plans = [PlanFactory(account=account, owner=owner, status="draft") for _ in range(2)]
    for p in plans:
        ActionFactory(plan=p, owner=owner, goal=GoalFactory(plan=p))
    login(client, owner)
    few = _queries(client, reverse("plans:actions"))
    for _ in range(18):
        p = PlanFactory(account=AccountFactory(owner=owner), owner=owner)
        ActionFactory(plan=p, owner=owner, goal=GoalFactory(plan=p))
    assert _queries(client, reverse("plans:actions")) == few


def test_new_plan_without_account_offers_visible_accounts(client, account, owner):
    hidden = AccountFactory(owner=UserFactory(), name="Hidden Co")
    login(client, owner)
    body = client.get(reverse("plans:create")).content.decode()
    assert account.name in body
    assert hidden.name not in body
