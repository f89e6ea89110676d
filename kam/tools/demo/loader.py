"""Load the demo portfolio from data/: forty fictional Japanese key accounts.

Every company, person and competitor in it is invented. The files hold the rows as they are,
with dates relative to the day of loading (see dates.py and README.md), so the renewals,
reviews and actions due always look current. Accounts that already exist by name are left
alone, which makes a second run a no-op rather than a duplicate.

Rows go in with bulk inserts, in dependency order, after the whole portfolio has been built
in memory: a few dozen statements in all, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import attrgetter, or_
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.health import refresh_health
from accounts.models import Account, AccountTeamMember, Contract, Meeting, Opportunity
from kam.core.models import Role, User, refresh_search_keys
from plans import comments
from plans.models import (
    KPI,
    LIVE_PLAN,
    AccountPlan,
    ActionItem,
    Comment,
    CommentOn,
    CompetitorPosition,
    CustomerNeed,
    Goal,
    KPIMeasurement,
    PlanReview,
    ReviewSnapshot,
    ReviewState,
)
from plans.reviews import build_snapshot
from plans.services import next_review_after, sign_off_by
from stakeholders.models import Stakeholder, StakeholderEngagement

from .dates import Calendar

DATA = Path(__file__).resolve().parent / "data"
# Recorded as the reason on the history rows the demo creates.
CHANGE_REASON = "デモデータ投入"
BATCH = 1000


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as file:
        return json.load(file, parse_float=Decimal)


@dataclass(frozen=True)
class DemoUser:
    username: str
    last_name: str
    first_name: str
    name_kana: str
    email: str
    role: str
    is_staff: bool = False
    is_superuser: bool = False
    reports_to: str = ""


_USERS = _read(DATA / "users.json")
PASSWORD: str = _USERS["password"]
DEMO_USERS = tuple(DemoUser(**user) for user in _USERS["users"])
REPS = tuple(user.username for user in DEMO_USERS if user.role == Role.REP)
MANAGER = next(user.username for user in DEMO_USERS if user.role == Role.MANAGER)
ACCOUNT_FILES = tuple(sorted((DATA / "accounts").glob("*.json")))
ACCOUNTS: tuple[dict[str, Any], ...] = tuple(_read(path) for path in ACCOUNT_FILES)
COMPANIES = tuple(account["name"] for account in ACCOUNTS)
# The team's conversations on some accounts, by account name.
COMMENTS: dict[str, dict[str, list]] = _read(DATA / "comments.json")
# A review held a few days ago and waiting for the manager's sign-off, with the plan as it
# stood then, so that "what changed since the review" has something to say.
REVIEWS: dict[str, dict[str, Any]] = _read(DATA / "reviews.json")


@dataclass
class SeedResult:
    created: int
    skipped: int
    counts: dict[str, int]


@dataclass
class _Batch:
    """Unsaved rows of every kind, saved in dependency order by save()."""

    accounts: list[Account] = field(default_factory=list)
    team: list[AccountTeamMember] = field(default_factory=list)
    stakeholders: list[Stakeholder] = field(default_factory=list)
    contracts: list[Contract] = field(default_factory=list)
    opportunities: list[Opportunity] = field(default_factory=list)
    meetings: list[tuple[Meeting, list[Stakeholder], list[User]]] = field(default_factory=list)
    plans: list[AccountPlan] = field(default_factory=list)
    needs: list[CustomerNeed] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    kpis: list[KPI] = field(default_factory=list)
    measurements: list[KPIMeasurement] = field(default_factory=list)
    competitors: list[CompetitorPosition] = field(default_factory=list)
    engagements: list[StakeholderEngagement] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)
    reviews: list[PlanReview] = field(default_factory=list)

    def save(self) -> None:
        # Children point at parent objects; bulk_create sets each parent's id on the object,
        # and Django copies it into the child's foreign key when the child is inserted.
        _with_history(Account, self.accounts)
        _bulk(AccountTeamMember, self.team)
        # A manager is inserted before the people reporting to them, a successor contract
        # before the one it renewed.
        for level in _levels(self.stakeholders, attrgetter("reports_to")):
            _with_history(Stakeholder, level)
        for level in _levels(self.contracts, attrgetter("successor")):
            _with_history(Contract, level)
        _bulk(Opportunity, self.opportunities)
        _bulk(Meeting, [meeting for meeting, _, _ in self.meetings])
        _bulk(
            Meeting.stakeholders.through,
            [
                Meeting.stakeholders.through(meeting_id=meeting.pk, stakeholder_id=person.pk)
                for meeting, people, _ in self.meetings
                for person in people
            ],
        )
        _bulk(
            Meeting.attendees.through,
            [
                Meeting.attendees.through(meeting_id=meeting.pk, user_id=user.pk)
                for meeting, _, users in self.meetings
                for user in users
            ],
        )
        _with_history(AccountPlan, self.plans)
        _bulk(CustomerNeed, self.needs)
        _with_history(Goal, self.goals)
        _bulk(KPI, self.kpis)
        _bulk(KPIMeasurement, self.measurements)
        _bulk(CompetitorPosition, self.competitors)
        _bulk(StakeholderEngagement, self.engagements)
        _bulk(ActionItem, self.actions)
        _bulk(PlanReview, self.reviews)


def _levels(rows: list, parent: Callable) -> list[list]:
    """Rows grouped by how many parents they have above them, roots first, order kept."""

    def depth_of(row) -> int:
        depth, above = 0, parent(row)
        while above is not None:
            depth += 1
            if depth > len(rows):
                raise ValueError("a manager or successor loops back to the row itself")
            above = parent(above)
        return depth

    levels: list[list] = []
    for row in rows:
        d = depth_of(row)
        levels.extend([] for _ in range(d + 1 - len(levels)))
        levels[d].append(row)
    return levels


def _bulk(model: type[models.Model], rows: list) -> None:
    refresh_search_keys(rows)
    model.objects.bulk_create(rows, batch_size=BATCH)


def _with_history(model: type[models.Model], rows: list) -> None:
    refresh_search_keys(rows)
    if rows:
        bulk_create_with_history(rows, model, batch_size=BATCH, default_change_reason=CHANGE_REASON)


def demo_users_ensure() -> dict[str, User]:
    """The demo users by username, created with the demo password if missing; existing ones
    are kept as they are."""
    users, created = {}, []
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(**{k: v for k, v in vars(spec).items() if k != "reports_to"})
            user.set_password(PASSWORD)
            user.full_clean()
            user.save()
            created.append((user, spec))
        users[spec.username] = user
    for user, spec in created:
        if spec.reports_to:
            user.reports_to = users[spec.reports_to]
            user.save(update_fields=["reports_to"])
    return users


def demo_counts() -> dict[str, int]:
    """Rows per model of the three domain apps and the users."""
    counts = {"kam.User": User.objects.count()}
    for label in ("accounts", "stakeholders", "plans"):
        for model in apps.get_app_config(label).get_models():
            if not model._meta.label.split(".")[1].startswith("Historical"):
                counts[model._meta.label] = model.objects.count()
    return counts


def _contract_prefixes(account: dict[str, Any]) -> set[str]:
    # Contract numbers read <account>-<nn>; the account part stays when an account is renamed.
    return {contract["number"].rsplit("-", 1)[0] for contract in account.get("contracts", [])}


@transaction.atomic
def demo_seed(*, today: dt.date | None = None) -> SeedResult:
    """Create the demo users and every demo account not there yet, with all that hangs on it."""
    today = today or timezone.localdate()
    calendar = Calendar.on(today, settings.FISCAL_YEAR_START_MONTH)
    users = demo_users_ensure()
    existing = set(Account.objects.filter(name__in=COMPANIES).values_list("name", flat=True))
    # A renamed demo account still holds its contract numbers: leave that one out too.
    prefixes = set().union(*map(_contract_prefixes, ACCOUNTS))
    numbered = set()
    if prefixes:
        numbered = {
            number.rsplit("-", 1)[0]
            for number in Contract.objects.filter(
                reduce(or_, (Q(number__startswith=f"{prefix}-") for prefix in prefixes))
            ).values_list("number", flat=True)
        }
    batch = _Batch()
    rows = _Rows(calendar, users)
    skipped = 0
    for path, account in zip(ACCOUNT_FILES, ACCOUNTS, strict=True):
        if account["name"] in existing or _contract_prefixes(account) & numbered:
            skipped += 1
            continue
        try:
            _add_account(batch, rows, account)
        except (KeyError, ValueError, FieldDoesNotExist) as error:
            raise ValueError(f"demo data {path.name}: {error!r}") from error
    batch.save()
    if batch.accounts:
        refresh_health(
            today, accounts=Account.objects.filter(pk__in=[a.pk for a in batch.accounts])
        )
    for account in batch.accounts:
        _add_comments(account, COMMENTS.get(account.name, {}), calendar, users)
        if account.name in REVIEWS:
            _add_review_waiting(account, REVIEWS[account.name], calendar, users)
    return SeedResult(created=len(batch.accounts), skipped=skipped, counts=demo_counts())


class _Rows:
    """Unsaved model instances from the JSON of one row: dates resolved, users and other
    rows looked up by name."""

    def __init__(self, calendar: Calendar, users: dict[str, User]):
        self.calendar = calendar
        self.users = users

    def make(
        self,
        model: type[models.Model],
        data: dict[str, Any],
        *,
        parts: Iterable[str] = (),
        refs: dict[str, dict[str, models.Model]] | None = None,
        **values: Any,
    ) -> Any:
        """`parts` are keys handled by the caller, `refs` the rows a key names by its name,
        `values` the parents."""
        refs = refs or {}
        for key, value in data.items():
            if key in parts:
                continue
            model_field = model._meta.get_field(key)
            if value is None:
                pass
            elif key in refs:
                value = refs[key][value]
            elif model_field.is_relation:
                value = self.users[value]
            elif isinstance(model_field, models.DateTimeField):
                value = self.calendar.datetime(value)
            elif isinstance(model_field, models.DateField):
                value = self.calendar.date(value)
            elif isinstance(value, str):
                value = self.calendar.text(value)
            values[model_field.name] = value
        return model(**values)


def _by_name(rows: list, key: str, what: str) -> dict[str, Any]:
    named = {}
    for row in rows:
        name = getattr(row, key)
        if name in named:
            raise ValueError(f"two {what} called {name!r}")
        named[name] = row
    return named


def _add_account(batch: _Batch, rows: _Rows, data: dict[str, Any]) -> None:
    account = rows.make(
        Account,
        data,
        parts=("team", "stakeholders", "contracts", "opportunities", "meetings", "plans"),
    )
    batch.accounts.append(account)
    for member in data.get("team", []):
        batch.team.append(rows.make(AccountTeamMember, member, account=account))

    people_data = data.get("stakeholders", [])
    people = _by_name(
        [rows.make(Stakeholder, p, parts=("reports_to",), account=account) for p in people_data],
        "name",
        "stakeholders",
    )
    for person in people_data:
        if person.get("reports_to"):
            people[person["name"]].reports_to = people[person["reports_to"]]
    batch.stakeholders.extend(people.values())

    contracts_data = data.get("contracts", [])
    contracts = _by_name(
        [rows.make(Contract, c, parts=("successor",), account=account) for c in contracts_data],
        "number",
        "contracts",
    )
    for contract in contracts_data:
        if contract.get("successor"):
            contracts[contract["number"]].successor = contracts[contract["successor"]]
    batch.contracts.extend(contracts.values())

    for opportunity_data in data.get("opportunities", []):
        opportunity = rows.make(Opportunity, opportunity_data, account=account)
        if opportunity.expected_close_date:
            opportunity.title = rows.calendar.text(
                opportunity.title, close_year=opportunity.expected_close_date.year
            )
        batch.opportunities.append(opportunity)

    for meeting in data.get("meetings", []):
        batch.meetings.append(
            (
                rows.make(Meeting, meeting, parts=("stakeholders", "attendees"), account=account),
                [people[name] for name in meeting.get("stakeholders", [])],
                [rows.users[name] for name in meeting.get("attendees", [])],
            )
        )

    for plan in data.get("plans", []):
        _add_plan(batch, rows, plan, account, people)


def _add_plan(
    batch: _Batch,
    rows: _Rows,
    data: dict[str, Any],
    account: Account,
    people: dict[str, Stakeholder],
) -> None:
    plan = rows.make(
        AccountPlan,
        data,
        parts=("needs", "competitors", "engagements", "actions", "reviews"),
        account=account,
    )
    batch.plans.append(plan)
    goals = []
    for need_data in data.get("needs", []):
        need = rows.make(CustomerNeed, need_data, parts=("goals",), plan=plan)
        batch.needs.append(need)
        for goal_data in need_data.get("goals", []):
            goal = rows.make(Goal, goal_data, parts=("kpis",), plan=plan, need=need)
            batch.goals.append(goal)
            goals.append(goal)
            for kpi_data in goal_data.get("kpis", []):
                _add_kpi(batch, rows, kpi_data, plan, goal)
    goals_by_metric = _by_name(goals, "metric", "goals measured by")
    for competitor in data.get("competitors", []):
        batch.competitors.append(rows.make(CompetitorPosition, competitor, plan=plan))
    for engagement in data.get("engagements", []):
        batch.engagements.append(
            rows.make(StakeholderEngagement, engagement, refs={"stakeholder": people}, plan=plan)
        )
    for action in data.get("actions", []):
        batch.actions.append(
            rows.make(ActionItem, action, refs={"goal": goals_by_metric}, plan=plan)
        )
    for review in data.get("reviews", []):
        # The demo's past reviews were held before sign-off: recorded, not waiting on anyone.
        batch.reviews.append(rows.make(PlanReview, review, plan=plan, state=ReviewState.RECORDED))


def _add_comments(
    account: Account, threads: dict[str, list], calendar: Calendar, users: dict[str, User]
) -> None:
    """The team's threads on the account and its live plan, written through the comment
    service (so the people mentioned are notified), then dated as the data says."""
    plan = account.plans.filter(status__in=LIVE_PLAN).first()
    for where, items in (
        ("account", threads.get("account", [])),
        ("plan", threads.get("plan", [])),
    ):
        for item in items:
            if where == "account":
                on, on_id, in_plan = CommentOn.ACCOUNT, account.pk, None
            else:
                on, _sep, name = item["about"].partition(":")
                on_id = plan.goals.get(metric=name).pk if on == CommentOn.GOAL else plan.pk
                in_plan = plan
            root = comments.comment_start(
                account=account,
                plan=in_plan,
                on=on,
                on_id=on_id,
                body=item["body"],
                author=users[item["author"]],
            )
            written = [(root, calendar.datetime(item["at"]))]
            for reply in item["replies"]:
                answer = comments.comment_reply(
                    thread=root, body=reply["body"], author=users[reply["author"]]
                )
                written.append((answer, calendar.datetime(reply["at"])))
            for comment, at in written:
                Comment.objects.filter(pk=comment.pk).update(created_at=at, updated_at=at)
            Comment.objects.filter(pk=root.pk).update(last_activity_at=written[-1][1])
            if item.get("resolved_by"):
                comments.thread_resolve(thread=root, user=users[item["resolved_by"]])


def _add_review_waiting(
    account: Account, spec: dict[str, Any], calendar: Calendar, users: dict[str, User]
) -> None:
    plan = account.plans.filter(status__in=LIVE_PLAN).first()
    submitted_at = calendar.datetime(spec["submitted_at"])
    review = PlanReview(
        plan=plan,
        reviewed_on=calendar.date(spec["reviewed_on"]),
        reviewer=users[spec["reviewer"]],
        notes=spec["notes"],
        decisions=spec["decisions"],
        state=ReviewState.SUBMITTED,
        approver=sign_off_by(plan),
        submitted_at=submitted_at,
    )
    review.full_clean()
    review.save()
    AccountPlan.objects.filter(pk=plan.pk).update(
        last_reviewed_on=review.reviewed_on,
        next_review_date=next_review_after(plan=plan, reviewed_on=review.reviewed_on),
    )
    data = build_snapshot(plan)
    then = spec["as_it_stood"]
    data["taken_at"] = submitted_at.isoformat()
    data["plan"]["value_what"] = then.get("value_what", data["plan"]["value_what"])
    for goal in data["goals"]:
        if goal["metric"] in then.get("goals", {}):
            current, low, high = (
                Decimal(then["goals"][goal["metric"]]),
                Decimal(goal["baseline"]),
                Decimal(goal["target"]),
            )
            goal["current_value"] = str(current)
            goal["progress"] = float(max(0, min(1, (current - low) / (high - low))))
    for person in data["stakeholders"]:
        person.update(then.get("stakeholders", {}).get(person["name"], {}))
    for action in data["actions"]:
        action["status"] = then.get("actions", {}).get(action["title"], action["status"])
    ReviewSnapshot.objects.create(review=review, taken_at=submitted_at, data=data)


def _add_kpi(batch: _Batch, rows: _Rows, data: dict[str, Any], plan: AccountPlan, goal: Goal):
    kpi = rows.make(KPI, data, parts=("measurements",), plan=plan, goal=goal)
    measurements = [rows.make(KPIMeasurement, m, kpi=kpi) for m in data.get("measurements", [])]
    if measurements:
        # What plans.services.kpi_refresh_latest would store: the newest measurement.
        newest = max(measurements, key=attrgetter("measured_on"))
        kpi.latest_value, kpi.latest_measured_on = newest.value, newest.measured_on
    batch.measurements.extend(measurements)
    batch.kpis.append(kpi)
