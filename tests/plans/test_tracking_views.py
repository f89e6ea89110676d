"""The KPI, competitor map and action plan sections of the plan page."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import AccountTeamMember
from plans import tracking_services
from plans.models import KPI, ActionItem, CompetitorPosition, KPIMeasurement
from plans.services import kpi_refresh_latest
from tests.factories import (
    ActionFactory,
    CompetitorFactory,
    GoalFactory,
    KPIFactory,
    MeasurementFactory,
    PlanFactory,
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
def goal(plan):
    return GoalFactory(plan=plan, statement="Grow orders to 120M")


@pytest.fixture
def kpi(plan, goal):
    kpi = KPIFactory(plan=plan, goal=goal, name="Order value", unit="M JPY", target=100)
    MeasurementFactory(kpi=kpi, measured_on=dt.date(2026, 9, 30), value=Decimal("40"))
    MeasurementFactory(kpi=kpi, measured_on=dt.date(2026, 10, 31), value=Decimal("50"))
    return kpi_refresh_latest(kpi=kpi)


@pytest.fixture
def measurement(kpi):
    return kpi.measurements.get(measured_on=dt.date(2026, 10, 31))


@pytest.fixture
def competitor(plan):
    return CompetitorFactory(plan=plan, competitor="Rival Corp", threat_level=3)


@pytest.fixture
def action(plan, owner, goal):
    return ActionFactory(
        plan=plan, owner=owner, goal=goal, title="Meet the CFO", due_date=dt.date(2026, 12, 1)
    )


@pytest.fixture
def objects(plan, kpi, measurement, competitor, action):
    return {
        "plan": plan,
        "kpi": kpi,
        "measurement": measurement,
        "competitor": competitor,
        "action": action,
    }


def _state(plan):
    """Everything these sections write, to prove a refused request changed nothing."""
    return (
        list(KPI.objects.filter(plan=plan).values().order_by("pk")),
        list(KPIMeasurement.objects.filter(kpi__plan=plan).values().order_by("pk")),
        list(CompetitorPosition.objects.filter(plan=plan).values().order_by("pk")),
        list(ActionItem.objects.filter(plan=plan).values().order_by("pk")),
    )


GET_URLS = {
    "kpis": lambda o: reverse("plans:kpis", args=[o["plan"].pk]),
    "kpi_create": lambda o: reverse("plans:kpi_create", args=[o["plan"].pk]),
    "kpi_card": lambda o: reverse("plans:kpi_card", args=[o["kpi"].pk]),
    "kpi_edit": lambda o: reverse("plans:kpi_edit", args=[o["kpi"].pk]),
    "competitors": lambda o: reverse("plans:competitors", args=[o["plan"].pk]),
    "competitor_create": lambda o: reverse("plans:competitor_create", args=[o["plan"].pk]),
    "competitor_edit": lambda o: reverse("plans:competitor_edit", args=[o["competitor"].pk]),
    "action_plan": lambda o: reverse("plans:action_plan", args=[o["plan"].pk]),
    "action_create": lambda o: reverse("plans:action_create", args=[o["plan"].pk]),
    "action_row": lambda o: reverse("plans:action_row", args=[o["action"].pk]),
    "action_edit": lambda o: reverse("plans:action_edit", args=[o["action"].pk]),
}

# Every write, with input it accepts.
POST_URLS = {
    "kpi_create": (
        lambda o: reverse("plans:kpi_create", args=[o["plan"].pk]),
        {"name": "NPS", "kind": "nps", "target": "40", "direction": "higher"},
    ),
    "kpi_edit": (
        lambda o: reverse("plans:kpi_edit", args=[o["kpi"].pk]),
        {"name": "Order value FY", "kind": "revenue", "target": "120", "direction": "higher"},
    ),
    "kpi_delete": (lambda o: reverse("plans:kpi_delete", args=[o["kpi"].pk]), {}),
    "measurement_create": (
        lambda o: reverse("plans:measurement_create", args=[o["kpi"].pk]),
        {"measured_on": "2026-11-20", "value": "85", "note": "Q3 orders"},
    ),
    "measurement_delete": (
        lambda o: reverse("plans:measurement_delete", args=[o["measurement"].pk]),
        {},
    ),
    "competitor_create": (
        lambda o: reverse("plans:competitor_create", args=[o["plan"].pk]),
        {"competitor": "Other Inc", "threat_level": "2", "share_of_wallet": "20"},
    ),
    "competitor_edit": (
        lambda o: reverse("plans:competitor_edit", args=[o["competitor"].pk]),
        {"competitor": "Rival Corp", "threat_level": "1", "share_of_wallet": "35"},
    ),
    "competitor_delete": (
        lambda o: reverse("plans:competitor_delete", args=[o["competitor"].pk]),
        {},
    ),
    "action_create": (
        lambda o: reverse("plans:action_create", args=[o["plan"].pk]),
        {"phase": "2", "title": "Lunch with IT", "owner": "", "due_date": "2026-12-10"},
    ),
    "action_edit": (
        lambda o: reverse("plans:action_edit", args=[o["action"].pk]),
        {"phase": "1", "title": "Meet the CFO soon", "owner": "", "due_date": "2026-12-05"},
    ),
    "action_delete": (lambda o: reverse("plans:action_delete", args=[o["action"].pk]), {}),
    "action_status": (
        lambda o: reverse("plans:action_status", args=[o["action"].pk]),
        {"status": "done"},
    ),
}


def _post_data(data, objects):
    # An action needs an owner; the plan's owner is always an active user.
    return {k: (objects["plan"].owner_id if k == "owner" else v) for k, v in data.items()}


# Access


@pytest.mark.parametrize("name", sorted(GET_URLS))
def test_anonymous_is_sent_to_login(client, objects, name):
    response = client.get(GET_URLS[name](objects))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(POST_URLS))
def test_anonymous_post_is_sent_to_login_and_changes_nothing(client, objects, name):
    url, data = POST_URLS[name]
    before = _state(objects["plan"])
    response = client.post(url(objects), _post_data(data, objects))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _state(objects["plan"]) == before


@pytest.mark.parametrize("name", sorted(GET_URLS))
@pytest.mark.parametrize("persona", ["owner", "member", "manager", "admin_user"])
def test_people_who_may_see_the_plan_get_a_full_page(client, objects, request, name, persona):
    login(client, request.getfixturevalue(persona))
    response = client.get(GET_URLS[name](objects))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body
    assert reverse("plans:detail", args=[objects["plan"].pk]) in body


@pytest.mark.parametrize("name", sorted(GET_URLS))
@pytest.mark.parametrize("persona", ["owner", "member", "manager"])
def test_htmx_gets_only_the_fragment(client, objects, request, name, persona):
    login(client, request.getfixturevalue(persona))
    response = client.get(GET_URLS[name](objects), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert body.strip()


@pytest.mark.parametrize("name", sorted(GET_URLS))
def test_outsider_gets_404(client, objects, outsider, name):
    login(client, outsider)
    assert client.get(GET_URLS[name](objects)).status_code == 404
    assert client.get(GET_URLS[name](objects), **HTMX).status_code == 404


@pytest.mark.parametrize("name", sorted(POST_URLS))
def test_outsider_post_gets_404_and_changes_nothing(client, objects, outsider, name):
    login(client, outsider)
    url, data = POST_URLS[name]
    before = _state(objects["plan"])
    response = client.post(url(objects), _post_data(data, objects), **HTMX)
    assert response.status_code == 404
    assert _state(objects["plan"]) == before


@pytest.mark.parametrize("name", sorted(POST_URLS))
@pytest.mark.parametrize("persona", ["owner", "member", "manager"])
def test_every_write_rerenders_in_place_and_tells_the_plan(client, objects, request, name, persona):
    login(client, request.getfixturevalue(persona))
    url, data = POST_URLS[name]
    before = _state(objects["plan"])
    response = client.post(url(objects), _post_data(data, objects), **HTMX)
    if persona == "member" and name.endswith("_delete"):
        # A team member deletes only what they added themselves (kam.core.rights); the page
        # keeps what it shows and says why.
        assert response.status_code == 403
        assert "kam:message" in response["HX-Trigger"]
        assert response["HX-Reswap"] == "none"
        assert _state(objects["plan"]) == before
        return
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "plan-changed" in response["HX-Trigger"]
    assert _state(objects["plan"]) != before


@pytest.mark.parametrize("name", sorted(POST_URLS))
def test_every_write_without_javascript_goes_back_to_the_section(client, objects, owner, name):
    login(client, owner)
    url, data = POST_URLS[name]
    response = client.post(url(objects), _post_data(data, objects))
    assert response.status_code == 302
    assert f"/{objects['plan'].pk}/" in response["Location"]


def test_the_sections_replace_the_plan_page_placeholders(client, objects, owner):
    login(client, owner)
    for name, section in (
        ("kpis", "kpis"),
        ("competitors", "competitors"),
        ("action_plan", "actions"),
    ):
        body = client.get(GET_URLS[name](objects), **HTMX).content.decode()
        assert body.lstrip().startswith(f'<section id="{section}"')


def test_get_on_a_write_only_url_is_refused(client, objects, owner):
    login(client, owner)
    assert client.get(POST_URLS["action_status"][0](objects)).status_code == 405
    assert client.get(POST_URLS["kpi_delete"][0](objects)).status_code == 405


# KPIs


def _card(body: str, kpi_pk: int) -> str:
    match = re.search(rf'<article class="kpi-card" id="kpi-{kpi_pk}".*?</article>', body, re.S)
    assert match, body
    return match.group(0)


def _attainment(body: str) -> str:
    match = re.search(r'data-testid="kpi-attainment"[^>]*>([^<]+)<', body)
    assert match, body
    return match.group(1).strip()


def test_kpi_card_shows_target_latest_attainment_goal_and_trend(client, objects, owner):
    login(client, owner)
    body = client.get(reverse("plans:kpis", args=[objects["plan"].pk]), **HTMX).content.decode()
    card = _card(body, objects["kpi"].pk)
    assert "Order value" in card
    assert "Revenue" in card
    assert "Grow orders to 120M" in card
    assert "≥ 100" in card and "M JPY" in card and "Higher is better" in card
    assert _attainment(card) == "50%"
    assert re.search(r'class="badge kpi-att bad"', card)
    assert card.count("<circle") == 2
    assert 'data-testid="target-line"' in card


def test_recording_a_measurement_changes_the_attainment_shown(client, objects, owner):
    login(client, owner)
    kpi = objects["kpi"]
    response = client.post(
        reverse("plans:measurement_create", args=[kpi.pk]),
        {"measured_on": "2026-11-20", "value": "85", "note": "after the QBR"},
        **HTMX,
    )
    body = response.content.decode()
    assert body.lstrip().startswith(f'<article class="kpi-card" id="kpi-{kpi.pk}"')
    assert _attainment(body) == "85%"
    assert 'class="badge kpi-att warn"' in body
    assert body.count("<circle") == 3
    assert "after the QBR" in body
    kpi.refresh_from_db()
    assert kpi.latest_value == Decimal("85")
    assert kpi.latest_measured_on == TODAY
    assert kpi.measurements.get(measured_on=TODAY).recorded_by == owner


def test_reaching_the_target_shows_ok(client, objects, owner):
    login(client, owner)
    kpi = objects["kpi"]
    body = client.post(
        reverse("plans:measurement_create", args=[kpi.pk]),
        {"measured_on": "2026-11-19", "value": "120"},
        **HTMX,
    ).content.decode()
    assert _attainment(body) == "120%"
    assert 'class="badge kpi-att ok"' in body


def test_the_measurement_form_defaults_to_today(client, objects, owner):
    login(client, owner)
    body = client.get(reverse("plans:kpi_card", args=[objects["kpi"].pk]), **HTMX)
    assert 'value="2026-11-20"' in body.content.decode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"measured_on": "2026-11-20", "value": ""}, "Enter the measured value."),
        ({"measured_on": "2026-11-20", "value": "12,x"}, "Enter a number, e.g. 120 or 95.5."),
        ({"measured_on": "", "value": "70"}, "Enter the date of the measurement."),
        ({"measured_on": "2026-12-01", "value": "70"}, "cannot be dated in the future"),
        (
            {"measured_on": "2026-10-31", "value": "70"},
            "This KPI already has a measurement on that date (50).",
        ),
    ],
)
def test_bad_measurement_is_refused_beside_the_field_and_nothing_saved(
    client, objects, owner, data, error
):
    login(client, owner)
    kpi = objects["kpi"]
    before = _state(objects["plan"])
    response = client.post(
        reverse("plans:measurement_create", args=[kpi.pk]), {**data, "note": "typed note"}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert error in body
    assert 'class="field has-error"' in body
    assert 'value="typed note"' in body
    assert "HX-Trigger" not in response
    assert _state(objects["plan"]) == before
    # The earlier value is untouched, and still what the card shows.
    assert _attainment(body) == "50%"


def test_bad_measurement_without_javascript_shows_the_page_with_the_error(client, objects, owner):
    login(client, owner)
    kpi = objects["kpi"]
    response = client.post(
        reverse("plans:measurement_create", args=[kpi.pk]),
        {"measured_on": "2026-11-20", "value": "abc"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body
    assert "Enter a number, e.g. 120 or 95.5." in body
    assert 'value="abc"' in body


def test_deleting_a_measurement_goes_back_to_the_one_before(client, objects, owner):
    login(client, owner)
    kpi = objects["kpi"]
    body = client.post(
        reverse("plans:measurement_delete", args=[objects["measurement"].pk]), **HTMX
    ).content.decode()
    assert _attainment(body) == "40%"
    assert body.count("<circle") == 1
    kpi.refresh_from_db()
    assert kpi.latest_value == Decimal("40")


def test_measurement_of_another_plans_kpi_cannot_be_deleted_through_this_plan(
    client, objects, outsider
):
    theirs = KPIFactory(plan=PlanFactory(account__owner=outsider))
    other = MeasurementFactory(kpi=theirs)
    login(client, objects["plan"].owner)
    # The owner of this plan cannot reach the outsider's data either.
    assert client.post(reverse("plans:measurement_delete", args=[other.pk])).status_code == 404
    assert KPIMeasurement.objects.filter(pk=other.pk).exists()


def test_adding_a_kpi_brings_back_the_section_with_it(client, objects, owner, goal):
    login(client, owner)
    response = client.post(
        reverse("plans:kpi_create", args=[objects["plan"].pk]),
        {
            "name": "Satisfaction",
            "kind": "satisfaction",
            "goal": goal.pk,
            "unit": "points",
            "target": "4.5",
            "direction": "higher",
        },
        **HTMX,
    )
    body = response.content.decode()
    assert response["HX-Retarget"] == "#kpis"
    assert body.lstrip().startswith('<section id="kpis"')
    assert "Satisfaction" in body
    assert body.count('data-testid="kpi-card"') == 2
    new = KPI.objects.get(plan=objects["plan"], name="Satisfaction")
    assert new.goal == goal and new.target == Decimal("4.5")


@pytest.mark.parametrize(
    ("data", "error", "field"),
    [
        ({"name": "", "target": "10"}, "Give the KPI a name.", "name"),
        ({"name": "Deals", "target": ""}, "Set a target value.", "target"),
        ({"name": "Deals", "target": "ten"}, "Enter a number, e.g. 120 or 95.5.", "target"),
        (
            {"name": "Deals", "target": "0"},
            "A target of 0 cannot be exceeded; use lower is better or another target.",
            "target",
        ),
        (
            {"name": "Order value", "target": "10"},
            "This plan already has a KPI with this name.",
            "name",
        ),
    ],
)
def test_bad_kpi_is_refused_beside_the_field_with_input_kept(
    client, objects, owner, data, error, field
):
    login(client, owner)
    before = _state(objects["plan"])
    response = client.post(
        reverse("plans:kpi_create", args=[objects["plan"].pk]),
        {"kind": "deal_count", "unit": "deals", "direction": "higher", **data},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    _assert_error_beside(body, field, error)
    assert 'value="deals"' in body
    assert "HX-Trigger" not in response
    assert _state(objects["plan"]) == before


def _assert_error_beside(body: str, field: str, error: str) -> None:
    """The message sits in the same .field block as the input it is about."""
    starts = [m.start() for m in re.finditer(r'<div class="field[" ]', body)]
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(body)
        block = body[start:end]
        if f'name="{field}"' in block:
            assert "has-error" in block.split(">", 1)[0], block
            assert error in block, block
            return
    raise AssertionError(f"no field {field} in {body}")


def test_a_target_of_zero_is_fine_when_lower_is_better(client, objects, owner):
    login(client, owner)
    client.post(
        reverse("plans:kpi_create", args=[objects["plan"].pk]),
        {"name": "Incidents", "kind": "custom", "target": "0", "direction": "lower"},
        **HTMX,
    )
    assert KPI.objects.filter(plan=objects["plan"], name="Incidents").exists()


def test_a_goal_of_another_plan_cannot_be_linked(client, objects, owner, account):
    other_goal = GoalFactory(plan=PlanFactory(account=account, status="draft"))
    login(client, owner)
    before = _state(objects["plan"])
    body = client.post(
        reverse("plans:kpi_create", args=[objects["plan"].pk]),
        {
            "name": "X",
            "kind": "custom",
            "target": "1",
            "direction": "higher",
            "goal": other_goal.pk,
        },
        **HTMX,
    ).content.decode()
    _assert_error_beside(body, "goal", "Choose a goal of this plan.")
    assert _state(objects["plan"]) == before


def test_editing_a_kpi_swaps_its_card_and_updates_attainment(client, objects, owner):
    login(client, owner)
    kpi = objects["kpi"]
    response = client.post(
        reverse("plans:kpi_edit", args=[kpi.pk]),
        {"name": "Order value", "kind": "revenue", "target": "50", "direction": "higher"},
        **HTMX,
    )
    body = response.content.decode()
    assert body.lstrip().startswith(f'<article class="kpi-card" id="kpi-{kpi.pk}"')
    assert _attainment(body) == "100%"


def test_a_duplicate_name_on_edit_keeps_the_saved_kpi(client, objects, owner):
    KPIFactory(plan=objects["plan"], name="NPS")
    login(client, owner)
    kpi = objects["kpi"]
    before = _state(objects["plan"])
    body = client.post(
        reverse("plans:kpi_edit", args=[kpi.pk]),
        {"name": "NPS", "kind": "revenue", "target": "999", "direction": "higher"},
        **HTMX,
    ).content.decode()
    _assert_error_beside(body, "name", "This plan already has a KPI with this name.")
    assert 'value="999"' in body
    assert _state(objects["plan"]) == before


def test_deleting_a_kpi_removes_its_measurements(client, objects, owner):
    login(client, owner)
    kpi = objects["kpi"]
    body = client.post(reverse("plans:kpi_delete", args=[kpi.pk]), **HTMX).content.decode()
    assert 'data-testid="kpi-card"' not in body
    assert "No KPIs yet" in body
    assert not KPIMeasurement.objects.filter(kpi_id=kpi.pk).exists()


def test_kpi_delete_asks_for_confirmation(client, objects, owner):
    login(client, owner)
    body = client.get(reverse("plans:kpis", args=[objects["plan"].pk]), **HTMX).content.decode()
    assert 'hx-confirm="Delete the KPI “Order value” and all its measurements?"' in body
    assert 'hx-confirm="Delete the measurement of' in body


# Competitor map


def test_competitors_are_columns_of_a_comparison_table(client, objects, owner):
    CompetitorFactory(
        plan=objects["plan"],
        competitor="Small Ltd",
        threat_level=1,
        share_of_wallet=15,
        win_strategy="Bundle support",
    )
    login(client, owner)
    body = client.get(
        reverse("plans:competitors", args=[objects["plan"].pk]), **HTMX
    ).content.decode()
    assert body.count('data-testid="competitor-column"') == 2
    # Highest threat first.
    assert body.index("Rival Corp") < body.index("Small Ltd")
    for row in (
        "Products and services",
        "Pricing strategy",
        "Marketing strategy",
        "Relationship with the customer",
        "Share of wallet",
        "Strengths",
        "Weaknesses",
        "Threat level",
        "Our differentiation",
        "Win strategy",
    ):
        assert f'<th scope="row">{row}</th>' in body
    assert '<span class="badge bad" data-testid="threat">High</span>' in body
    assert '<span class="badge ok" data-testid="threat">Low</span>' in body
    assert "15%" in body and "Bundle support" in body
    assert 'class="table-wrap"' in body


def test_adding_a_competitor_brings_back_the_map(client, objects, owner):
    login(client, owner)
    response = client.post(
        reverse("plans:competitor_create", args=[objects["plan"].pk]),
        {"competitor": "Newcomer KK", "threat_level": "2", "win_strategy": "Faster support"},
        **HTMX,
    )
    body = response.content.decode()
    assert response["HX-Retarget"] == "#competitors"
    assert "Newcomer KK" in body and "Faster support" in body
    assert body.count('data-testid="competitor-column"') == 2


@pytest.mark.parametrize(
    ("data", "error", "field"),
    [
        ({"competitor": "Rival Corp"}, "This competitor is already on the map.", "competitor"),
        ({"competitor": ""}, "Name the competitor.", "competitor"),
        (
            {"competitor": "Big Co", "share_of_wallet": "150"},
            "A share of wallet is at most 100%.",
            "share_of_wallet",
        ),
        (
            {"competitor": "Big Co", "share_of_wallet": "a lot"},
            "Enter a whole percentage from 0 to 100.",
            "share_of_wallet",
        ),
    ],
)
def test_bad_competitor_is_refused_beside_the_field(client, objects, owner, data, error, field):
    login(client, owner)
    before = _state(objects["plan"])
    response = client.post(
        reverse("plans:competitor_create", args=[objects["plan"].pk]),
        {"threat_level": "2", "strengths": "typed strengths", **data},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    _assert_error_beside(body, field, error)
    assert "typed strengths" in body
    assert _state(objects["plan"]) == before


def test_renaming_a_competitor_to_one_on_the_map_keeps_both(client, objects, owner):
    other = CompetitorFactory(plan=objects["plan"], competitor="Other Inc")
    login(client, owner)
    before = _state(objects["plan"])
    body = client.post(
        reverse("plans:competitor_edit", args=[other.pk]),
        {"competitor": "Rival Corp", "threat_level": "1"},
        **HTMX,
    ).content.decode()
    _assert_error_beside(body, "competitor", "This competitor is already on the map.")
    assert _state(objects["plan"]) == before


def test_deleting_a_competitor_asks_first_and_removes_the_column(client, objects, owner):
    login(client, owner)
    plan_pk = objects["plan"].pk
    page = client.get(reverse("plans:competitors", args=[plan_pk]), **HTMX).content.decode()
    assert 'hx-confirm="Remove Rival Corp from the competitor map?"' in page
    body = client.post(
        reverse("plans:competitor_delete", args=[objects["competitor"].pk]), **HTMX
    ).content.decode()
    assert "Rival Corp" not in body
    assert "No competitors mapped yet" in body


# Action plan


def _row(body: str, action_pk: int) -> str:
    match = re.search(rf'<tr id="action-{action_pk}".*?</tr>', body, re.S)
    assert match, body
    return match.group(0)


def test_actions_are_grouped_by_phase_with_counts(client, objects, owner):
    plan = objects["plan"]
    ActionFactory(plan=plan, phase=3, title="Send the proposal")
    ActionFactory(plan=plan, phase=3, title="Price review")
    login(client, owner)
    body = client.get(reverse("plans:action_plan", args=[plan.pk]), **HTMX).content.decode()
    counts = re.findall(r'data-testid="phase-count">(\d+)<', body)
    assert counts == ["1", "0", "2", "0", "0"]
    assert body.count("No actions in this phase.") == 3
    phase_three = body[body.index('id="phase-3"') : body.index('id="phase-4"')]
    assert "Send the proposal" in phase_three and "Price review" in phase_three
    assert "Meet the CFO" not in phase_three


def test_action_row_shows_goal_owner_due_resources_status(client, objects, owner):
    action = objects["action"]
    action.resources = "Sales engineer, 2 days"
    action.save()
    login(client, owner)
    row = _row(
        client.get(reverse("plans:action_row", args=[action.pk]), **HTMX).content.decode(),
        action.pk,
    )
    assert "Meet the CFO" in row
    assert "Grow orders to 120M" in row
    assert str(owner) in row
    assert "Sales engineer, 2 days" in row
    assert '<option value="open" selected>' in row
    assert 'data-testid="overdue"' not in row


def test_overdue_actions_are_marked(client, objects, owner):
    plan = objects["plan"]
    late = ActionFactory(plan=plan, title="Late one", due_date=dt.date(2026, 11, 19))
    today = ActionFactory(plan=plan, title="Due today", due_date=TODAY)
    done_late = ActionFactory(
        plan=plan,
        title="Done late",
        due_date=dt.date(2026, 11, 1),
        status="done",
        completed_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    )
    login(client, owner)
    body = client.get(reverse("plans:action_plan", args=[plan.pk]), **HTMX).content.decode()
    assert 'data-testid="overdue">Overdue<' in _row(body, late.pk)
    assert 'class="overdue"' in _row(body, late.pk)
    assert "Overdue" not in _row(body, today.pk)
    assert "Overdue" not in _row(body, done_late.pk)


def test_overdue_follows_the_calendar(client, objects, owner):
    action = objects["action"]
    login(client, owner)
    url = reverse("plans:action_row", args=[action.pk])
    assert "Overdue" not in client.get(url, **HTMX).content.decode()
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        assert "Overdue" in client.get(url, **HTMX).content.decode()


def test_one_click_done_sets_completed_at_and_back_clears_it(client, objects, owner):
    login(client, owner)
    action = objects["action"]
    url = reverse("plans:action_status", args=[action.pk])
    response = client.post(url, {"status": "done"}, **HTMX)
    row = response.content.decode()
    assert row.lstrip().startswith(f'<tr id="action-{action.pk}"')
    assert "checked" in row
    assert '<option value="done" selected>' in row
    # Ticking the box again sends the way back.
    assert '"status": "open"' in row
    action.refresh_from_db()
    assert action.status == "done"
    assert action.completed_at == dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)

    row = client.post(url, {"status": "open"}, **HTMX).content.decode()
    action.refresh_from_db()
    assert action.status == "open"
    assert action.completed_at is None
    assert '"status": "done"' in row


def test_status_select_moves_between_statuses(client, objects, owner):
    login(client, owner)
    action = objects["action"]
    url = reverse("plans:action_status", args=[action.pk])
    client.post(url, {"status": "in_progress"}, **HTMX)
    action.refresh_from_db()
    assert action.status == "in_progress" and action.completed_at is None
    client.post(url, {"status": "done"}, **HTMX)
    client.post(url, {"status": "blocked"}, **HTMX)
    action.refresh_from_db()
    assert action.status == "blocked" and action.completed_at is None


def test_overdue_mark_goes_when_done(client, objects, owner):
    action = objects["action"]
    action.due_date = dt.date(2026, 11, 1)
    action.save()
    login(client, owner)
    url = reverse("plans:action_status", args=[action.pk])
    assert "Overdue" in client.post(url, {"status": "in_progress"}, **HTMX).content.decode()
    assert "Overdue" not in client.post(url, {"status": "done"}, **HTMX).content.decode()


def test_unknown_status_is_refused_and_nothing_changes(client, objects, owner):
    login(client, owner)
    action = objects["action"]
    before = _state(objects["plan"])
    response = client.post(
        reverse("plans:action_status", args=[action.pk]), {"status": "cancelled"}, **HTMX
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert "HX-Trigger" not in response
    assert _state(objects["plan"]) == before


def test_adding_an_action_brings_back_the_plan(client, objects, owner, member, goal):
    login(client, owner)
    response = client.post(
        reverse("plans:action_create", args=[objects["plan"].pk]),
        {
            "phase": "4",
            "title": "Roll out to the second plant",
            "owner": member.pk,
            "due_date": "2027-01-15",
            "goal": goal.pk,
            "resources": "Two engineers",
        },
        **HTMX,
    )
    body = response.content.decode()
    assert response["HX-Retarget"] == "#actions"
    phase_four = body[body.index('id="phase-4"') : body.index('id="phase-5"')]
    assert "Roll out to the second plant" in phase_four
    created = ActionItem.objects.get(title="Roll out to the second plant")
    assert created.owner == member and created.goal == goal and created.status == "open"


def test_the_add_form_starts_with_me_as_owner_and_the_phase_asked_for(client, objects, member):
    login(client, member)
    body = client.get(
        reverse("plans:action_create", args=[objects["plan"].pk]) + "?phase=3", **HTMX
    ).content.decode()
    assert f'<option value="{member.pk}" selected>' in body
    assert '<option value="3" selected>' in body


NO_ACCESS = "Choose someone who can open this account: its owner, its team or a manager."


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"title": ""}, "Say what will be done.", "title"),
        ({"due_date": ""}, "Set a due date.", "due_date"),
        ({"due_date": "someday"}, "Enter a valid date.", "due_date"),
        ({"owner": "inactive"}, NO_ACCESS, "owner"),
        ({"owner": "outsider"}, NO_ACCESS, "owner"),
        ({"goal": "other-plan"}, "Choose a goal of this plan.", "goal"),
    ],
)
def test_bad_action_is_refused_beside_the_field(
    client, objects, owner, account, change, error, field
):
    data = {
        "phase": "2",
        "title": "Visit the plant",
        "owner": owner.pk,
        "due_date": "2026-12-10",
        "resources": "typed resources",
    }
    data.update(change)
    if data["owner"] == "inactive":
        data["owner"] = UserFactory(username="gone", is_active=False).pk
    if data["owner"] == "outsider":  # active, but cannot open this account
        data["owner"] = UserFactory(username="stranger").pk
    if data.get("goal") == "other-plan":
        data["goal"] = GoalFactory(plan=PlanFactory(account=account, status="draft")).pk
    login(client, owner)
    before = _state(objects["plan"])
    response = client.post(reverse("plans:action_create", args=[objects["plan"].pk]), data, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    _assert_error_beside(body, field, error)
    assert "typed resources" in body
    assert _state(objects["plan"]) == before


def test_a_manager_can_be_given_an_action(client, objects, owner):
    boss = UserFactory(username="boss", role="manager")
    login(client, owner)
    response = client.post(
        reverse("plans:action_create", args=[objects["plan"].pk]),
        {
            "phase": "2",
            "title": "Executive sponsor call",
            "owner": boss.pk,
            "due_date": "2026-12-10",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert ActionItem.objects.get(title="Executive sponsor call").owner == boss


def test_an_action_keeps_its_owner_after_they_leave_the_team(client, objects, owner, member):
    action = objects["action"]
    ActionItem.objects.filter(pk=action.pk).update(owner=member)
    AccountTeamMember.objects.filter(user=member).delete()
    login(client, owner)
    response = client.post(
        reverse("plans:action_edit", args=[action.pk]),
        {"phase": "1", "title": "Renamed", "owner": member.pk, "due_date": "2026-12-03"},
        **HTMX,
    )
    assert response.status_code == 200
    action.refresh_from_db()
    assert (action.title, action.owner) == ("Renamed", member)


def test_editing_an_action_swaps_its_row(client, objects, owner):
    login(client, owner)
    action = objects["action"]
    response = client.post(
        reverse("plans:action_edit", args=[action.pk]),
        {
            "phase": "1",
            "title": "Meet the CFO and CIO",
            "owner": owner.pk,
            "due_date": "2026-12-03",
        },
        **HTMX,
    )
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="action-{action.pk}"')
    assert "Meet the CFO and CIO" in body
    assert "HX-Retarget" not in response


def test_moving_an_action_to_another_phase_brings_back_the_plan(client, objects, owner):
    login(client, owner)
    action = objects["action"]
    response = client.post(
        reverse("plans:action_edit", args=[action.pk]),
        {"phase": "5", "title": "Meet the CFO", "owner": owner.pk, "due_date": "2026-12-01"},
        **HTMX,
    )
    body = response.content.decode()
    assert response["HX-Retarget"] == "#actions"
    assert "Meet the CFO" in body[body.index('id="phase-5"') :]


def test_editing_keeps_the_status_and_its_completion(client, objects, owner):
    login(client, owner)
    action = objects["action"]
    client.post(reverse("plans:action_status", args=[action.pk]), {"status": "done"}, **HTMX)
    client.post(
        reverse("plans:action_edit", args=[action.pk]),
        {"phase": "1", "title": "Met the CFO", "owner": owner.pk, "due_date": "2026-12-01"},
        **HTMX,
    )
    action.refresh_from_db()
    assert action.status == "done" and action.completed_at is not None


def test_bad_edit_keeps_the_saved_action(client, objects, owner):
    login(client, owner)
    action = objects["action"]
    before = _state(objects["plan"])
    body = client.post(
        reverse("plans:action_edit", args=[action.pk]),
        {"phase": "1", "title": "", "owner": owner.pk, "due_date": "2026-12-01"},
        **HTMX,
    ).content.decode()
    _assert_error_beside(body, "title", "Say what will be done.")
    assert body.lstrip().startswith(f'<tr id="action-{action.pk}"')
    assert _state(objects["plan"]) == before


def test_deleting_an_action_asks_first(client, objects, owner):
    login(client, owner)
    body = client.get(
        reverse("plans:action_row", args=[objects["action"].pk]), **HTMX
    ).content.decode()
    assert 'hx-confirm="Delete the action “Meet the CFO”?"' in body


# Query counts do not grow with the number of rows.


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **HTMX)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _fill_kpis(plan, n):
    goal = GoalFactory(plan=plan)
    for i in range(n):
        kpi = KPIFactory(plan=plan, goal=goal if i % 2 else None)
        for month in (7, 8, 9):
            MeasurementFactory(kpi=kpi, measured_on=dt.date(2026, month, 1), value=10 * month)


def _fill_competitors(plan, n):
    for _ in range(n):
        CompetitorFactory(plan=plan)


def _fill_actions(plan, n):
    goal = GoalFactory(plan=plan)
    for i in range(n):
        ActionFactory(
            plan=plan,
            phase=1 + i % 5,
            owner=UserFactory(),
            goal=goal if i % 2 else None,
            due_date=dt.date(2026, 11, 1 + i),
        )


@pytest.mark.parametrize(
    ("url_name", "fill"),
    [
        ("plans:kpis", _fill_kpis),
        ("plans:competitors", _fill_competitors),
        ("plans:action_plan", _fill_actions),
    ],
)
@pytest.mark.parametrize("persona", ["owner", "manager"])
def test_section_queries_do_not_grow_with_rows(
    client, account, owner, request, url_name, fill, persona
):
    small = PlanFactory(account=account, owner=owner, status="draft")
    large = PlanFactory(account=account, owner=owner, status="draft")
    fill(small, 2)
    fill(large, 20)
    login(client, request.getfixturevalue(persona))
    assert _queries(client, reverse(url_name, args=[small.pk])) == _queries(
        client, reverse(url_name, args=[large.pk])
    )


def test_kpi_card_queries_do_not_grow_with_measurements(client, objects, owner):
    kpi = objects["kpi"]
    login(client, owner)
    url = reverse("plans:kpi_card", args=[kpi.pk])
    few = _queries(client, url)
    for day in range(1, 29):
        MeasurementFactory(kpi=kpi, measured_on=dt.date(2026, 8, day), value=day)
    assert _queries(client, url) == few
    # The trend shows the newest two dozen measurements.
    assert client.get(url, **HTMX).content.decode().count("<circle") == 24


# Several mistakes at once are all shown, each beside its field.


def test_a_duplicate_competitor_and_a_bad_share_are_both_shown(client, objects, owner):
    login(client, owner)
    before = _state(objects["plan"])
    body = client.post(
        reverse("plans:competitor_create", args=[objects["plan"].pk]),
        {"competitor": "Rival Corp", "threat_level": "2", "share_of_wallet": "150"},
        **HTMX,
    ).content.decode()
    _assert_error_beside(body, "competitor", "This competitor is already on the map.")
    _assert_error_beside(body, "share_of_wallet", "A share of wallet is at most 100%.")
    assert _state(objects["plan"]) == before


def test_a_duplicate_kpi_name_and_a_bad_target_are_both_shown(client, objects, owner):
    login(client, owner)
    body = client.post(
        reverse("plans:kpi_create", args=[objects["plan"].pk]),
        {"name": "Order value", "kind": "revenue", "target": "lots", "direction": "higher"},
        **HTMX,
    ).content.decode()
    _assert_error_beside(body, "name", "This plan already has a KPI with this name.")
    _assert_error_beside(body, "target", "Enter a number, e.g. 120 or 95.5.")


def test_the_service_puts_database_rules_beside_their_fields(objects):
    data = {"name": "Order value", "kind": "revenue", "target": Decimal("0"), "direction": "higher"}
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        tracking_services.kpi_create(plan=objects["plan"], data=data, user=objects["plan"].owner)
    errors = caught.value.message_dict
    assert errors["name"] == ["This plan already has a KPI with this name."]
    assert errors["target"] == [
        "A target of 0 cannot be exceeded; use lower is better or another target."
    ]
    assert "__all__" not in errors
