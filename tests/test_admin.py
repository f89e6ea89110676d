import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import (
    Account,
    AccountContractValue,
    AccountTeamMember,
    Contract,
    Meeting,
    Opportunity,
)
from kam.core import security_log
from kam.core.models import (
    Change,
    DigestLog,
    Notification,
    Reminder,
    Role,
    SecurityEvent,
    SecurityEventKind,
    User,
)
from plans import comments
from plans.models import (
    KPI,
    AccountPlan,
    ActionItem,
    Comment,
    CompetitorPosition,
    CustomerNeed,
    Goal,
    KPIMeasurement,
    Mention,
    PlanReview,
    ReviewSnapshot,
)
from plans.reviews import take_snapshot
from stakeholders.models import Stakeholder, StakeholderEngagement
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
    ReviewFactory,
    StakeholderFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"kam", "accounts", "plans", "stakeholders"}
LANGUAGES = ["ja", "en"]


def _account_with_children() -> Account:
    account = AccountFactory()
    TeamMemberFactory(account=account)
    ContractFactory(account=account)
    boss = StakeholderFactory(account=account)
    StakeholderFactory(account=account, reports_to=boss)
    return account


def _plan_with_children() -> AccountPlan:
    plan = PlanFactory()
    need = NeedFactory(plan=plan)
    goal = GoalFactory(plan=plan, need=need)
    MeasurementFactory(kpi=KPIFactory(plan=plan, goal=goal))
    CompetitorFactory(plan=plan)
    ActionFactory(plan=plan, goal=goal)
    ReviewFactory(plan=plan)
    EngagementFactory(plan=plan)
    return plan


def _kpi_with_measurements() -> KPI:
    kpi = KPIFactory()
    MeasurementFactory(kpi=kpi, measured_on=dt.date(2026, 5, 31), value=Decimal("40"))
    MeasurementFactory(kpi=kpi, measured_on=dt.date(2026, 6, 30), value=Decimal("55"))
    return kpi


def _reminder() -> Reminder:
    account = AccountFactory()
    return Reminder.objects.create(
        kind="renewal_due",
        recipient=account.owner,
        object_id=ContractFactory(account=account).pk,
        due_date=dt.date(2026, 12, 31),
        lead_days=30,
        account=account,
        title="更新期限が近づいています",
        url="/renewals/",
    )


def _notification() -> Notification:
    reminder = _reminder()
    return Notification.objects.create(
        recipient=reminder.recipient, reminder=reminder, kind=reminder.kind, title=reminder.title
    )


# One existing object per project model, with children where its change page has inlines,
# so that the inline rows render too.
def _comment() -> Comment:
    plan = PlanFactory()
    UserFactory(username="boss", role=Role.MANAGER)
    return comments.comment_start(
        account=plan.account,
        plan=plan,
        on="plan",
        on_id=plan.pk,
        body="来週の定例で確認 @boss",
        author=plan.owner,
    )


MAKERS: dict[type[Model], Callable[[], Model]] = {
    User: UserFactory,
    Reminder: _reminder,
    Notification: _notification,
    DigestLog: lambda: DigestLog.objects.create(
        recipient=UserFactory(), digest_date=dt.date(2026, 11, 2), item_count=3
    ),
    Account: _account_with_children,
    AccountTeamMember: TeamMemberFactory,
    Contract: ContractFactory,
    Opportunity: OpportunityFactory,
    Meeting: MeetingFactory,
    Stakeholder: StakeholderFactory,
    StakeholderEngagement: EngagementFactory,
    AccountPlan: _plan_with_children,
    CustomerNeed: NeedFactory,
    Goal: GoalFactory,
    KPI: _kpi_with_measurements,
    KPIMeasurement: MeasurementFactory,
    CompetitorPosition: CompetitorFactory,
    ActionItem: lambda: ActionFactory(
        status="done", completed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    ),
    PlanReview: ReviewFactory,
    ReviewSnapshot: lambda: take_snapshot(ReviewFactory()),
    Comment: _comment,
    SecurityEvent: lambda: security_log.record(
        SecurityEventKind.EXPORT, actor=UserFactory(), list="accounts", rows=3, format="csv"
    ),
    Change: lambda: Change.objects.create(
        account_id=AccountFactory().pk,
        model="accounts.account",
        object_id=1,
        object_repr="株式会社サンプル",
        action="~",
        at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        fields=[{"field": "headquarters", "old": "大阪", "new": "東京"}],
    ),
}

# Written by the system only (the change log, review snapshots): read, never added or edited.
READ_ONLY = {Change, ReviewSnapshot, Comment, SecurityEvent}

# Kept by the database and shown read-only inside another model's page, not on their own.
INLINE_ONLY = {AccountContractValue, Mention}
REGISTERED = sorted(
    (model for model in admin.site._registry if model._meta.app_label in PROJECT_APPS),
    key=lambda model: model._meta.label,
)


def _url(model: type[Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client_in(client, admin_user):
    """A signed-in admin reading in the given language (their saved language wins)."""

    def sign_in(language: str):
        admin_user.language = language
        admin_user.save(update_fields=["language"])
        client.force_login(admin_user)
        client.cookies["django_language"] = language
        return client

    return sign_in


def _assert_page(response, language: str) -> None:
    assert response.status_code == 200
    assert f'<html lang="{language}"' in response.content.decode()


def test_every_project_model_has_an_admin():
    project_models = {
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and not model.__name__.startswith("Historical")
    }
    assert project_models - set(admin.site._registry) == INLINE_ONLY
    assert set(MAKERS) == project_models - INLINE_ONLY


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_changelist_answers(admin_client_in, model, language):
    MAKERS[model]()
    _assert_page(admin_client_in(language).get(_url(model, "changelist")), language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_add_page_answers(admin_client_in, model, language):
    response = admin_client_in(language).get(_url(model, "add"))
    if model in READ_ONLY:
        # Kept by the system as proof of what happened: nobody adds one by hand.
        assert response.status_code == 403
        return
    _assert_page(response, language)


def test_the_account_page_shows_its_contract_value_read_only(admin_client_in):
    contract = ContractFactory(annual_value=Decimal("12000000"))
    body = admin_client_in("en").get(_url(Account, "change", contract.account.pk)).content
    body = body.decode()
    assert 'id="contract_values-group"' in body
    assert 'name="contract_values-0-live_value"' not in body  # shown, not editable


def test_deleting_an_account_with_contracts_in_admin_removes_its_rollup(admin_client_in):
    contract = ContractFactory()
    account = contract.account
    client = admin_client_in("en")
    response = client.post(_url(Account, "delete", account.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Account.objects.filter(pk=account.pk).exists()
    assert not AccountContractValue.objects.filter(account_id=account.pk).exists()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_change_page_answers(admin_client_in, model, language):
    obj = MAKERS[model]()
    _assert_page(admin_client_in(language).get(_url(model, "change", obj.pk)), language)


@pytest.mark.parametrize(
    "model", [Account, Contract, Stakeholder, AccountPlan, Goal], ids=lambda m: m.__name__
)
def test_history_page_answers(admin_client_in, model):
    obj = MAKERS[model]()
    response = admin_client_in("ja").get(_url(model, "history", obj.pk))
    assert response.status_code == 200


def test_site_titles_are_set(admin_client_in):
    response = admin_client_in("en").get(reverse("admin:index"))
    assert "KAM CRM administration" in response.content.decode()


def test_changelist_search_by_kana_reading_finds_the_account(admin_client_in):
    wanted = AccountFactory(name="東京精密電機株式会社", name_kana="トウキョウセイミツデンキ")
    AccountFactory(name="大阪物産株式会社", name_kana="オオサカブッサン")

    response = admin_client_in("ja").get(_url(Account, "changelist"), {"q": "セイミツ"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


def test_changelist_search_finds_stakeholder_by_kana(admin_client_in):
    wanted = StakeholderFactory(name="渡辺 一郎", name_kana="ワタナベ イチロウ")
    StakeholderFactory(name="伊藤 二郎", name_kana="イトウ ジロウ")

    response = admin_client_in("ja").get(_url(Stakeholder, "changelist"), {"q": "ワタナベ"})

    assert list(response.context["cl"].result_list) == [wanted]


def _changelist_queries(client, model: type[Model]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (Account, AccountFactory),
        (Contract, ContractFactory),
        (Stakeholder, StakeholderFactory),
        (Goal, GoalFactory),
        (KPI, KPIFactory),
        (KPIMeasurement, MeasurementFactory),
        (ActionItem, ActionFactory),
        (PlanReview, ReviewFactory),
        (StakeholderEngagement, EngagementFactory),
        (Meeting, MeetingFactory),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_changelist_queries_do_not_grow_with_rows(admin_client_in, model, make):
    client = admin_client_in("ja")
    for _ in range(3):
        make()
    with_three = _changelist_queries(client, model)
    for _ in range(27):
        make()
    assert _changelist_queries(client, model) == with_three


def _kpi_form_data(kpi: KPI, **rows) -> dict:
    data = {
        "plan": kpi.plan_id,
        "goal": "",
        "name": kpi.name,
        "kind": kpi.kind,
        "unit": kpi.unit,
        "target": str(kpi.target),
        "direction": kpi.direction,
        "measurements-TOTAL_FORMS": "0",
        "measurements-INITIAL_FORMS": "0",
        "measurements-MIN_NUM_FORMS": "0",
        "measurements-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    data.update(rows)
    return data


def _assert_saved(response) -> None:
    if response.status_code != 302:
        context = response.context
        errors = [context["adminform"].form.errors]
        errors += [f.formset.errors for f in context.get("inline_admin_formsets", [])]
        pytest.fail(f"not saved: {errors}")


def test_measurement_added_on_the_kpi_page_updates_latest_value(admin_client_in, admin_user):
    kpi = _kpi_with_measurements()
    client = admin_client_in("ja")

    response = client.post(
        _url(KPI, "change", kpi.pk),
        _kpi_form_data(
            kpi,
            **{
                "measurements-TOTAL_FORMS": "1",
                "measurements-0-kpi": str(kpi.pk),
                "measurements-0-id": "",
                "measurements-0-measured_on": "2026-09-30",
                "measurements-0-value": "80",
                "measurements-0-note": "上期末",
            },
        ),
    )

    _assert_saved(response)
    kpi.refresh_from_db()
    assert kpi.latest_value == Decimal("80")
    assert kpi.latest_measured_on == dt.date(2026, 9, 30)
    assert kpi.attainment == pytest.approx(0.8)
    assert kpi.measurements.get(measured_on=dt.date(2026, 9, 30)).recorded_by == admin_user


def test_measurement_deleted_on_the_kpi_page_falls_back_to_the_previous_one(admin_client_in):
    kpi = _kpi_with_measurements()
    older, newer = kpi.measurements.order_by("measured_on")
    client = admin_client_in("ja")

    rows = {"measurements-TOTAL_FORMS": "2", "measurements-INITIAL_FORMS": "2"}
    # The inline lists the newest first.
    for index, measurement in enumerate([newer, older]):
        rows |= {
            f"measurements-{index}-kpi": str(kpi.pk),
            f"measurements-{index}-id": str(measurement.pk),
            f"measurements-{index}-measured_on": measurement.measured_on.isoformat(),
            f"measurements-{index}-value": str(measurement.value),
            f"measurements-{index}-note": "",
        }
    rows["measurements-0-DELETE"] = "on"
    response = client.post(_url(KPI, "change", kpi.pk), _kpi_form_data(kpi, **rows))

    _assert_saved(response)
    kpi.refresh_from_db()
    assert kpi.latest_value == older.value
    assert kpi.latest_measured_on == older.measured_on


def test_measurement_admin_add_change_and_delete_keep_latest_value(admin_client_in):
    kpi = _kpi_with_measurements()
    client = admin_client_in("ja")

    response = client.post(
        _url(KPIMeasurement, "add"),
        {"kpi": kpi.pk, "measured_on": "2026-10-31", "value": "90", "note": "", "_save": "Save"},
    )
    _assert_saved(response)
    kpi.refresh_from_db()
    assert (kpi.latest_value, kpi.latest_measured_on) == (Decimal("90"), dt.date(2026, 10, 31))

    newest = kpi.measurements.get(measured_on=dt.date(2026, 10, 31))
    response = client.post(
        _url(KPIMeasurement, "change", newest.pk),
        {"kpi": kpi.pk, "measured_on": "2026-10-31", "value": "95", "note": "", "_save": "Save"},
    )
    _assert_saved(response)
    kpi.refresh_from_db()
    assert kpi.latest_value == Decimal("95")

    response = client.post(_url(KPIMeasurement, "delete", newest.pk), {"post": "yes"})
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert (kpi.latest_value, kpi.latest_measured_on) == (Decimal("55"), dt.date(2026, 6, 30))

    response = client.post(
        _url(KPIMeasurement, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [m.pk for m in kpi.measurements.all()],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    kpi.refresh_from_db()
    assert (kpi.latest_value, kpi.latest_measured_on, kpi.attainment) == (None, None, None)


def test_measurement_moved_to_another_kpi_refreshes_both(admin_client_in):
    first = _kpi_with_measurements()
    second = KPIFactory(plan=first.plan)
    newest = first.measurements.get(measured_on=dt.date(2026, 6, 30))

    response = admin_client_in("ja").post(
        _url(KPIMeasurement, "change", newest.pk),
        {"kpi": second.pk, "measured_on": "2026-06-30", "value": "55", "note": "", "_save": "Save"},
    )

    _assert_saved(response)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.latest_value == Decimal("40")
    assert second.latest_value == Decimal("55")


def test_action_marked_done_in_admin_gets_completed_at(admin_client_in):
    action = ActionFactory()
    data = {
        "plan": action.plan_id,
        "goal": "",
        "phase": action.phase,
        "title": action.title,
        "description": "",
        "owner": action.owner_id,
        "due_date": action.due_date.isoformat(),
        "resources": "",
        "status": "done",
        "completed_at_0": "",
        "completed_at_1": "",
        "_save": "Save",
    }

    _assert_saved(admin_client_in("ja").post(_url(ActionItem, "change", action.pk), data))

    action.refresh_from_db()
    assert action.completed_at is not None


def test_plan_period_that_strands_goals_is_refused_on_the_field(admin_client_in):
    plan = PlanFactory()
    GoalFactory(plan=plan, due_date=dt.date(2027, 3, 31))
    client = admin_client_in("en")
    page = client.get(_url(AccountPlan, "change", plan.pk))
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None
    }
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {management.add_prefix(k): v for k, v in management.initial.items()}
        for form in inline.formset.initial_forms:
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if value is not None:
                    data[form.add_prefix(name)] = getattr(value, "pk", value)
    data |= {"period_end": "2026-12-31", "_save": "Save"}

    response = client.post(_url(AccountPlan, "change", plan.pk), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "1 goal is due outside" in str(errors["period_end"])
    plan.refresh_from_db()
    assert plan.period_end == dt.date(2027, 3, 31)
