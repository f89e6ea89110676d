"""The rights table, cell by cell: every persona against every kind of write.

docs/rights.md states the table and kam/core/rights.py decides it; here it is checked from the
outside, through the services and through the pages (and the Django admin):

| action                                          | owner | member | manager | admin | rep |
|-------------------------------------------------|-------|--------|---------|-------|-----|
| edit the account, plans, items, people          | yes   | yes    | yes     | yes   | 404 |
| delete an item                                  | yes   | own    | yes     | yes   | 404 |
| change the team                                 | yes   | -      | yes     | yes   | 404 |
| change an owner, (un-)archive or delete a plan  | -     | -      | yes     | yes   | 404 |
| copy a plan forward                             | yes   | yes    | yes     | yes   | 404 |

("rep" is another rep, with nothing to do with the account.)

Archived plans and the plans of churned accounts take no write from anyone until a manager
un-archives them; a manager's edit of an account they are not on is marked in its history;
people who do not work accounts are never offered as owners, attendees or team members.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django import forms
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts import services as account_services
from accounts.models import Account, AccountTeamMember, Contract, Meeting, Opportunity
from kam.core.models import Role, User
from kam.core.rights import Act, Refused
from plans import services as plan_services
from plans import tracking_services
from plans.copy_forward import plan_copy_forward
from plans.models import (
    KPI,
    AccountPlan,
    ActionItem,
    CompetitorPosition,
    CustomerNeed,
    Goal,
    KPIMeasurement,
    PlanReview,
)
from stakeholders import services as stakeholder_services
from stakeholders.models import Stakeholder, StakeholderEngagement
from tests.factories import (
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

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = dt.date(2026, 11, 20)
NEW = "Agreed at the quarterly review"
NEXT_YEAR = (dt.date(2027, 4, 1), dt.date(2028, 3, 31))


@pytest.fixture(autouse=True)
def fixed_today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC), tick=False):
        yield


# The personas and the table


PERSONAS = ("owner", "member", "manager", "admin", "other_rep")
FIXTURE_OF = {
    "owner": "owner",
    "member": "member",
    "manager": "manager",
    "admin": "admin_user",
    "other_rep": "outsider",
}
# Who may, by act; a team member deletes what they added themselves (see `may`).
MAY = {
    Act.EDIT: {"owner", "member", "manager", "admin"},
    Act.DELETE: {"owner", "manager", "admin"},
    Act.TEAM: {"owner", "manager", "admin"},
    Act.STEWARD: {"manager", "admin"},
    Act.COPY: {"owner", "member", "manager", "admin"},
}
# The reasons, as an English reader is given them.
NOT_THEIRS = "You cannot change this account: you are not its owner or on its team."
REASON = {
    Act.DELETE: "Team members can delete only what they added themselves.",
    Act.TEAM: "Only the account's owner or a manager can change the team.",
    Act.STEWARD: (
        "Only a manager can change an owner, archive or un-archive a plan, or delete a plan."
    ),
}
READ_ONLY = (
    "This plan is archived or its account has ended, so it is read-only. A manager can "
    "un-archive it."
)
# A rep who picks another owner for the account is told so beside the owner field.
PAGE_OWNER_REFUSAL = "Only a manager can make someone else the owner of an account."
SERVICE_OWNER_REFUSAL = "Only a manager can hand an account over to another owner."


def may(persona: str, act: Act, added_by: str | None = None) -> bool:
    if act is Act.DELETE and persona == "member":
        return added_by == "member"
    return persona in MAY[act]


SAVED, REFUSED, NOT_FOUND, ON_THE_FIELD = "saved", "refused", "not found", "on the field"


def page_answer(persona: str, act: Act, *, added_by: str | None = None, on_field: str = ""):
    """What a page answers the persona: saved, refused (403), not found (404), or refused
    beside a field of the form."""
    if persona == "other_rep":
        return NOT_FOUND
    if may(persona, act, added_by):
        return SAVED
    return ON_THE_FIELD if on_field else REFUSED


@pytest.fixture
def people(request, account):
    return {persona: request.getfixturevalue(name) for persona, name in FIXTURE_OF.items()}


@pytest.fixture
def world(account, people):
    """The account with one of everything under it, all added by its owner."""
    owner = people["owner"]
    plan = PlanFactory(account=account, owner=owner, title="FY2026 plan for Sample")
    need = NeedFactory(plan=plan, created_by=owner)
    goal = GoalFactory(plan=plan, need=need, created_by=owner)
    kpi = KPIFactory(plan=plan, goal=goal, name="Order value", created_by=owner)
    stakeholder = StakeholderFactory(account=account, name="山田 部長", created_by=owner)
    return {
        **people,
        "account": account,
        "plan": plan,
        "need": need,
        "goal": goal,
        "kpi": kpi,
        "measurement": MeasurementFactory(kpi=kpi, recorded_by=owner),
        "competitor": CompetitorFactory(plan=plan, competitor="Rival Corp", created_by=owner),
        "action": ActionFactory(plan=plan, goal=goal, owner=owner, created_by=owner),
        "stakeholder": stakeholder,
        # Someone at the customer the plan has no strategy for yet.
        "newcomer": StakeholderFactory(account=account, name="佐々木 課長", created_by=owner),
        "engagement": EngagementFactory(
            plan=plan, stakeholder=stakeholder, owner=owner, created_by=owner
        ),
        "meeting": MeetingFactory(
            account=account, recorded_by=owner, next_steps="Send the revised proposal"
        ),
        "opportunity": OpportunityFactory(account=account, created_by=owner),
        "contract": ContractFactory(account=account, number="C-000777"),
        # Reps with nothing to do with the account yet: a new owner, a new team member.
        "successor": UserFactory(username="successor", last_name="後任"),
        "colleague": UserFactory(username="colleague", last_name="同僚"),
    }


# Who added an item: `created_by`, or who recorded it for measurements and meetings.
ADDED_BY_FIELD = {"measurement": "recorded_by", "meeting": "recorded_by"}


def added_by(world: dict, kind: str, person: User) -> None:
    item = world[kind]
    field = ADDED_BY_FIELD.get(kind, "created_by")
    type(item)._base_manager.filter(pk=item.pk).update(**{field: person})
    item.refresh_from_db()


def freeze(world: dict, how: str) -> None:
    """Archive the plan, or end the account (which freezes every plan of it)."""
    if how == "archived-plan":
        AccountPlan.objects.filter(pk=world["plan"].pk).update(status="archived")
    else:
        Account.objects.filter(pk=world["account"].pk).update(status="churned")
    for key, value in world.items():
        if isinstance(value, Model) and not isinstance(value, User):
            world[key] = type(value)._base_manager.get(pk=value.pk)


STORED = (
    Account,
    AccountTeamMember,
    Contract,
    Opportunity,
    Meeting,
    Stakeholder,
    StakeholderEngagement,
    AccountPlan,
    CustomerNeed,
    Goal,
    KPI,
    KPIMeasurement,
    CompetitorPosition,
    ActionItem,
    PlanReview,
)


def stored() -> dict:
    """Every row a write here could touch, to show that a refused one touched none."""
    return {model.__name__: list(model._base_manager.order_by("pk").values()) for model in STORED}


def row_has(world: dict, key: str, **fields) -> bool:
    item = world[key]
    return type(item)._base_manager.filter(pk=item.pk, **fields).exists()


def row_gone(world: dict, key: str) -> bool:
    item = world[key]
    return not type(item)._base_manager.filter(pk=item.pk).exists()


# 1. The services


@dataclass(frozen=True)
class Call:
    """A write through a service, where it stands in the table, and how to see it was made."""

    name: str
    act: Act
    run: Callable[[dict, User], object]
    done: Callable[[dict], bool]
    prepare: Callable[[dict], None] | None = None
    # A rep asking for this is refused beside this field (a ValidationError), not with Refused.
    on_field: str = ""

    def __str__(self) -> str:
        return self.name


def _archive(world: dict) -> None:
    AccountPlan.objects.filter(pk=world["plan"].pk).update(status="archived")
    world["plan"].refresh_from_db()


SERVICE_CALLS = [
    # EDIT, one kind after the other
    Call(
        "edit-need",
        Act.EDIT,
        lambda w, u: plan_services.need_update(need=w["need"], data={"title": NEW}, user=u),
        lambda w: row_has(w, "need", title=NEW),
    ),
    Call(
        "edit-goal",
        Act.EDIT,
        lambda w, u: plan_services.goal_update(goal=w["goal"], data={"statement": NEW}, user=u),
        lambda w: row_has(w, "goal", statement=NEW),
    ),
    Call(
        "edit-kpi",
        Act.EDIT,
        lambda w, u: tracking_services.kpi_update(kpi=w["kpi"], data={"name": NEW}, user=u),
        lambda w: row_has(w, "kpi", name=NEW),
    ),
    Call(
        "edit-measurement",
        Act.EDIT,
        lambda w, u: tracking_services.kpi_measurement_add(
            kpi=w["kpi"], measured_on=dt.date(2026, 10, 31), value=Decimal("70"), recorded_by=u
        ),
        lambda w: KPIMeasurement.objects.filter(measured_on=dt.date(2026, 10, 31)).exists(),
    ),
    Call(
        "edit-competitor",
        Act.EDIT,
        lambda w, u: tracking_services.competitor_update(
            position=w["competitor"], data={"competitor": NEW}, user=u
        ),
        lambda w: row_has(w, "competitor", competitor=NEW),
    ),
    Call(
        "edit-action",
        Act.EDIT,
        lambda w, u: tracking_services.action_update(
            action=w["action"], data={"title": NEW}, user=u
        ),
        lambda w: row_has(w, "action", title=NEW),
    ),
    Call(
        "edit-action-status",
        Act.EDIT,
        lambda w, u: tracking_services.action_set_status(action=w["action"], status="done", user=u),
        lambda w: row_has(w, "action", status="done"),
    ),
    Call(
        "edit-stakeholder",
        Act.EDIT,
        lambda w, u: stakeholder_services.stakeholder_update(
            stakeholder=w["stakeholder"], data={"title": NEW}, user=u
        ),
        lambda w: row_has(w, "stakeholder", title=NEW),
    ),
    Call(
        "edit-engagement",
        Act.EDIT,
        lambda w, u: stakeholder_services.engagement_update(
            engagement=w["engagement"], data={"approach": NEW}, user=u
        ),
        lambda w: row_has(w, "engagement", approach=NEW),
    ),
    Call(
        "edit-meeting",
        Act.EDIT,
        lambda w, u: account_services.meeting_update(
            meeting=w["meeting"], data={"subject": NEW}, user=u
        ),
        lambda w: row_has(w, "meeting", subject=NEW),
    ),
    Call(
        "edit-opportunity",
        Act.EDIT,
        lambda w, u: account_services.opportunity_update(
            opportunity=w["opportunity"], data={"title": NEW}, user=u
        ),
        lambda w: row_has(w, "opportunity", title=NEW),
    ),
    Call(
        "edit-contract",
        Act.EDIT,
        lambda w, u: account_services.contract_update(
            contract=w["contract"], data={"title": NEW}, user=u
        ),
        lambda w: row_has(w, "contract", title=NEW),
    ),
    Call(
        "edit-account",
        Act.EDIT,
        lambda w, u: account_services.account_update(
            account=w["account"], user=u, data={"headquarters": NEW}
        ),
        lambda w: row_has(w, "account", headquarters=NEW),
    ),
    Call(
        "edit-plan",
        Act.EDIT,
        lambda w, u: plan_services.plan_update(plan=w["plan"], data={"value_who": NEW}, user=u),
        lambda w: row_has(w, "plan", value_who=NEW),
    ),
    Call(
        "edit-plan-review",
        Act.EDIT,
        lambda w, u: plan_services.plan_mark_reviewed(plan=w["plan"], reviewer=u, notes=NEW),
        lambda w: PlanReview.objects.filter(plan=w["plan"], notes=NEW).exists(),
    ),
    Call(
        "edit-add-need",
        Act.EDIT,
        lambda w, u: plan_services.need_create(plan=w["plan"], data={"title": NEW}, user=u),
        lambda w: CustomerNeed.objects.filter(title=NEW).exists(),
    ),
    Call(
        "edit-add-stakeholder",
        Act.EDIT,
        lambda w, u: stakeholder_services.stakeholder_create(
            account=w["account"], data={"name": NEW}, user=u
        ),
        lambda w: Stakeholder.objects.filter(name=NEW).exists(),
    ),
    # TEAM
    Call(
        "team-add",
        Act.TEAM,
        lambda w, u: account_services.team_member_add(
            account=w["account"], member=w["colleague"], role="sales", user=u
        ),
        lambda w: w["account"].team_members.filter(user=w["colleague"]).exists(),
    ),
    Call(
        "team-remove",
        Act.TEAM,
        lambda w, u: account_services.team_member_remove(
            account=w["account"], member=w["member"], user=u
        ),
        lambda w: not w["account"].team_members.filter(user=w["member"]).exists(),
    ),
    # STEWARD
    Call(
        "steward-account-owner",
        Act.STEWARD,
        lambda w, u: account_services.account_update(
            account=w["account"], user=u, data={"owner": w["successor"]}
        ),
        lambda w: row_has(w, "account", owner=w["successor"]),
        on_field="owner",
    ),
    Call(
        "steward-plan-owner",
        Act.STEWARD,
        lambda w, u: plan_services.plan_update(
            plan=w["plan"], data={"owner": w["successor"]}, user=u
        ),
        lambda w: row_has(w, "plan", owner=w["successor"]),
    ),
    Call(
        "steward-plan-archive",
        Act.STEWARD,
        lambda w, u: plan_services.plan_update(plan=w["plan"], data={"status": "archived"}, user=u),
        lambda w: row_has(w, "plan", status="archived"),
    ),
    Call(
        "steward-plan-unarchive",
        Act.STEWARD,
        lambda w, u: plan_services.plan_update(plan=w["plan"], data={"status": "active"}, user=u),
        lambda w: row_has(w, "plan", status="active"),
        prepare=_archive,
    ),
    Call(
        "steward-plan-delete",
        Act.STEWARD,
        lambda w, u: plan_services.plan_delete(plan=w["plan"], user=u),
        lambda w: row_gone(w, "plan"),
    ),
    # COPY
    Call(
        "copy-plan-forward",
        Act.COPY,
        lambda w, u: plan_copy_forward(
            plan=w["plan"],
            user=u,
            title="FY2027 plan for Sample",
            period_start=NEXT_YEAR[0],
            period_end=NEXT_YEAR[1],
            owner=w["owner"],
        ),
        lambda w: (
            AccountPlan.objects.filter(copied_from=w["plan"]).exists()
            and row_has(w, "plan", status="archived")
        ),
    ),
]

SERVICE_DELETES = {
    "need": lambda w, u: plan_services.need_delete(need=w["need"], user=u),
    "goal": lambda w, u: plan_services.goal_delete(goal=w["goal"], user=u),
    "kpi": lambda w, u: tracking_services.kpi_delete(kpi=w["kpi"], user=u),
    "measurement": lambda w, u: plan_services.kpi_measurement_delete(
        measurement=w["measurement"], user=u
    ),
    "competitor": lambda w, u: tracking_services.competitor_delete(
        position=w["competitor"], user=u
    ),
    "action": lambda w, u: tracking_services.action_delete(action=w["action"], user=u),
    "stakeholder": lambda w, u: stakeholder_services.stakeholder_delete(
        stakeholder=w["stakeholder"], user=u
    ),
    "engagement": lambda w, u: stakeholder_services.engagement_delete(
        engagement=w["engagement"], user=u
    ),
    "meeting": lambda w, u: account_services.meeting_delete(meeting=w["meeting"], user=u),
    "opportunity": lambda w, u: account_services.opportunity_delete(
        opportunity=w["opportunity"], user=u
    ),
}


def assert_service_refuses(call, world: dict, user: User, reason: str) -> None:
    before = stored()
    with translation.override("en"), pytest.raises(Refused) as refused:
        call(world, user)
    assert refused.value.message == reason
    assert stored() == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("call", SERVICE_CALLS, ids=str)
def test_service_allows_and_refuses_as_the_table_says(world, call, persona):
    # A service has no 404 to give: another rep is refused, told they are not on the account.
    if call.prepare:
        call.prepare(world)
    user = world[persona]
    if may(persona, call.act):
        call.run(world, user)
        assert call.done(world)
        return
    if call.on_field and persona != "other_rep":
        before = stored()
        with translation.override("en"), pytest.raises(ValidationError) as refused:
            call.run(world, user)
        assert refused.value.message_dict == {call.on_field: [SERVICE_OWNER_REFUSAL]}
        assert stored() == before
    else:
        reason = NOT_THEIRS if persona == "other_rep" else REASON[call.act]
        assert_service_refuses(call.run, world, user, reason)
    assert not call.done(world)


@pytest.mark.parametrize("added", ["owner", "member"], ids=lambda p: f"added-by-{p}")
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("kind", sorted(SERVICE_DELETES))
def test_service_delete_follows_who_added_the_item(world, kind, persona, added):
    added_by(world, kind, world[added])
    delete, user = SERVICE_DELETES[kind], world[persona]
    if may(persona, Act.DELETE, added):
        delete(world, user)
        assert row_gone(world, kind)
        return
    reason = NOT_THEIRS if persona == "other_rep" else REASON[Act.DELETE]
    assert_service_refuses(delete, world, user, reason)
    assert not row_gone(world, kind)


# What is written to a plan or under it. Archiving, un-archiving and deleting the plan are not
# among them: they are a manager's acts on the plan as a whole (un-archiving is tested below).
FROZEN_CALLS = [
    call
    for call in SERVICE_CALLS
    if call.name
    in {
        "edit-need",
        "edit-goal",
        "edit-kpi",
        "edit-measurement",
        "edit-competitor",
        "edit-action",
        "edit-action-status",
        "edit-engagement",
        "edit-plan",
        "edit-plan-review",
        "edit-add-need",
        "steward-plan-owner",
        "copy-plan-forward",
    }
]
PLAN_ITEMS = ("need", "goal", "kpi", "measurement", "competitor", "action", "engagement")


@pytest.mark.parametrize("how", ["archived-plan", "churned-account"])
@pytest.mark.parametrize("call", FROZEN_CALLS, ids=str)
def test_service_refuses_every_write_to_a_frozen_plan(world, call, how):
    freeze(world, how)
    for persona in ("owner", "member", "manager", "admin"):
        # Whoever may do it on a live plan is told the plan is read-only; a rep asking for a
        # manager's act is told that first.
        reason = READ_ONLY if may(persona, call.act) else REASON[call.act]
        assert_service_refuses(call.run, world, world[persona], reason)


@pytest.mark.parametrize("how", ["archived-plan", "churned-account"])
@pytest.mark.parametrize("kind", PLAN_ITEMS)
def test_service_refuses_every_delete_under_a_frozen_plan(world, kind, how):
    # Added by the member, who could otherwise delete it.
    added_by(world, kind, world["member"])
    freeze(world, how)
    for persona in ("owner", "member", "manager", "admin"):
        assert_service_refuses(SERVICE_DELETES[kind], world, world[persona], READ_ONLY)


# 2. The pages


def login(client, user: User):
    # English pages, so that the assertions read the English source strings.
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def form_data(form: forms.BaseForm) -> dict:
    """What a browser posts back from a form as it was shown."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif value is not None and value != "":
            data[name] = field.widget.format_value(value)
    return data


def form_errors(response) -> str:
    """The status and the form's errors, to say why a write that should save did not."""
    context = response.context
    form = context.get("form") if context is not None else None
    return f"{response.status_code}: {getattr(form, 'errors', '')}"


def at(name: str, key: str, query: str = "") -> Callable[[dict], str]:
    return lambda w: reverse(name, args=[w[key].pk]) + query


def nothing(world: dict) -> dict:
    return {}


@dataclass(frozen=True)
class Post:
    """A write through a page: its URL, what is typed into its form, how to see it saved."""

    name: str
    act: Act
    url: Callable[[dict], str]
    done: Callable[[dict], bool]
    changes: Callable[[dict], dict] = nothing
    # The page has a form to open first; its values are posted back with the changes.
    opens_form: bool = True
    prepare: Callable[[dict], None] | None = None
    # The world's object the write is to (for its history, or for who added it).
    kind: str = ""
    on_field: str = ""

    def __str__(self) -> str:
        return self.name


def posted(client, post: Post, world: dict) -> dict:
    """The form as the account's owner opened it, with the changes typed in."""
    data = {}
    if post.opens_form:
        login(client, world["owner"])
        page = client.get(post.url(world))
        assert page.status_code == 200, post.name
        data = form_data(page.context["form"])
    return data | post.changes(world)


def _plan_create_url(world: dict) -> str:
    return reverse("plans:create") + f"?account={world['account'].pk}"


EDIT_POSTS = [
    Post(
        "account-edit",
        Act.EDIT,
        at("accounts:edit", "account"),
        lambda w: row_has(w, "account", headquarters=NEW),
        lambda w: {"headquarters": NEW},
        kind="account",
    ),
    Post(
        "contract-add",
        Act.EDIT,
        at("accounts:contract_add", "account"),
        lambda w: Contract.objects.filter(number="C-2027-001").exists(),
        lambda w: {
            "number": "C-2027-001",
            "title": NEW,
            "start_date": "2027-04-01",
            "end_date": "2028-03-31",
            "annual_value": "6000000",
        },
    ),
    Post(
        "contract-edit",
        Act.EDIT,
        at("accounts:contract_edit", "contract"),
        lambda w: row_has(w, "contract", title=NEW),
        lambda w: {"title": NEW},
    ),
    Post(
        "contract-price-review",
        Act.EDIT,
        at("accounts:contract_price_review", "contract"),
        lambda w: row_has(w, "contract", last_price_review_date=TODAY),
    ),
    Post(
        "contract-renewal-start",
        Act.EDIT,
        at("renewals:start", "contract"),
        lambda w: row_has(w, "contract", status="in_renewal"),
        opens_form=False,
    ),
    Post(
        "opportunity-add",
        Act.EDIT,
        at("accounts:opportunity_add", "account"),
        lambda w: Opportunity.objects.filter(title=NEW).exists(),
        lambda w: {"title": NEW, "amount": "2500000", "expected_close_date": "2027-02-26"},
    ),
    Post(
        "opportunity-edit",
        Act.EDIT,
        at("accounts:opportunity_edit", "opportunity"),
        lambda w: row_has(w, "opportunity", title=NEW),
        lambda w: {"title": NEW},
    ),
    Post(
        "opportunity-stage",
        Act.EDIT,
        at("accounts:opportunity_stage", "opportunity"),
        lambda w: row_has(w, "opportunity", stage="won"),
        lambda w: {"stage": "won"},
        opens_form=False,
    ),
    Post(
        "meeting-add",
        Act.EDIT,
        at("accounts:meeting_add", "account"),
        lambda w: Meeting.objects.filter(subject=NEW).exists(),
        lambda w: {"subject": NEW},
    ),
    Post(
        "meeting-edit",
        Act.EDIT,
        at("accounts:meeting_edit", "meeting"),
        lambda w: row_has(w, "meeting", subject=NEW),
        lambda w: {"subject": NEW},
        kind="meeting",
    ),
    Post(
        "meeting-next-step",
        Act.EDIT,
        at("plans:action_from_meeting", "meeting"),
        lambda w: ActionItem.objects.filter(from_meeting=w["meeting"]).exists(),
        opens_form=False,
    ),
    Post(
        "stakeholder-add",
        Act.EDIT,
        at("stakeholders:create", "account"),
        lambda w: Stakeholder.objects.filter(name=NEW).exists(),
        lambda w: {"name": NEW},
    ),
    Post(
        "stakeholder-edit",
        Act.EDIT,
        at("stakeholders:edit", "stakeholder"),
        lambda w: row_has(w, "stakeholder", title=NEW),
        lambda w: {"title": NEW},
        kind="stakeholder",
    ),
    Post(
        "plan-add",
        Act.EDIT,
        _plan_create_url,
        lambda w: AccountPlan.objects.filter(title=NEW).exists(),
        lambda w: {"title": NEW},
    ),
    Post(
        "plan-edit",
        Act.EDIT,
        at("plans:edit", "plan"),
        lambda w: row_has(w, "plan", title=NEW),
        lambda w: {"title": NEW},
        kind="plan",
    ),
    Post(
        "plan-value",
        Act.EDIT,
        at("plans:value_edit", "plan"),
        lambda w: row_has(w, "plan", value_who=NEW),
        lambda w: {"value_who": NEW},
    ),
    Post(
        "plan-profile",
        Act.EDIT,
        at("plans:profile_edit", "plan"),
        lambda w: row_has(w, "plan", profile_culture=NEW),
        lambda w: {"profile_culture": NEW},
    ),
    Post(
        "plan-status",
        Act.EDIT,
        at("plans:status", "plan"),
        lambda w: row_has(w, "plan", status="under_review"),
        lambda w: {"status": "under_review"},
        opens_form=False,
    ),
    Post(
        "plan-review",
        Act.EDIT,
        at("plans:review", "plan"),
        lambda w: PlanReview.objects.filter(notes=NEW).exists(),
        lambda w: {"notes": NEW},
    ),
    Post(
        "need-add",
        Act.EDIT,
        at("plans:need_create", "plan"),
        lambda w: CustomerNeed.objects.filter(title=NEW).exists(),
        lambda w: {"title": NEW},
    ),
    Post(
        "need-edit",
        Act.EDIT,
        at("plans:need_edit", "need"),
        lambda w: row_has(w, "need", title=NEW),
        lambda w: {"title": NEW},
    ),
    Post(
        "goal-add",
        Act.EDIT,
        at("plans:goal_create", "plan"),
        lambda w: Goal.objects.filter(statement=NEW).exists(),
        lambda w: {
            "statement": NEW,
            "metric": "Orders",
            "unit": "JPY",
            "baseline": "10",
            "target": "20",
            "achievable_because": "The pilot went well",
        },
    ),
    Post(
        "goal-edit",
        Act.EDIT,
        at("plans:goal_edit", "goal"),
        lambda w: row_has(w, "goal", statement=NEW),
        lambda w: {"statement": NEW},
        kind="goal",
    ),
    Post(
        "kpi-add",
        Act.EDIT,
        at("plans:kpi_create", "plan"),
        lambda w: KPI.objects.filter(name=NEW).exists(),
        lambda w: {"name": NEW, "kind": "nps", "target": "40", "direction": "higher"},
    ),
    Post(
        "kpi-edit",
        Act.EDIT,
        at("plans:kpi_edit", "kpi"),
        lambda w: row_has(w, "kpi", name=NEW),
        lambda w: {"name": NEW},
    ),
    Post(
        "measurement-add",
        Act.EDIT,
        at("plans:measurement_create", "kpi"),
        lambda w: KPIMeasurement.objects.filter(measured_on=dt.date(2026, 10, 31)).exists(),
        lambda w: {"measured_on": "2026-10-31", "value": "70"},
        opens_form=False,
    ),
    Post(
        "competitor-add",
        Act.EDIT,
        at("plans:competitor_create", "plan"),
        lambda w: CompetitorPosition.objects.filter(competitor=NEW).exists(),
        lambda w: {"competitor": NEW},
    ),
    Post(
        "competitor-edit",
        Act.EDIT,
        at("plans:competitor_edit", "competitor"),
        lambda w: row_has(w, "competitor", competitor=NEW),
        lambda w: {"competitor": NEW},
    ),
    Post(
        "action-add",
        Act.EDIT,
        at("plans:action_create", "plan"),
        lambda w: ActionItem.objects.filter(title=NEW).exists(),
        lambda w: {"title": NEW, "due_date": "2026-12-10"},
    ),
    Post(
        "action-edit",
        Act.EDIT,
        at("plans:action_edit", "action"),
        lambda w: row_has(w, "action", title=NEW),
        lambda w: {"title": NEW},
    ),
    Post(
        "action-status",
        Act.EDIT,
        at("plans:action_status", "action"),
        lambda w: row_has(w, "action", status="done"),
        lambda w: {"status": "done"},
        opens_form=False,
    ),
    Post(
        "engagement-add",
        Act.EDIT,
        at("stakeholders:engagement_create", "plan"),
        lambda w: w["plan"].engagements.filter(stakeholder=w["newcomer"]).exists(),
        lambda w: {"stakeholder": w["newcomer"].pk},
    ),
    Post(
        "engagement-edit",
        Act.EDIT,
        at("stakeholders:engagement_edit", "engagement"),
        lambda w: row_has(w, "engagement", approach=NEW),
        lambda w: {"approach": NEW},
    ),
]

OTHER_POSTS = [
    Post(
        "team-add",
        Act.TEAM,
        at("accounts:team_add", "account"),
        lambda w: w["account"].team_members.filter(user=w["colleague"]).exists(),
        lambda w: {"user": w["colleague"].pk, "role": "sales"},
        opens_form=False,
    ),
    Post(
        "team-remove",
        Act.TEAM,
        lambda w: reverse("accounts:team_remove", args=[w["account"].pk, w["member"].pk]),
        lambda w: not w["account"].team_members.filter(user=w["member"]).exists(),
        opens_form=False,
    ),
    Post(
        "account-owner",
        Act.STEWARD,
        at("accounts:edit", "account"),
        lambda w: row_has(w, "account", owner=w["successor"]),
        lambda w: {"owner": w["successor"].pk},
        on_field="owner",
    ),
    Post(
        "plan-owner",
        Act.STEWARD,
        at("plans:edit", "plan"),
        lambda w: row_has(w, "plan", owner=w["member"]),
        lambda w: {"owner": w["member"].pk},
    ),
    Post(
        "plan-archive",
        Act.STEWARD,
        at("plans:status", "plan"),
        lambda w: row_has(w, "plan", status="archived"),
        lambda w: {"status": "archived"},
        opens_form=False,
    ),
    Post(
        "plan-unarchive",
        Act.STEWARD,
        at("plans:status", "plan"),
        lambda w: row_has(w, "plan", status="active"),
        lambda w: {"status": "active"},
        opens_form=False,
        prepare=_archive,
    ),
    Post(
        "plan-copy-forward",
        Act.COPY,
        at("plans:copy_forward", "plan"),
        lambda w: (
            AccountPlan.objects.filter(copied_from=w["plan"]).exists()
            and row_has(w, "plan", status="archived")
        ),
    ),
]
PAGE_POSTS = EDIT_POSTS + OTHER_POSTS

DELETE_URLS = {
    "need": "plans:need_delete",
    "goal": "plans:goal_delete",
    "kpi": "plans:kpi_delete",
    "measurement": "plans:measurement_delete",
    "competitor": "plans:competitor_delete",
    "action": "plans:action_delete",
    "engagement": "stakeholders:engagement_delete",
    "stakeholder": "stakeholders:delete",
    "meeting": "accounts:meeting_delete",
    "opportunity": "accounts:opportunity_delete",
}
PAGE_DELETES = [
    Post(
        f"{kind}-delete",
        Act.DELETE,
        at(url, kind),
        lambda w, kind=kind: row_gone(w, kind),
        opens_form=False,
        kind=kind,
    )
    for kind, url in DELETE_URLS.items()
]
POSTS = {post.name: post for post in PAGE_POSTS + PAGE_DELETES}


def assert_page_answer(response, answer: str, post: Post, world: dict, before: dict, reason=""):
    if answer == SAVED:
        assert response.status_code == 302, form_errors(response)
        assert post.done(world)
        return
    if answer == NOT_FOUND:
        assert response.status_code == 404
    elif answer == ON_THE_FIELD:
        assert response.status_code == 200
        assert post.on_field in response.context["form"].errors
        assert PAGE_OWNER_REFUSAL in response.content.decode()
    else:
        assert response.status_code == 403
        assert escape(reason) in response.content.decode()
    assert stored() == before
    assert not post.done(world)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("post", PAGE_POSTS, ids=str)
def test_page_allows_and_refuses_as_the_table_says(client, world, post, persona):
    if post.prepare:
        post.prepare(world)
    data = posted(client, post, world)
    login(client, world[persona])
    before = stored()
    response = client.post(post.url(world), data)
    answer = page_answer(persona, post.act, on_field=post.on_field)
    assert_page_answer(response, answer, post, world, before, REASON.get(post.act, ""))


@pytest.mark.parametrize("added", ["owner", "member"], ids=lambda p: f"added-by-{p}")
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("post", PAGE_DELETES, ids=str)
def test_page_delete_follows_who_added_the_item(client, world, post, persona, added):
    added_by(world, post.kind, world[added])
    login(client, world[persona])
    before = stored()
    response = client.post(post.url(world))
    answer = page_answer(persona, Act.DELETE, added_by=added)
    assert_page_answer(response, answer, post, world, before, REASON[Act.DELETE])


# Every cell of the table the pages answer with a 403: asked again by htmx.
REFUSED_CELLS = [
    pytest.param(post, persona, None, id=f"{post.name}-{persona}")
    for post in PAGE_POSTS
    for persona in PERSONAS
    if page_answer(persona, post.act, on_field=post.on_field) == REFUSED
] + [
    pytest.param(post, "member", "owner", id=f"{post.name}-member-added-by-owner")
    for post in PAGE_DELETES
]


@pytest.mark.parametrize(("post", "persona", "added"), REFUSED_CELLS)
def test_htmx_refusal_swaps_nothing_and_says_why(client, world, post, persona, added):
    if post.prepare:
        post.prepare(world)
    if added:
        added_by(world, post.kind, world[added])
    data = posted(client, post, world)
    login(client, world[persona])
    before = stored()
    response = client.post(post.url(world), data, **HTMX)
    assert response.status_code == 403
    assert response["HX-Reswap"] == "none"
    reason = REASON[post.act]
    assert json.loads(response["HX-Trigger"])["kam:message"] == {"text": reason, "level": "error"}
    assert stored() == before
    assert not post.done(world)


# 3. Archived plans and the plans of churned accounts


UNDER_THE_PLAN = [
    "plan-edit",
    "plan-owner",
    "plan-value",
    "plan-profile",
    "plan-review",
    "plan-copy-forward",
    "need-add",
    "need-edit",
    "need-delete",
    "goal-add",
    "goal-edit",
    "goal-delete",
    "kpi-add",
    "kpi-edit",
    "kpi-delete",
    "measurement-add",
    "measurement-delete",
    "competitor-add",
    "competitor-edit",
    "competitor-delete",
    "action-add",
    "action-edit",
    "action-status",
    "action-delete",
    "engagement-add",
    "engagement-edit",
    "engagement-delete",
]
FROZEN_WRITES = [
    pytest.param(POSTS[name], how, id=f"{name}-{how}")
    for how in ("archived-plan", "churned-account")
    for name in UNDER_THE_PLAN
] + [
    # On an archived plan, a status change is an un-archive (below), and a meeting's next step
    # goes to no archived plan; on a churned account's live plan both are writes to it.
    pytest.param(POSTS[name], "churned-account", id=f"{name}-churned-account")
    for name in ("plan-status", "meeting-next-step")
]


@pytest.mark.parametrize(("post", "how"), FROZEN_WRITES)
def test_a_frozen_plan_takes_no_write_from_anyone(client, world, post, how):
    if post.act is Act.DELETE:
        # Added by the member, who could otherwise delete it.
        added_by(world, post.kind, world["member"])
    # The form was opened before the plan froze.
    data = posted(client, post, world)
    freeze(world, how)
    for persona in ("owner", "member", "manager", "admin"):
        login(client, world[persona])
        before = stored()
        response = client.post(post.url(world), data)
        assert response.status_code == 403, persona
        assert escape(READ_ONLY) in response.content.decode(), persona
        assert stored() == before, persona
        response = client.post(post.url(world), data, **HTMX)
        assert response.status_code == 403, persona
        assert json.loads(response["HX-Trigger"])["kam:message"]["text"] == READ_ONLY
        assert stored() == before, persona


@pytest.mark.parametrize(
    ("persona", "unarchives"),
    [
        pytest.param("owner", False, id="owner-refused"),
        pytest.param("member", False, id="member-refused"),
        pytest.param("manager", True, id="manager-unarchives"),
        pytest.param("admin", True, id="admin-unarchives"),
    ],
)
def test_only_a_manager_unarchives_and_then_the_plan_takes_writes_again(
    client, world, persona, unarchives
):
    need_form = posted(client, POSTS["need-edit"], world)
    freeze(world, "archived-plan")
    login(client, world[persona])
    response = client.post(reverse("plans:status", args=[world["plan"].pk]), {"status": "active"})
    if not unarchives:
        assert response.status_code == 403
        assert escape(REASON[Act.STEWARD]) in response.content.decode()
        assert row_has(world, "plan", status="archived")
        return
    assert response.status_code == 302
    assert row_has(world, "plan", status="active")
    # Back in the hands of the team.
    login(client, world["member"])
    response = client.post(reverse("plans:need_edit", args=[world["need"].pk]), need_form)
    assert response.status_code == 302
    assert row_has(world, "need", title=NEW)


# 4. A manager's edit is marked in the history


HISTORY_POSTS = ["account-edit", "plan-edit", "goal-edit", "stakeholder-edit", "meeting-edit"]


@pytest.mark.parametrize(
    ("persona", "reason"),
    [
        pytest.param("owner", None, id="owner-unmarked"),
        pytest.param("member", None, id="member-unmarked"),
        pytest.param("manager", "manager", id="manager-marked"),
        pytest.param("admin", "manager", id="admin-marked"),
    ],
)
@pytest.mark.parametrize("name", HISTORY_POSTS)
def test_history_marks_the_edit_of_a_manager_who_is_not_on_the_account(
    client, world, name, persona, reason
):
    post = POSTS[name]
    data = posted(client, post, world)
    user = world[persona]
    login(client, user)
    response = client.post(post.url(world), data)
    assert response.status_code == 302, form_errors(response)
    item = world[post.kind]
    latest = item.history.order_by("-history_id").first()
    assert latest.history_user == user
    assert latest.history_change_reason == reason


def test_a_managers_edit_on_a_team_they_are_on_is_not_marked(client, world):
    TeamMemberFactory(account=world["account"], user=world["manager"], role="sales")
    post = POSTS["account-edit"]
    data = posted(client, post, world)
    login(client, world["manager"])
    assert client.post(post.url(world), data).status_code == 302
    latest = world["account"].history.order_by("-history_id").first()
    assert latest.history_user == world["manager"]
    assert latest.history_change_reason is None


# 5. Who can be chosen


@pytest.fixture
def unassignable(world):
    """People who do not work accounts: gone, or administering the system. Two of them are on
    the team, so that only the rule keeps them off the lists that start from the team."""
    retired = UserFactory(username="retired", last_name="退職", is_active=False)
    sysadmin = UserFactory(username="sysadmin", last_name="システム", role=Role.ADMIN)
    for person in (retired, sysadmin):
        TeamMemberFactory(account=world["account"], user=person, role="sales")
    return {
        "retired": retired,
        "sysadmin": sysadmin,
        "retired-outside": UserFactory(username="retired-outside", is_active=False),
        "sysadmin-outside": UserFactory(username="sysadmin-outside", role=Role.ADMIN),
        "retired-manager": UserFactory(
            username="retired-manager", role=Role.MANAGER, is_active=False
        ),
        "superuser-admin": world["admin"],
    }


@dataclass(frozen=True)
class Choice:
    """A field of a form where people are chosen."""

    name: str
    persona: str
    page: Callable[[dict], str]
    field: str
    # Someone who works the account and must be offered.
    offered: str
    # Where the form posts, when not to the page it is on.
    post_url: Callable[[dict], str] | None = None
    changes: Callable[[dict], dict] = nothing
    form_key: str = "form"

    def __str__(self) -> str:
        return self.name


CHOICES = [
    Choice(
        "account-owner-new",
        "manager",
        lambda w: reverse("accounts:create"),
        "owner",
        "colleague",
        changes=lambda w: {"name": "株式会社ニュー", "name_kana": "ニュー"},
    ),
    Choice("account-owner", "manager", at("accounts:edit", "account"), "owner", "colleague"),
    Choice(
        "plan-owner-new",
        "owner",
        _plan_create_url,
        "owner",
        "member",
        changes=lambda w: {"title": "FY2026 second plan"},
    ),
    Choice("plan-owner", "owner", at("plans:edit", "plan"), "owner", "member"),
    Choice("plan-owner-copy", "owner", at("plans:copy_forward", "plan"), "owner", "member"),
    Choice(
        "action-owner",
        "owner",
        at("plans:action_create", "plan"),
        "owner",
        "member",
        changes=lambda w: {"title": "Call the CFO", "due_date": "2026-12-10"},
    ),
    Choice(
        "opportunity-owner-new",
        "owner",
        at("accounts:opportunity_add", "account"),
        "owner",
        "member",
        changes=lambda w: {"title": "Upsell", "amount": "100", "expected_close_date": "2027-01-29"},
    ),
    Choice(
        "opportunity-owner",
        "owner",
        at("accounts:opportunity_edit", "opportunity"),
        "owner",
        "member",
    ),
    Choice(
        "meeting-attendee-new",
        "owner",
        at("accounts:meeting_add", "account"),
        "attendees",
        "colleague",
        changes=lambda w: {"subject": "Kick-off"},
    ),
    Choice(
        "meeting-attendee",
        "owner",
        at("accounts:meeting_edit", "meeting"),
        "attendees",
        "colleague",
    ),
    Choice(
        "team-member",
        "owner",
        at("accounts:team", "account"),
        "user",
        "colleague",
        post_url=at("accounts:team_add", "account"),
        changes=lambda w: {"role": "sales"},
        form_key="team_form",
    ),
    Choice(
        "engagement-owner",
        "owner",
        at("stakeholders:engagement_create", "plan"),
        "owner",
        "colleague",
        changes=lambda w: {"stakeholder": w["newcomer"].pk},
    ),
    Choice(
        "relationship-owner",
        "owner",
        at("stakeholders:create", "account"),
        "relationship_owner",
        "colleague",
        changes=lambda w: {"name": "新 担当"},
    ),
]


def offered_in(html: str, field: str) -> set[int]:
    """The people a rendered form offers in a field: a select's options, or checkboxes."""
    select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', html, re.S)
    if select:
        return {int(pk) for pk in re.findall(r'<option value="(\d+)"', select.group(1))}
    return {int(pk) for pk in re.findall(rf'type="checkbox" name="{field}" value="(\d+)"', html)}


@pytest.mark.parametrize("choice", CHOICES, ids=str)
def test_only_people_who_work_accounts_are_offered(client, world, unassignable, choice):
    login(client, world[choice.persona])
    page = client.get(choice.page(world))
    assert page.status_code == 200
    form = page.context[choice.form_key]
    in_queryset = set(form.fields[choice.field].queryset.values_list("pk", flat=True))
    in_html = offered_in(page.content.decode(), choice.field)
    never = {person.pk for person in unassignable.values()}
    for offered in (in_queryset, in_html):
        assert world[choice.offered].pk in offered
        assert not offered & never
    if choice.name == "team-member":
        # The owner is never on their own team, nor is anyone twice.
        assert world["owner"].pk not in in_queryset | in_html
        assert world["member"].pk not in in_queryset | in_html


NOT_OFFERED = [
    pytest.param(choice, who, id=f"{choice.name}-{who}")
    for choice in CHOICES
    for who in ("retired", "sysadmin")
] + [
    # The owner is a choice everywhere but on their own team.
    pytest.param(choice, "owner", id=f"{choice.name}-owner")
    for choice in CHOICES
    if choice.name == "team-member"
]


@pytest.mark.parametrize(("choice", "who"), NOT_OFFERED)
def test_posting_someone_not_offered_is_refused(client, world, unassignable, choice, who):
    person = world["owner"] if who == "owner" else unassignable[who]
    login(client, world[choice.persona])
    page = client.get(choice.page(world))
    value = [person.pk] if choice.field == "attendees" else person.pk
    data = form_data(page.context[choice.form_key]) | choice.changes(world)
    data[choice.field] = value
    before = stored()
    response = client.post((choice.post_url or choice.page)(world), data)
    assert response.status_code == 200
    assert set(response.context[choice.form_key].errors) == {choice.field}
    assert stored() == before


def _plan_create(w: dict, person: User):
    return plan_services.plan_create(
        account=w["account"],
        title="FY2026 second plan",
        period_start=dt.date(2026, 4, 1),
        period_end=dt.date(2027, 3, 31),
        owner=person,
        user=w["owner"],
    )


# A service asked to put such a person in place anyway: the field it refuses them on.
ASSIGNING = {
    "account-owner-new": (
        "owner",
        lambda w, p: account_services.account_create(
            user=w["manager"], owner=p, name="株式会社ニュー"
        ),
    ),
    "account-owner": (
        "owner",
        lambda w, p: account_services.account_update(
            account=w["account"], user=w["manager"], data={"owner": p}
        ),
    ),
    "plan-owner-new": ("owner", _plan_create),
    "plan-owner": (
        "owner",
        lambda w, p: plan_services.plan_update(
            plan=w["plan"], data={"owner": p}, user=w["manager"]
        ),
    ),
    "plan-owner-copy": (
        "owner",
        lambda w, p: plan_copy_forward(
            plan=w["plan"],
            user=w["owner"],
            title="FY2027 plan",
            period_start=NEXT_YEAR[0],
            period_end=NEXT_YEAR[1],
            owner=p,
        ),
    ),
    "opportunity-owner-new": (
        "owner",
        lambda w, p: account_services.opportunity_create(
            account=w["account"],
            owner=p,
            title="Upsell",
            amount=Decimal("100"),
            expected_close_date=dt.date(2027, 1, 29),
            user=w["owner"],
        ),
    ),
    "opportunity-owner": (
        "owner",
        lambda w, p: account_services.opportunity_update(
            opportunity=w["opportunity"], data={"owner": p}, user=w["owner"]
        ),
    ),
    "meeting-attendee-new": (
        "attendees",
        lambda w, p: account_services.meeting_record(
            account=w["account"],
            recorded_by=w["owner"],
            held_at=dt.datetime(2026, 11, 19, 1, 0, tzinfo=dt.UTC),
            subject="Kick-off",
            attendees=[p],
        ),
    ),
    "meeting-attendee": (
        "attendees",
        lambda w, p: account_services.meeting_update(
            meeting=w["meeting"], data={"attendees": [p]}, user=w["owner"]
        ),
    ),
    "team-member": (
        "user",
        lambda w, p: account_services.team_member_add(
            account=w["account"], member=p, role="sales", user=w["owner"]
        ),
    ),
    "action-owner": (
        "owner",
        lambda w, p: tracking_services.action_update(
            action=w["action"], data={"owner": p}, user=w["owner"]
        ),
    ),
    "engagement-owner": (
        "owner",
        lambda w, p: stakeholder_services.engagement_update(
            engagement=w["engagement"], data={"owner": p}, user=w["owner"]
        ),
    ),
    "relationship-owner": (
        "relationship_owner",
        lambda w, p: stakeholder_services.stakeholder_update(
            stakeholder=w["stakeholder"], data={"relationship_owner": p}, user=w["owner"]
        ),
    ),
}


@pytest.mark.parametrize("who", ["retired", "sysadmin"])
@pytest.mark.parametrize("name", sorted(ASSIGNING))
def test_services_refuse_someone_who_does_not_work_accounts(world, unassignable, name, who):
    field, assign = ASSIGNING[name]
    before = stored()
    with pytest.raises(ValidationError) as refused:
        assign(world, unassignable[who])
    assert set(refused.value.message_dict) == {field}
    assert stored() == before


def test_the_owner_cannot_join_their_own_team(world):
    field, assign = ASSIGNING["team-member"]
    before = stored()
    with pytest.raises(ValidationError) as refused:
        assign(world, world["owner"])
    assert set(refused.value.message_dict) == {field}
    assert stored() == before


def test_handing_the_account_to_a_team_member_takes_them_off_the_team(client, world):
    post = POSTS["account-owner"]
    data = posted(client, post, world) | {"owner": world["member"].pk}
    login(client, world["manager"])
    assert client.post(post.url(world), data).status_code == 302
    assert row_has(world, "account", owner=world["member"])
    assert not world["account"].team_members.filter(user=world["member"]).exists()


# 6. The Django admin


def _admin_url(obj: Model, view: str) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def with_admin_access(user: User) -> User:
    """Let a person into the admin, with every permission on the project's rows: whatever
    they may still not do is the rights' answer."""
    # English pages, so that the assertions read the English source strings.
    user.language = "en"
    user.is_staff = True
    user.save(update_fields=["language", "is_staff"])
    if not user.is_superuser:
        apps = ("accounts", "plans", "stakeholders")
        user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=apps))
    # Read again, so that the permissions are not cached from before.
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize(
    ("persona", "added", "deletes"),
    [
        pytest.param("owner", "owner", True, id="owner-deletes"),
        pytest.param("member", "member", True, id="member-deletes-their-own"),
        pytest.param("member", "owner", False, id="member-refused-the-owners"),
        pytest.param("manager", "owner", True, id="manager-deletes"),
        pytest.param("admin", "owner", True, id="admin-deletes"),
        pytest.param("other_rep", "owner", False, id="other_rep-refused"),
    ],
)
@pytest.mark.parametrize("kind", ["need", "competitor", "action", "meeting", "opportunity"])
def test_admin_deletes_an_item_only_as_the_rights_allow(
    client, world, kind, persona, added, deletes
):
    added_by(world, kind, world[added])
    client.force_login(with_admin_access(world[persona]))
    url = _admin_url(world[kind], "delete")
    if persona == "other_rep":
        # Another rep's rows do not exist for them in the admin either: it goes back to the
        # index saying so, as for any id that is not there.
        assert client.get(url).url == reverse("admin:index")
        client.post(url, {"post": "yes"})
        assert row_gone(world, kind) is False
        return
    assert client.get(url).status_code == (200 if deletes else 403)
    response = client.post(url, {"post": "yes"})
    assert response.status_code == (302 if deletes else 403)
    assert row_gone(world, kind) is deletes


@pytest.mark.parametrize(
    ("persona", "deletes"),
    [
        pytest.param("owner", False, id="owner-refused"),
        pytest.param("member", False, id="member-refused"),
        pytest.param("manager", True, id="manager-deletes"),
        pytest.param("admin", True, id="admin-deletes"),
        pytest.param("other_rep", False, id="other_rep-refused"),
    ],
)
def test_admin_deletes_a_plan_only_for_a_manager(client, world, persona, deletes):
    client.force_login(with_admin_access(world[persona]))
    url = _admin_url(world["plan"], "delete")
    if persona == "other_rep":
        # Not theirs to see, in the admin as on the pages.
        assert client.get(url).url == reverse("admin:index")
        client.post(url, {"post": "yes"})
        assert row_gone(world, "plan") is False
        return
    assert client.get(url).status_code == (200 if deletes else 403)
    response = client.post(url, {"post": "yes"})
    assert response.status_code == (302 if deletes else 403)
    assert row_gone(world, "plan") is deletes


@pytest.mark.parametrize("persona", ["owner", "manager", "admin"])
@pytest.mark.parametrize("how", ["archived-plan", "churned-account"])
def test_admin_deletes_nothing_under_a_frozen_plan(client, world, how, persona):
    freeze(world, how)
    client.force_login(with_admin_access(world[persona]))
    for kind in PLAN_ITEMS:
        url = _admin_url(world[kind], "delete")
        assert client.post(url, {"post": "yes"}).status_code == 403, kind
        assert not row_gone(world, kind), kind


def plan_change_data(client, plan: AccountPlan) -> dict:
    """The plan's admin change form as it was shown, inline rows included."""
    page = client.get(_admin_url(plan, "change"))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = form_data(form)
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {management.add_prefix(k): v for k, v in management.initial.items()}
        for row in inline.formset.initial_forms:
            data |= {row.add_prefix(k): v for k, v in form_data(row).items()}
    return data | {"_save": "Save"}


@pytest.mark.parametrize(
    ("change", "saved"),
    [
        (lambda w: {"status": "active"}, True),
        (lambda w: {"title": NEW}, False),
        (lambda w: {"status": "active", "title": NEW}, False),
        (lambda w: {"owner": w["member"].pk}, False),
        (lambda w: {"status": "active", "owner": w["member"].pk}, False),
    ],
    ids=["unarchive", "edit", "unarchive-and-edit", "new-owner", "unarchive-and-new-owner"],
)
@pytest.mark.parametrize("persona", ["manager", "admin"])
def test_admin_saves_an_archived_plan_only_to_unarchive_it(client, world, persona, change, saved):
    freeze(world, "archived-plan")
    client.force_login(with_admin_access(world[persona]))
    data = plan_change_data(client, world["plan"]) | change(world)
    before = stored()
    response = client.post(_admin_url(world["plan"], "change"), data)
    if saved:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert row_has(world, "plan", status="active", title=world["plan"].title)
        return
    assert response.status_code == 200
    assert list(response.context["adminform"].form.non_field_errors()) == [READ_ONLY]
    assert stored() == before


@pytest.mark.parametrize(
    ("change", "act"),
    [
        (lambda w: {"status": "archived"}, Act.STEWARD),
        (lambda w: {"owner": w["member"].pk}, Act.STEWARD),
    ],
    ids=["archive", "new-owner"],
)
def test_admin_refuses_a_reps_stewardship_on_the_form(client, world, change, act):
    client.force_login(with_admin_access(world["owner"]))
    data = plan_change_data(client, world["plan"]) | change(world)
    before = stored()
    response = client.post(_admin_url(world["plan"], "change"), data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.non_field_errors()) == [REASON[act]]
    assert stored() == before


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        pytest.param("owner", True, id="owner"),
        pytest.param("member", True, id="member"),
        pytest.param("manager", True, id="manager"),
        pytest.param("other_rep", False, id="other_rep"),
    ],
)
@pytest.mark.parametrize("model", ["account", "plan", "stakeholder"])
def test_admin_lists_only_what_the_person_may_read(client, world, persona, sees, model):
    client.force_login(with_admin_access(world[persona]))
    row = world[model]
    meta = row._meta
    listing = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert listing.status_code == 200
    assert (row.pk in {obj.pk for obj in listing.context["cl"].result_list}) is sees
    change = client.get(_admin_url(row, "change"))
    assert (change.status_code == 200) is sees
