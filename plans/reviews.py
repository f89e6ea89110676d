"""Reviews that compare: the plan frozen at each review, and what changed since.

A review meeting asks one question: what changed since the last review? `build_snapshot`
freezes the whole plan in one compact record (a JSON document, so it reads the same on
PostgreSQL and SQLite, and after the live rows change or go); `compare` sets two of them side
by side (a review's and another's, or a review's and the plan as it is now, built the same
way), and `text_diff` marks what changed in the written sections by phrase, which works for
Japanese, where words are not separated by spaces.

Snapshots are never updated (a trigger refuses it, plans migration 0009). The one exception
the law makes, erasing a stakeholder's personal data on request (APPI), replaces each
snapshot naming them with a redacted copy: `redact_stakeholder`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders.models import Attitude, BuyingRole, Stakeholder, StakeholderEngagement

from .models import (
    KPI,
    PLAN_PROFILE_FIELDS,
    PLAN_VALUE_FIELDS,
    AccountPlan,
    ActionItem,
    ActionStatus,
    CompetitorPosition,
    CustomerNeed,
    Goal,
    GoalStatus,
    NeedKind,
    NeedStatus,
    Phase,
    PlanReview,
    ReviewSnapshot,
    ThreatLevel,
)

FORMAT = 1
TEXT_FIELDS = (*PLAN_VALUE_FIELDS, *PLAN_PROFILE_FIELDS)


def _plain(value: Any) -> Any:
    """A value JSON keeps exactly: decimals as text, dates as ISO dates."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _rows(queryset, fields: tuple[str, ...], **named) -> list[dict]:
    rows = []
    for row in queryset.values("id", *fields, **named):
        rows.append({key: _plain(value) for key, value in row.items()})
    return rows


def build_snapshot(plan: AccountPlan) -> dict:
    """The whole plan as it stands, in one document (a constant number of queries)."""
    owner = {"owner_last": F("owner__last_name"), "owner_first": F("owner__first_name")}
    return {
        "format": FORMAT,
        "taken_at": timezone.now().isoformat(),
        "plan": {
            "title": plan.title,
            "status": plan.status,
            "period_start": plan.period_start.isoformat(),
            "period_end": plan.period_end.isoformat(),
            **{name: getattr(plan, name) for name in TEXT_FIELDS},
        },
        "needs": _rows(
            CustomerNeed.objects.filter(plan=plan), ("title", "kind", "priority", "status")
        ),
        "goals": _rows(
            Goal.objects.filter(plan=plan),
            (
                "statement",
                "metric",
                "unit",
                "baseline",
                "target",
                "current_value",
                "progress",
                "status",
                "due_date",
                "need_id",
            ),
        ),
        "kpis": _rows(
            KPI.objects.filter(plan=plan),
            (
                "name",
                "unit",
                "target",
                "direction",
                "latest_value",
                "latest_measured_on",
                "attainment",
                "goal_id",
            ),
        ),
        "competitors": _rows(
            CompetitorPosition.objects.filter(plan=plan),
            ("competitor", "threat_level", "share_of_wallet", "win_strategy"),
        ),
        "stakeholders": _rows(
            Stakeholder.objects.filter(account_id=plan.account_id),
            ("name", "title", "attitude", "influence", "buying_role", "is_active"),
        ),
        "engagements": _rows(
            StakeholderEngagement.objects.filter(plan=plan),
            ("stakeholder_id", "desired_attitude", "approach"),
            **owner,
        ),
        "actions": _rows(
            ActionItem.objects.filter(plan=plan),
            ("title", "status", "due_date", "phase", "goal_id"),
            **owner,
        ),
    }


def take_snapshot(review: PlanReview) -> ReviewSnapshot:
    data = build_snapshot(review.plan)
    return ReviewSnapshot.objects.create(
        review=review, taken_at=dt.datetime.fromisoformat(data["taken_at"]), data=data
    )


# Redaction (APPI): a person's data leaves every snapshot that names them.

REDACTED = "—"
PERSONAL = ("name", "title")


@transaction.atomic
def redact_stakeholder(stakeholder_id: int, account_id: int) -> int:
    """Replace each snapshot of the account's plans that names the stakeholder with a copy
    where their name and job title are gone (their attitude and influence stay, as facts
    about the account without a name). The frozen row is deleted and inserted again, never
    updated. Returns how many snapshots changed."""
    changed = 0
    snapshots = ReviewSnapshot.objects.select_for_update().filter(
        review__plan__account_id=account_id
    )
    for snapshot in snapshots:
        data = snapshot.data
        hit = False
        for person in data.get("stakeholders", []):
            if person.get("id") == stakeholder_id and person.get("name") != REDACTED:
                person.update(dict.fromkeys(PERSONAL, REDACTED))
                hit = True
        if hit:
            review_id, taken_at = snapshot.review_id, snapshot.taken_at
            snapshot.delete()
            ReviewSnapshot.objects.create(review_id=review_id, taken_at=taken_at, data=data)
            changed += 1
    return changed


# Comparing two snapshots


@dataclass
class Moved:
    """A number that moved: before and after, and which way."""

    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def arrow(self) -> str:
        delta = self.delta
        if delta is None or abs(delta) < 1e-9:
            return "→"
        return "↑" if delta > 0 else "↓"

    @property
    def direction(self) -> str:
        return {"↑": "up", "↓": "down"}.get(self.arrow, "flat")


@dataclass
class Row:
    """One object in both snapshots (or only one: `before` or `after` is None)."""

    id: int
    before: dict | None
    after: dict | None
    moved: dict[str, Moved] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    # Choice fields in the reader's language: name -> (before, after).
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def now(self) -> dict:
        return self.after or self.before or {}


@dataclass
class TextChange:
    field: str
    segments: list[tuple[str, str]]

    @property
    def label(self) -> str:
        return label_for(self.field)


@dataclass
class Comparison:
    goals: list[Row]
    kpis: list[Row]
    stakeholders: list[Row]
    actions_completed: list[Row]
    actions_added: list[Row]
    actions_overdue: list[Row]
    actions_removed: list[Row]
    needs_opened: list[Row]
    needs_closed: list[Row]
    competitors: list[Row]
    texts: list[TextChange]
    before_day: dt.date
    after_day: dt.date

    @property
    def nothing(self) -> bool:
        return not any(
            (
                self.goals,
                self.kpis,
                self.stakeholders,
                self.actions_completed,
                self.actions_added,
                self.actions_overdue,
                self.actions_removed,
                self.needs_opened,
                self.needs_closed,
                self.competitors,
                self.texts,
            )
        )


def _labelled(rows: list[Row], choices: dict[str, type]) -> list[Row]:
    """Put each choice's label beside its stored value, before and after."""
    for row in rows:
        for name, kind in choices.items():
            shown = []
            for side in (row.before, row.after):
                value = side.get(name) if side else None
                try:
                    shown.append(str(kind(value).label) if value is not None else "")
                except ValueError:
                    shown.append(str(value))
            row.labels[name] = (shown[0], shown[1])
    return rows


def _number(value) -> float | None:
    if value in (None, ""):
        return None
    return float(value)


def _pairs(before: list[dict], after: list[dict]) -> list[tuple[int, dict | None, dict | None]]:
    old = {row["id"]: row for row in before}
    new = {row["id"]: row for row in after}
    keys = list(new) + [key for key in old if key not in new]
    return [(key, old.get(key), new.get(key)) for key in keys]


def _day(snapshot: dict) -> dt.date:
    return timezone.localdate(dt.datetime.fromisoformat(snapshot["taken_at"]))


def _overdue(action: dict | None, day: dt.date) -> bool:
    if action is None or action["status"] == ActionStatus.DONE:
        return False
    return dt.date.fromisoformat(action["due_date"]) < day


def compare(before: dict, after: dict) -> Comparison:
    """What changed from one snapshot to the other."""
    before_day, after_day = _day(before), _day(after)

    goals = []
    for key, old, new in _pairs(before.get("goals", []), after.get("goals", [])):
        row = Row(key, old, new)
        row.moved["progress"] = Moved(
            _number(old and old["progress"]), _number(new and new["progress"])
        )
        if old and new:
            row.changed = [f for f in ("status", "target", "due_date") if old[f] != new[f]]
        # A first current value (no progress before) is a move too.
        progress = row.moved["progress"]
        if old is None or new is None or row.changed or progress.before != progress.after:
            goals.append(row)

    kpis = []
    for key, old, new in _pairs(before.get("kpis", []), after.get("kpis", [])):
        row = Row(key, old, new)
        row.moved["attainment"] = Moved(
            _number(old and old["attainment"]), _number(new and new["attainment"])
        )
        row.moved["latest_value"] = Moved(
            _number(old and old["latest_value"]), _number(new and new["latest_value"])
        )
        changed = old is None or new is None or old["latest_value"] != new["latest_value"]
        if changed or old["target"] != new["target"]:
            kpis.append(row)

    stakeholders = []
    watched = ("attitude", "influence", "buying_role", "is_active")
    for key, old, new in _pairs(before.get("stakeholders", []), after.get("stakeholders", [])):
        row = Row(key, old, new)
        if old and new:
            row.changed = [f for f in watched if old[f] != new[f]]
            row.moved["attitude"] = Moved(old["attitude"], new["attitude"])
            row.moved["influence"] = Moved(old["influence"], new["influence"])
        if old is None or new is None or row.changed:
            stakeholders.append(row)

    completed, added, overdue, removed = [], [], [], []
    for key, old, new in _pairs(before.get("actions", []), after.get("actions", [])):
        row = Row(key, old, new)
        if new is None:
            removed.append(row)
            continue
        if old is None:
            added.append(row)
        if new["status"] == ActionStatus.DONE and (old is None or old["status"] != "done"):
            completed.append(row)
        elif _overdue(new, after_day) and not _overdue(old, before_day):
            overdue.append(row)

    opened, closed = [], []
    for key, old, new in _pairs(before.get("needs", []), after.get("needs", [])):
        row = Row(key, old, new)
        was_open = old is not None and old["status"] == "open"
        is_open = new is not None and new["status"] == "open"
        if is_open and not was_open:
            opened.append(row)
        elif was_open and not is_open:
            closed.append(row)

    competitors = []
    for key, old, new in _pairs(before.get("competitors", []), after.get("competitors", [])):
        row = Row(key, old, new)
        if old and new:
            row.changed = [
                f for f in ("threat_level", "share_of_wallet", "win_strategy") if old[f] != new[f]
            ]
            row.moved["share_of_wallet"] = Moved(
                _number(old["share_of_wallet"]), _number(new["share_of_wallet"])
            )
        if old is None or new is None or row.changed:
            competitors.append(row)

    texts = []
    for name in TEXT_FIELDS:
        old_text = (before.get("plan") or {}).get(name, "") or ""
        new_text = (after.get("plan") or {}).get(name, "") or ""
        if old_text != new_text:
            texts.append(TextChange(name, text_diff(old_text, new_text)))

    action_labels = {"status": ActionStatus, "phase": Phase}
    return Comparison(
        goals=_labelled(goals, {"status": GoalStatus}),
        kpis=kpis,
        stakeholders=_labelled(stakeholders, {"attitude": Attitude, "buying_role": BuyingRole}),
        actions_completed=_labelled(completed, action_labels),
        actions_added=_labelled(added, action_labels),
        actions_overdue=_labelled(overdue, action_labels),
        actions_removed=_labelled(removed, action_labels),
        needs_opened=_labelled(opened, {"status": NeedStatus, "kind": NeedKind}),
        needs_closed=_labelled(closed, {"status": NeedStatus, "kind": NeedKind}),
        competitors=_labelled(competitors, {"threat_level": ThreatLevel}),
        texts=texts,
        before_day=before_day,
        after_day=after_day,
    )


# Text: by phrase, not by space-separated word. A run of kanji, of hiragana, of katakana, of
# Latin letters and digits, or one punctuation mark or space is one token, so a changed
# number or name is marked whole, and the particles around it are left alone.
TOKEN = re.compile(
    r"[\u4e00-\u9fff\u3400-\u4dbf々〆ヵヶ]+"  # kanji
    r"|[\u3041-\u309f]+"  # hiragana
    r"|[\u30a0-\u30ffｦ-ﾟー]+"  # katakana (full and half width)
    r"|[A-Za-z0-9０-９Ａ-Ｚａ-ｚ.,%％]+"  # Latin letters, digits, figures
    r"|\s"
    r"|."
)


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(op, text) segments from old to new: "same", "removed" or "added"."""
    a, b = tokens(old), tokens(new)
    segments: list[tuple[str, str]] = []

    def put(op: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1][0] == op:
            segments[-1] = (op, segments[-1][1] + text)
        else:
            segments.append((op, text))

    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            put("same", "".join(a[i1:i2]))
            continue
        put("removed", "".join(a[i1:i2]))
        put("added", "".join(b[j1:j2]))
    return segments


def stakeholder_moves(account_id: int, people) -> tuple[dt.date | None, dict[int, Row]]:
    """Who moved since the account's last review (attitude, influence or buying role), for
    the power map: the day of that review, and a row per person who moved."""
    snapshot = (
        ReviewSnapshot.objects.filter(review__plan__account_id=account_id)
        .order_by("-taken_at")
        .only("taken_at", "data")
        .first()
    )
    if snapshot is None:
        return None, {}
    before = {row["id"]: row for row in snapshot.data.get("stakeholders", [])}
    watched = ("attitude", "influence", "buying_role")
    moves = {}
    for person in people:
        old = before.get(person.pk)
        if old is None:
            continue
        new = {**old, **{name: getattr(person, name) for name in watched}}
        row = Row(person.pk, old, new)
        row.changed = [name for name in watched if old[name] != new[name]]
        if row.changed:
            row.moved["attitude"] = Moved(old["attitude"], new["attitude"])
            row.moved["influence"] = Moved(old["influence"], new["influence"])
            moves[person.pk] = _labelled([row], {"attitude": Attitude})[0]
    return timezone.localdate(snapshot.taken_at), moves


def now_snapshot(plan: AccountPlan) -> dict:
    """The plan as it is now, in the same shape as a review's snapshot."""
    return build_snapshot(plan)


def label_for(field_name: str) -> str:
    """The reader's name of a text section's field."""
    return str(AccountPlan._meta.get_field(field_name).verbose_name)


def empty_comparison_reason(review: PlanReview | None) -> str:
    if review is None:
        return _("The plan has not been reviewed yet: the first review freezes it to compare.")
    return _(
        "This review was recorded before reviews froze the plan, so there is nothing to "
        "compare it with. Reviews from now on can be compared."
    )
