"""Bounds the models put on input, so that pages, Django admin and spreadsheet imports all keep
them: dates between 1900 and 2200, dates of what already happened not after today in Japan,
and text of only spaces treated as no text at all."""

import datetime as dt
import re
import sys
from decimal import Decimal

import pytest
import tablib
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Account, Contract, Meeting, Opportunity
from accounts.resources import AccountResource, ContractResource
from kam.core.db import WHITESPACE
from plans.models import AccountPlan, ActionItem, Goal, KPIMeasurement
from stakeholders.models import Stakeholder
from stakeholders.resources import StakeholderResource
from tests.factories import (
    AccountFactory,
    ActionFactory,
    CompetitorFactory,
    ContractFactory,
    GoalFactory,
    KPIFactory,
    MeasurementFactory,
    MeetingFactory,
    NeedFactory,
    OpportunityFactory,
    PlanFactory,
    ReviewFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
OUT_OF_RANGE = "Enter a date between 1900 and 2200."
CANNOT_BE_BLANK = "This field cannot be blank."
TOKYO = dt.timezone(dt.timedelta(hours=9))
# 23:30 UTC on 1 December is already 08:30 on 2 December in Tokyo.
JAPANESE_MORNING = dt.datetime(2026, 12, 1, 23, 30, tzinfo=dt.UTC)
LOCAL_TODAY = dt.date(2026, 12, 2)
LOCAL_TOMORROW = dt.date(2026, 12, 3)


def messages(error: ValidationError, field: str) -> list[str]:
    # Messages are lazy: read them in the language the test asserts.
    with translation.override("en"):
        return [str(message) for message in error.message_dict.get(field, [])]


def refused_by_model(instance) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value


def login(client, user):
    # English pages, so that the assertions read the English source strings.
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def error_beside(html: str, field: str, text: str) -> None:
    """The message sits in the same .field block as the input it is about."""
    start = html.index(f'name="{field}"')
    starts = [m.start() for m in re.finditer(r'<div class="field[ "]', html)]
    block_start = max(i for i in starts if i < start)
    block_end = min((i for i in starts if i > start), default=len(html))
    assert text in html[block_start:block_end], html[block_start:block_end]


# Every date and datetime a person or an import sets -------------------------------------------


def _done_action():
    return ActionFactory(status="done", completed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))


# (make an object, its date field, whether it holds a time too, the field's constraint)
DATE_FIELDS = [
    (ContractFactory, "start_date", False, "contract_start_date_in_range"),
    (ContractFactory, "end_date", False, "contract_end_date_in_range"),
    (ContractFactory, "next_price_review_date", False, "contract_next_price_review_date_in_range"),
    (ContractFactory, "last_price_review_date", False, "contract_last_price_review_date_in_range"),
    (OpportunityFactory, "expected_close_date", False, "opportunity_expected_close_date_in_range"),
    (MeetingFactory, "held_at", True, "meeting_held_at_in_range"),
    (PlanFactory, "period_start", False, "plan_period_start_in_range"),
    (PlanFactory, "period_end", False, "plan_period_end_in_range"),
    (PlanFactory, "next_review_date", False, "plan_next_review_date_in_range"),
    (PlanFactory, "last_reviewed_on", False, "plan_last_reviewed_on_in_range"),
    (GoalFactory, "due_date", False, "goal_due_date_in_range"),
    (MeasurementFactory, "measured_on", False, "measurement_measured_on_in_range"),
    (ActionFactory, "due_date", False, "action_due_date_in_range"),
    (_done_action, "completed_at", True, "action_completed_at_in_range"),
    (ReviewFactory, "reviewed_on", False, "review_reviewed_on_in_range"),
    (ReviewFactory, "next_review_date", False, "review_next_review_date_in_range"),
    (StakeholderFactory, "last_contacted_on", False, "stakeholder_last_contacted_on_in_range"),
]
DATE_IDS = [constraint.removesuffix("_in_range") for *_, constraint in DATE_FIELDS]


def _value(day: dt.date, with_time: bool, time: dt.time = dt.time(12, 0)):
    return dt.datetime.combine(day, time, tzinfo=dt.UTC) if with_time else day


OUTSIDE = {
    "1899-12-31": lambda with_time: _value(dt.date(1899, 12, 31), with_time, dt.time(23, 59)),
    "2201-01-01": lambda with_time: _value(dt.date(2201, 1, 1), with_time, dt.time(0, 0)),
    "9999-12-31": lambda with_time: _value(dt.date(9999, 12, 31), with_time),
}
PERIODS = [("start_date", "end_date"), ("period_start", "period_end")]
EDGES = {
    "1900-01-01": lambda with_time: _value(dt.date(1900, 1, 1), with_time, dt.time.min),
    "2200-12-31": lambda with_time: _value(dt.date(2200, 12, 31), with_time, dt.time.max),
}


def _bypassing_triggers():
    """On PostgreSQL, with the row triggers off for this transaction: a goal due in 9999 is
    outside every plan period, and the trigger that says so would fire before the check."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")


# A start after 2200 also ends before it starts, and PostgreSQL names that constraint first.
PERIOD_ORDER = {
    "start_date": "contract_ends_after_start",
    "period_start": "plan_period_ends_after_start",
}


def _setting_aside(model, constraint: str) -> None:
    """Drop a constraint for the rest of the test's transaction (PostgreSQL rolls it back)."""
    with connection.schema_editor(atomic=False) as editor:
        # Foreign keys checked at commit would otherwise hold the table.
        editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        editor.execute(
            f"ALTER TABLE {editor.quote_name(model._meta.db_table)} "
            f"DROP CONSTRAINT {editor.quote_name(constraint)}"
        )


def test_the_bounds_are_on_every_date_a_person_sets():
    """A new date field on the domain models joins DATE_FIELDS, and so these tests."""
    automatic = {"created_at", "updated_at"}
    derived = {("kpi", "latest_measured_on"), ("account", "health_computed_at")}
    # Stamped by the system at the moment it happens, never typed.
    derived |= {
        ("planreview", "submitted_at"),
        ("planreview", "decided_at"),
        ("reviewsnapshot", "taken_at"),
        ("comment", "edited_at"),
        ("comment", "deleted_at"),
        ("comment", "resolved_at"),
        ("comment", "last_activity_at"),
    }
    dated = {
        (model._meta.model_name, field.name)
        for model in apps.get_models()
        if model._meta.app_label in ("accounts", "plans", "stakeholders")
        and not model.__name__.startswith("Historical")
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateField)
        and not field.generated
        and field.name not in automatic
    }
    covered = {(make()._meta.model_name, field) for make, field, *_ in DATE_FIELDS}
    assert dated - derived == covered


@pytest.mark.parametrize("outside", list(OUTSIDE))
@pytest.mark.parametrize(("make", "field", "with_time", "constraint"), DATE_FIELDS, ids=DATE_IDS)
def test_the_model_refuses_a_date_out_of_range_beside_the_field(
    make, field, with_time, constraint, outside
):
    instance = make()
    setattr(instance, field, OUTSIDE[outside](with_time))

    error = refused_by_model(instance)

    found = messages(error, field)
    assert OUT_OF_RANGE in found
    # Out of range is all there is to say: not also "in the future".
    assert not any("future" in message for message in found)


@pytest.mark.parametrize("edge", list(EDGES))
@pytest.mark.parametrize(("make", "field", "with_time", "constraint"), DATE_FIELDS, ids=DATE_IDS)
def test_the_first_and_last_day_are_within_range(make, field, with_time, constraint, edge):
    instance = make()
    values = {field: EDGES[edge](with_time)}
    # A period ends after it starts: its start and end take the two edges together.
    for start, end in PERIODS:
        if field in (start, end):
            values = {start: EDGES["1900-01-01"](False), end: EDGES["2200-12-31"](False)}
    for name, value in values.items():
        setattr(instance, name, value)
    instance.clean_fields(exclude=[f.name for f in instance._meta.fields if f.name not in values])

    with transaction.atomic():
        if make is GoalFactory:
            _bypassing_triggers()
        type(instance).objects.filter(pk=instance.pk).update(**values)
    instance.refresh_from_db()
    assert {name: getattr(instance, name) for name in values} == values


@pytest.mark.parametrize("outside", list(OUTSIDE))
@pytest.mark.parametrize(("make", "field", "with_time", "constraint"), DATE_FIELDS, ids=DATE_IDS)
def test_the_database_refuses_a_date_out_of_range(make, field, with_time, constraint, outside):
    instance = make()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        if make is GoalFactory:
            _bypassing_triggers()
        if field in PERIOD_ORDER:
            _setting_aside(type(instance), PERIOD_ORDER[field])
        type(instance).objects.filter(pk=instance.pk).update(**{field: OUTSIDE[outside](with_time)})


# Through the pages


@pytest.fixture
def plan(account, owner):
    return PlanFactory(account=account, owner=owner)


def _contract(o) -> dict:
    return {
        "number": "C-2026-001",
        "title": "Support contract",
        "start_date": "2026-04-01",
        "end_date": "2027-03-31",
        "annual_value": "12000000",
        "currency": "JPY",
        "notice_period_days": "90",
        "status": "active",
    }


# (page, valid input, the date field, a value out of range typed into it)
PAGE_CASES = {
    "contract": (
        lambda o: reverse("accounts:contract_add", args=[o["account"].pk]),
        _contract,
        "end_date",
        "9999-12-31",
    ),
    "price review": (
        lambda o: reverse("accounts:contract_add", args=[o["account"].pk]),
        _contract,
        "next_price_review_date",
        "2201-04-01",
    ),
    "opportunity": (
        lambda o: reverse("accounts:opportunity_add", args=[o["account"].pk]),
        lambda o: {
            "title": "Cross-sell analytics",
            "kind": "cross_sell",
            "stage": "qualified",
            "amount": "5000000",
            "currency": "JPY",
            "expected_close_date": "2027-02-28",
            "owner": o["owner"].pk,
        },
        "expected_close_date",
        "1899-12-31",
    ),
    "meeting": (
        lambda o: reverse("accounts:meeting_add", args=[o["account"].pk]),
        lambda o: {"held_at": "2026-11-19T15:30", "kind": "visit", "subject": "Budget"},
        "held_at",
        "9999-12-31T10:00",
    ),
    "plan": (
        lambda o: reverse("plans:create") + f"?account={o['account'].pk}",
        lambda o: {
            "title": "FY2026 plan",
            "period_start": "2026-04-01",
            "period_end": "2027-03-31",
            "status": "draft",
            "owner": o["owner"].pk,
            "review_cadence_months": 3,
        },
        "period_end",
        "9999-03-31",
    ),
    "plan next review": (
        lambda o: reverse("plans:edit", args=[o["plan"].pk]),
        lambda o: {
            "title": "FY2026 plan",
            "period_start": "2026-04-01",
            "period_end": "2027-03-31",
            "owner": o["owner"].pk,
            "review_cadence_months": 3,
            "next_review_date": "2027-01-15",
        },
        "next_review_date",
        "9999-12-31",
    ),
    "goal": (
        lambda o: reverse("plans:goal_create", args=[o["plan"].pk]),
        lambda o: {
            "statement": "Win the Osaka plant",
            "category": "revenue",
            "metric": "Annual orders",
            "target": "50000000",
            "achievable_because": "Pilot went well",
            "due_date": "2027-01-31",
            "status": "not_started",
        },
        "due_date",
        "9999-12-31",
    ),
    "measurement": (
        lambda o: reverse("plans:measurement_create", args=[o["kpi"].pk]),
        lambda o: {"measured_on": "2026-11-01", "value": "70"},
        "measured_on",
        "1899-12-31",
    ),
    "action": (
        lambda o: reverse("plans:action_create", args=[o["plan"].pk]),
        lambda o: {
            "phase": "2",
            "title": "Visit the plant",
            "owner": o["owner"].pk,
            "due_date": "2026-12-10",
        },
        "due_date",
        "9999-12-31",
    ),
    "stakeholder": (
        lambda o: reverse("stakeholders:create", args=[o["account"].pk]),
        lambda o: {
            "name": "新規 花子",
            "buying_role": "influencer",
            "influence": "3",
            "attitude": "0",
            "relationship_strength": "1",
            "last_contacted_on": "2026-11-01",
            "is_active": "on",
        },
        "last_contacted_on",
        "9999-12-31",
    ),
}


def _rows(objects) -> dict:
    account = objects["account"]
    return {
        "contracts": Contract.objects.filter(account=account).count(),
        "opportunities": Opportunity.objects.filter(account=account).count(),
        "meetings": Meeting.objects.filter(account=account).count(),
        "plans": list(AccountPlan.objects.filter(account=account).values_list("updated_at")),
        "goals": Goal.objects.filter(plan__account=account).count(),
        "measurements": KPIMeasurement.objects.filter(kpi__plan__account=account).count(),
        "actions": ActionItem.objects.filter(plan__account=account).count(),
        "stakeholders": Stakeholder.objects.filter(account=account).count(),
    }


@pytest.fixture
def page_objects(account, owner, plan):
    return {"account": account, "owner": owner, "plan": plan, "kpi": KPIFactory(plan=plan)}


@pytest.mark.parametrize("case", list(PAGE_CASES))
def test_a_page_shows_the_range_beside_the_field_and_saves_nothing(
    client, page_objects, owner, case
):
    url, data, field, typed = PAGE_CASES[case]
    login(client, owner)
    before = _rows(page_objects)

    response = client.post(url(page_objects), {**data(page_objects), field: typed}, **HTMX)

    assert response.status_code == 200
    assert "HX-Retarget" not in response and "HX-Redirect" not in response
    error_beside(response.content.decode(), field, OUT_OF_RANGE)
    assert _rows(page_objects) == before


@pytest.mark.parametrize("case", list(PAGE_CASES))
def test_the_same_page_saves_the_date_in_range(client, page_objects, owner, case):
    """The cases above fail on the date alone."""
    url, data, _field, _typed = PAGE_CASES[case]
    login(client, owner)
    before = _rows(page_objects)

    with time_machine.travel(dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC), tick=False):
        response = client.post(url(page_objects), data(page_objects), **HTMX)

    assert response.status_code == 200
    assert _rows(page_objects) != before, response.content.decode()


# Through Django admin


@pytest.fixture
def admin_client(client, admin_user):
    login(client, admin_user)
    client.cookies["django_language"] = "en"
    return client


def _admin_url(obj_or_model, view: str, *args) -> str:
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _admin_form_data(page) -> dict:
    """What the change page would post back unchanged, inlines included."""
    data: dict = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {management.add_prefix(k): v for k, v in management.initial.items()}
        forms += inline.formset.initial_forms
    for form in forms:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, dt.datetime):
                local = timezone.localtime(value)
                data[f"{key}_0"] = local.date().isoformat()
                data[f"{key}_1"] = local.time().isoformat(timespec="seconds")
            elif isinstance(value, list | tuple):
                data[key] = [getattr(item, "pk", item) for item in value]
            else:
                data[key] = getattr(value, "pk", value)
    return data


def _admin_change(client, obj, **changes):
    url = _admin_url(obj, "change", obj.pk)
    page = client.get(url)
    assert page.status_code == 200
    return client.post(url, {**_admin_form_data(page), **changes, "_save": "Save"})


def _admin_errors(response, field: str) -> list[str]:
    assert response.status_code == 200, "saved, though it should not have been"
    return [str(message) for message in response.context["adminform"].form.errors.get(field, [])]


ADMIN_CASES = [
    pytest.param(ContractFactory, {"end_date": "9999-12-31"}, "end_date", id="contract-end"),
    pytest.param(
        ContractFactory,
        {"last_price_review_date": "1899-12-31"},
        "last_price_review_date",
        id="contract-last-price-review",
    ),
    pytest.param(
        OpportunityFactory,
        {"expected_close_date": "2201-01-01"},
        "expected_close_date",
        id="opportunity-close",
    ),
    pytest.param(
        MeetingFactory,
        {"held_at_0": "9999-12-31", "held_at_1": "10:00:00"},
        "held_at",
        id="meeting-held-at",
    ),
    pytest.param(PlanFactory, {"period_end": "9999-03-31"}, "period_end", id="plan-period-end"),
    pytest.param(
        PlanFactory,
        {"last_reviewed_on": "1899-12-31"},
        "last_reviewed_on",
        id="plan-last-reviewed",
    ),
    pytest.param(GoalFactory, {"due_date": "9999-12-31"}, "due_date", id="goal-due"),
    pytest.param(
        MeasurementFactory, {"measured_on": "1899-12-31"}, "measured_on", id="measurement"
    ),
    pytest.param(
        _done_action,
        {"completed_at_0": "9999-12-31", "completed_at_1": "10:00:00"},
        "completed_at",
        id="action-completed-at",
    ),
    pytest.param(ReviewFactory, {"reviewed_on": "1899-12-31"}, "reviewed_on", id="review"),
    pytest.param(
        StakeholderFactory,
        {"last_contacted_on": "9999-12-31"},
        "last_contacted_on",
        id="stakeholder-last-contact",
    ),
]


@pytest.mark.parametrize(("make", "changes", "field"), ADMIN_CASES)
def test_admin_shows_the_range_beside_the_field(admin_client, make, changes, field):
    obj = make()
    before = type(obj).objects.filter(pk=obj.pk).values(field).get()

    response = _admin_change(admin_client, obj, **changes)

    assert OUT_OF_RANGE in _admin_errors(response, field)
    assert type(obj).objects.filter(pk=obj.pk).values(field).get() == before


@pytest.mark.parametrize(("make", "changes", "field"), ADMIN_CASES)
def test_admin_saves_the_same_page_posted_back_unchanged(admin_client, make, changes, field):
    """The cases above fail on the date alone."""
    obj = make()
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC), tick=False):
        response = _admin_change(admin_client, obj)
    assert response.status_code == 302, response.context["adminform"].form.errors


# Through the spreadsheet import

CONTRACT_HEADER = "number,account,title,start_date,end_date,annual_value,currency,status\n"
STAKEHOLDER_HEADER = "account,name,buying_role,influence,attitude,last_contacted_on\n"


def _dataset(csv_text: str) -> tablib.Dataset:
    return tablib.Dataset().load(csv_text, format="csv")


@pytest.fixture
def customer(owner):
    return AccountFactory(name="既存商事株式会社", owner=owner)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("K-9,既存商事株式会社,契約,2026-04-01,9999-12-31,100,JPY,active", "end_date"),
        ("K-9,既存商事株式会社,契約,1899-04-01,2027-03-31,100,JPY,active", "start_date"),
    ],
    ids=["ends-in-9999", "starts-in-1899"],
)
def test_contract_import_names_the_row_and_saves_nothing(settings, customer, row, field):
    settings.LANGUAGE_CODE = "en"
    result = ContractResource().import_data(
        _dataset(
            CONTRACT_HEADER
            + "K-1,既存商事株式会社,保守契約,2026-04-01,2027-03-31,100,JPY,active\n"
            + row
            + "\n"
        ),
        dry_run=False,
        raise_errors=False,
    )

    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert OUT_OF_RANGE in " ".join(invalid.field_specific_errors[field])
    assert not Contract.objects.exists()


@pytest.mark.parametrize(
    ("contacted", "message"),
    [
        ("9999-12-31", OUT_OF_RANGE),
        ("1899-12-31", OUT_OF_RANGE),
        (LOCAL_TOMORROW.isoformat(), "The last contact cannot be dated in the future."),
    ],
    ids=["9999", "1899", "tomorrow-in-tokyo"],
)
def test_stakeholder_import_refuses_the_last_contact_date(settings, customer, contacted, message):
    settings.LANGUAGE_CODE = "en"
    with time_machine.travel(JAPANESE_MORNING, tick=False):
        result = StakeholderResource().import_data(
            _dataset(
                STAKEHOLDER_HEADER
                + f"既存商事株式会社,田中 部長,decision_maker,5,1,{LOCAL_TODAY.isoformat()}\n"
                + f"既存商事株式会社,鈴木 課長,influencer,3,0,{contacted}\n"
            ),
            dry_run=False,
            raise_errors=False,
        )

    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert message in " ".join(invalid.field_specific_errors["last_contacted_on"])
    assert not Stakeholder.objects.exists()


def test_admin_import_page_shows_the_range(admin_client, customer):
    content = (
        CONTRACT_HEADER + "K-9,既存商事株式会社,契約,2026-04-01,9999-12-31,100,JPY,active\n"
    ).encode()

    response = admin_client.post(
        reverse("admin:accounts_contract_import"),
        {"resource": "0", "format": "0", "import_file": SimpleUploadedFile("c.csv", content)},
    )

    assert OUT_OF_RANGE in response.content.decode()
    assert "confirm_form" not in response.context
    assert not Contract.objects.exists()


# Not after today, by the calendar in Japan --------------------------------------------------


def _tokyo(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO)


# (make an object dated today or tomorrow in Tokyo, field, message)
NOT_AFTER_TODAY = [
    pytest.param(
        lambda day: MeetingFactory.build(account=AccountFactory(), held_at=_tokyo(day, 10)),
        "held_at",
        "A meeting cannot be dated in the future.",
        id="meeting",
    ),
    pytest.param(
        lambda day: StakeholderFactory.build(account=AccountFactory(), last_contacted_on=day),
        "last_contacted_on",
        "The last contact cannot be dated in the future.",
        id="stakeholder",
    ),
    pytest.param(
        lambda day: MeasurementFactory.build(kpi=KPIFactory(), measured_on=day),
        "measured_on",
        "A measurement cannot be dated in the future.",
        id="measurement",
    ),
    pytest.param(
        lambda day: ReviewFactory.build(plan=PlanFactory(), reviewed_on=day),
        "reviewed_on",
        "A plan review cannot be dated in the future.",
        id="plan-review",
    ),
]


@pytest.mark.parametrize(("make", "field", "message"), NOT_AFTER_TODAY)
def test_today_in_tokyo_is_accepted_while_it_is_still_yesterday_in_utc(make, field, message):
    with time_machine.travel(JAPANESE_MORNING, tick=False):
        instance = make(LOCAL_TODAY)
        instance.full_clean()
        instance.save()
    assert type(instance).objects.filter(pk=instance.pk).exists()


@pytest.mark.parametrize(("make", "field", "message"), NOT_AFTER_TODAY)
def test_tomorrow_in_tokyo_is_refused_beside_the_field(make, field, message):
    with time_machine.travel(JAPANESE_MORNING, tick=False):
        error = refused_by_model(make(LOCAL_TOMORROW))
    assert messages(error, field) == [message]


@pytest.mark.parametrize(("make", "field", "message"), NOT_AFTER_TODAY)
def test_late_evening_in_tokyo_the_next_day_has_not_come(make, field, message):
    # 14:30 UTC on 1 December is 23:30 in Tokyo: 2 December is still tomorrow there.
    with time_machine.travel(dt.datetime(2026, 12, 1, 14, 30, tzinfo=dt.UTC), tick=False):
        error = refused_by_model(make(LOCAL_TODAY))
    assert messages(error, field) == [message]


def test_a_meeting_late_tonight_in_tokyo_is_today():
    with time_machine.travel(JAPANESE_MORNING, tick=False):
        MeetingFactory.build(
            account=AccountFactory(), held_at=_tokyo(LOCAL_TODAY, 23, 59)
        ).full_clean()


def test_meeting_page_refuses_tomorrow_and_records_this_morning(client, owner, account):
    login(client, owner)
    url = reverse("accounts:meeting_add", args=[account.pk])
    data = {"kind": "visit", "subject": "Morning visit"}

    with time_machine.travel(JAPANESE_MORNING, tick=False):
        refused = client.post(url, {**data, "held_at": "2026-12-03T09:00"}, **HTMX)
        accepted = client.post(url, {**data, "held_at": "2026-12-02T10:00"}, **HTMX)

    error_beside(refused.content.decode(), "held_at", "A meeting cannot be dated in the future.")
    assert accepted["HX-Retarget"] == "#meetings"
    meeting = Meeting.objects.get(account=account)
    assert timezone.localtime(meeting.held_at) == _tokyo(LOCAL_TODAY, 10)


def test_stakeholder_page_refuses_a_last_contact_tomorrow(client, owner, account):
    login(client, owner)
    url = reverse("stakeholders:create", args=[account.pk])
    data = {
        "name": "新規 花子",
        "buying_role": "influencer",
        "influence": "3",
        "attitude": "0",
        "relationship_strength": "1",
        "is_active": "on",
    }

    with time_machine.travel(JAPANESE_MORNING, tick=False):
        refused = client.post(url, {**data, "last_contacted_on": "2026-12-03"}, **HTMX)
        client.post(url, {**data, "last_contacted_on": "2026-12-02"}, **HTMX)

    error_beside(
        refused.content.decode(),
        "last_contacted_on",
        "The last contact cannot be dated in the future.",
    )
    assert Stakeholder.objects.get(account=account).last_contacted_on == LOCAL_TODAY


def test_measurement_page_accepts_today_in_tokyo_and_refuses_tomorrow(client, owner, plan):
    kpi = KPIFactory(plan=plan)
    login(client, owner)
    url = reverse("plans:measurement_create", args=[kpi.pk])

    with time_machine.travel(JAPANESE_MORNING, tick=False):
        refused = client.post(url, {"measured_on": "2026-12-03", "value": "70"}, **HTMX)
        client.post(url, {"measured_on": "2026-12-02", "value": "70"}, **HTMX)

    error_beside(
        refused.content.decode(), "measured_on", "A measurement cannot be dated in the future."
    )
    assert list(kpi.measurements.values_list("measured_on", "value")) == [
        (LOCAL_TODAY, Decimal("70"))
    ]


def test_admin_refuses_a_plan_review_dated_tomorrow(admin_client):
    review = ReviewFactory()
    with time_machine.travel(JAPANESE_MORNING, tick=False):
        refused = _admin_change(admin_client, review, reviewed_on="2026-12-03")
        accepted = _admin_change(admin_client, review, reviewed_on="2026-12-02")

    assert _admin_errors(refused, "reviewed_on") == ["A plan review cannot be dated in the future."]
    assert accepted.status_code == 302
    review.refresh_from_db()
    assert review.reviewed_on == LOCAL_TODAY


def test_admin_refuses_a_meeting_tomorrow_in_tokyo(admin_client):
    meeting = MeetingFactory()
    with time_machine.travel(JAPANESE_MORNING, tick=False):
        response = _admin_change(
            admin_client, meeting, held_at_0="2026-12-03", held_at_1="09:00:00"
        )
    assert _admin_errors(response, "held_at") == ["A meeting cannot be dated in the future."]


# Text of only spaces ------------------------------------------------------------------------


def test_the_database_and_python_agree_on_what_whitespace_is():
    stripped_by_python = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
    assert stripped_by_python == WHITESPACE


# (make an object, required text field, its database constraint)
REQUIRED_TEXT = [
    pytest.param(AccountFactory, "name", "account_name_not_blank", id="account-name"),
    pytest.param(MeetingFactory, "subject", "meeting_subject_not_blank", id="meeting-subject"),
    pytest.param(StakeholderFactory, "name", "stakeholder_name_not_blank", id="stakeholder"),
    pytest.param(NeedFactory, "title", "need_title_not_blank", id="need-title"),
    pytest.param(GoalFactory, "statement", "goal_specific", id="goal-statement"),
    pytest.param(GoalFactory, "metric", "goal_measurable", id="goal-metric"),
    pytest.param(GoalFactory, "achievable_because", "goal_achievable", id="goal-achievable"),
    pytest.param(KPIFactory, "name", "kpi_name_not_blank", id="kpi-name"),
    pytest.param(CompetitorFactory, "competitor", "competitor_not_blank", id="competitor"),
    pytest.param(ActionFactory, "title", "action_title_not_blank", id="action-title"),
]
SPACES = [
    pytest.param("   ", id="spaces"),
    pytest.param("\u3000\u3000", id="full-width-spaces"),
    pytest.param(" \t\n\u3000", id="mixed"),
]


@pytest.mark.parametrize("spaces", SPACES)
@pytest.mark.parametrize(("make", "field", "constraint"), REQUIRED_TEXT)
def test_the_model_refuses_required_text_of_only_spaces(make, field, constraint, spaces):
    instance = make()
    setattr(instance, field, spaces)

    error = refused_by_model(instance)

    assert CANNOT_BE_BLANK in messages(error, field)
    assert getattr(instance, field) == ""


@pytest.mark.parametrize("spaces", SPACES)
@pytest.mark.parametrize(("make", "field", "constraint"), REQUIRED_TEXT)
def test_the_database_refuses_required_text_of_only_spaces(make, field, constraint, spaces):
    instance = make()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        type(instance).objects.filter(pk=instance.pk).update(**{field: spaces})


@pytest.mark.parametrize(("make", "field", "constraint"), REQUIRED_TEXT)
def test_text_with_words_keeps_its_spaces(make, field, constraint):
    instance = make()
    setattr(instance, field, "\u3000東都電機 ")
    instance.full_clean()
    assert getattr(instance, field) == "\u3000東都電機 "
    type(instance).objects.filter(pk=instance.pk).update(**{field: "\u3000東都電機 "})


def test_required_text_without_a_database_rule_is_refused_by_the_model_too():
    plan = PlanFactory()
    plan.title = "\u3000 "
    assert messages(refused_by_model(plan), "title") == [CANNOT_BE_BLANK]


def test_optional_text_of_only_spaces_is_stored_empty():
    account = AccountFactory(name_kana="テスト")
    account.name_kana = "\u3000"
    account.description = " \n "
    account.full_clean()
    assert (account.name_kana, account.description) == ("", "")


@pytest.mark.parametrize(
    ("url", "data", "field", "message"),
    [
        pytest.param(
            lambda o: reverse("accounts:create"),
            lambda o: {
                "name": "\u3000\u3000",
                "industry": "manufacturing",
                "revenue_currency": "JPY",
                "tier": "key",
                "status": "active",
                "owner": o["owner"].pk,
                **{
                    f"score_{name}": "3"
                    for name in (
                        "revenue_size",
                        "industry_position",
                        "growth_rate",
                        "fit",
                        "relationship",
                    )
                },
            },
            "name",
            "Enter the company name.",
            id="account-name",
        ),
        pytest.param(
            lambda o: reverse("accounts:meeting_add", args=[o["account"].pk]),
            lambda o: {"held_at": "2026-11-19T15:30", "kind": "call", "subject": " \u3000 "},
            "subject",
            "Enter a subject.",
            id="meeting-subject",
        ),
        pytest.param(
            lambda o: reverse("stakeholders:create", args=[o["account"].pk]),
            lambda o: {
                "name": "\u3000",
                "buying_role": "influencer",
                "influence": "3",
                "attitude": "0",
                "relationship_strength": "1",
            },
            "name",
            "This field is required.",
            id="stakeholder-name",
        ),
        pytest.param(
            lambda o: reverse("plans:create") + f"?account={o['account'].pk}",
            lambda o: {
                "title": "\u3000\u3000",
                "period_start": "2026-04-01",
                "period_end": "2027-03-31",
                "status": "draft",
                "owner": o["owner"].pk,
                "review_cadence_months": 3,
            },
            "title",
            "Give the plan a title.",
            id="plan-title",
        ),
        pytest.param(
            lambda o: reverse("plans:action_create", args=[o["plan"].pk]),
            lambda o: {
                "phase": "2",
                "title": "\t\u3000",
                "owner": o["owner"].pk,
                "due_date": "2026-12-10",
            },
            "title",
            "Say what will be done.",
            id="action-title",
        ),
    ],
)
def test_a_page_refuses_a_name_of_only_spaces(
    client, page_objects, owner, url, data, field, message
):
    login(client, owner)
    before = (Account.objects.count(), _rows(page_objects))

    with time_machine.travel(dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC), tick=False):
        response = client.post(url(page_objects), data(page_objects), **HTMX)

    assert response.status_code == 200
    error_beside(response.content.decode(), field, message)
    assert (Account.objects.count(), _rows(page_objects)) == before


def test_admin_refuses_a_name_of_only_spaces(admin_client):
    account = AccountFactory(name="東都電機株式会社")
    response = _admin_change(admin_client, account, name="\u3000\u3000")
    assert _admin_errors(response, "name") == ["This field is required."]
    account.refresh_from_db()
    assert account.name == "東都電機株式会社"


def test_import_refuses_a_name_of_only_spaces(settings, owner):
    settings.LANGUAGE_CODE = "en"
    result = AccountResource().import_data(
        _dataset(
            "name,name_kana,industry,tier,status,owner,score_revenue_size,score_fit\n"
            "東都電機株式会社,トウトデンキ,electronics,strategic,active,owner,5,4\n"
            "\u3000\u3000,ホクセイ,food,growth,prospect,owner,2,3\n"
        ),
        dry_run=False,
        raise_errors=False,
    )

    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert CANNOT_BE_BLANK in " ".join(invalid.field_specific_errors["name"])
    assert not Account.objects.exists()
