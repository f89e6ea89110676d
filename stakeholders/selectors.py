"""Reads for the stakeholder pages: the power map layout, its risks, and plan engagements.

Every function takes objects the caller has already fetched through `visible_to(user)`, so
access is decided once, in the view, and nothing here can widen it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from accounts.models import Account
from kam.core import rights
from kam.core.models import User
from kam.core.text import fold
from plans.models import AccountPlan

from .models import (
    Attitude,
    BuyingRole,
    RelationshipStrength,
    Stakeholder,
    StakeholderEngagement,
)

# Geometry of the chart, in viewBox units. The SVG scales to its container; these only fix the
# proportions, chosen so that eleven Japanese characters of a name fit under each circle.
SLOT_WIDTH = 150
LEVEL_HEIGHT = 138
PAD_X = 8
PAD_TOP = 14
ROOT_GAP = 0.35
NAME_SIZE = 12.5
TITLE_SIZE = 11
BADGE_SIZE = 10
LABEL_WIDTH = SLOT_WIDTH - 14


def node_radius(influence: int) -> int:
    return 10 + 4 * influence


MAX_RADIUS = node_radius(5)

ATTITUDE_COLOURS = {
    Attitude.OPPONENT: ("#d92d20", "#ffffff"),
    Attitude.SCEPTIC: ("#f79009", "#1d2330"),
    Attitude.NEUTRAL: ("#a7b0bf", "#1d2330"),
    Attitude.SUPPORTER: ("#8fd19e", "#1d2330"),
    Attitude.CHAMPION: ("#1e7b4f", "#ffffff"),
}

ROLE_SHORT = {
    BuyingRole.DECISION_MAKER: pgettext_lazy("buying role abbreviation", "DM"),
    BuyingRole.ECONOMIC_BUYER: pgettext_lazy("buying role abbreviation", "EB"),
    BuyingRole.TECHNICAL_BUYER: pgettext_lazy("buying role abbreviation", "TB"),
    BuyingRole.USER: pgettext_lazy("buying role abbreviation", "US"),
    BuyingRole.INFLUENCER: pgettext_lazy("buying role abbreviation", "IN"),
    BuyingRole.CHAMPION: pgettext_lazy("buying role abbreviation", "CH"),
    BuyingRole.GATEKEEPER: pgettext_lazy("buying role abbreviation", "GK"),
    BuyingRole.BLOCKER: pgettext_lazy("buying role abbreviation", "BL"),
}

DECIDING_ROLES = (BuyingRole.DECISION_MAKER, BuyingRole.ECONOMIC_BUYER)
KEY_INFLUENCE = 4
CONTACT_GAP_DAYS = 90


def attitude_sign(value: int) -> str:
    return f"+{value}" if value > 0 else ("0" if value == 0 else f"−{-value}")


def _text_width(text: str, size: float) -> float:
    """Rough rendered width: full-width (CJK) characters take a whole em, others about half."""
    return sum(
        size if unicodedata.east_asian_width(ch) in ("W", "F") else size * 0.58 for ch in text
    )


def fit_label(text: str, size: float, width: float = LABEL_WIDTH) -> str:
    """Cut a label to the room under a node; the full text stays in the hover title."""
    if _text_width(text, size) <= width:
        return text
    room = width - size
    kept = ""
    for ch in text:
        if _text_width(kept + ch, size) > room:
            break
        kept += ch
    return kept.rstrip() + "…"


# Queries


def account_stakeholders(*, account: Account) -> list[Stakeholder]:
    """Everyone recorded at the customer, active or not, in one query."""
    return list(
        Stakeholder.objects.filter(account=account)
        .select_related("relationship_owner", "reports_to")
        .order_by("-influence", "name_kana", "name", "pk")
    )


def reports_to_choices(*, account: Account, exclude: Stakeholder | None = None) -> QuerySet:
    people = Stakeholder.objects.filter(account=account).order_by("-is_active", "name_kana", "name")
    if exclude is not None and exclude.pk:
        people = people.exclude(pk=exclude.pk)
    return people


def owner_choices(*, current: User | int | None = None) -> QuerySet:
    """The people who work accounts, plus whoever holds the relationship now, so an edit can
    keep them."""
    current_id = getattr(current, "pk", current)
    working = rights.assignable_users().values("pk")
    users = User.objects.filter(Q(pk__in=working) | Q(pk=current_id or 0))
    return users.order_by("last_name", "first_name", "username")


# Layout


@dataclass(frozen=True)
class MapNode:
    stakeholder: Stakeholder
    x: float
    y: float
    r: int
    depth: int
    fill: str
    ink: str
    sign: str
    role_short: str
    badge_x: float
    badge_y: float
    badge_width: float
    name_label: str
    title_label: str
    name_y: float
    title_y: float

    @property
    def badge_text_x(self) -> float:
        return round(self.badge_x + self.badge_width / 2, 1)

    @property
    def badge_text_y(self) -> float:
        return self.badge_y + 11

    @property
    def sign_y(self) -> float:
        return self.y + 4


@dataclass(frozen=True)
class MapLink:
    manager_id: int
    report_id: int
    path: str


@dataclass
class PowerMap:
    nodes: list[MapNode] = field(default_factory=list)
    links: list[MapLink] = field(default_factory=list)
    width: int = 0
    height: int = 0
    inactive_count: int = 0

    @property
    def min_width(self) -> int:
        """Below this the labels would shrink past reading; the map scrolls instead."""
        return round(min(self.width, 900) * 0.72)


def power_map_layout(stakeholders: Sequence[Stakeholder]) -> PowerMap:
    """A tidy tree of the active people, drawn top-down from the reports-to links.

    Leaves take consecutive slots and every manager sits centred over their reports, so the
    subtrees occupy disjoint column ranges and no two nodes of one level can overlap. People
    whose manager has left (or was never recorded) start trees of their own, side by side.
    """
    active = [s for s in stakeholders if s.is_active]
    by_id = {s.pk: s for s in active}
    children: dict[int | None, list[Stakeholder]] = {}
    for person in active:
        parent = person.reports_to_id if person.reports_to_id in by_id else None
        children.setdefault(parent, []).append(person)

    slot_of: dict[int, float] = {}
    depth_of: dict[int, int] = {}
    parent_of: dict[int, int] = {}
    placed: set[int] = set()
    next_slot = 0.0

    def place(person: Stakeholder, depth: int) -> float:
        nonlocal next_slot
        placed.add(person.pk)
        depth_of[person.pk] = depth
        slots = []
        for report in children.get(person.pk, []):
            if report.pk in placed:
                continue
            parent_of[report.pk] = person.pk
            slots.append(place(report, depth + 1))
        if slots:
            slot_of[person.pk] = (slots[0] + slots[-1]) / 2
        else:
            slot_of[person.pk] = next_slot
            next_slot += 1
        return slot_of[person.pk]

    roots = list(children.get(None, []))
    # A circle saved behind the validation's back has no root; start it at its first member.
    pending = roots + [s for s in active if s not in roots]
    for person in pending:
        if person.pk in placed:
            continue
        if next_slot:
            next_slot += ROOT_GAP
        place(person, 0)

    nodes = []
    for person in active:
        x = PAD_X + slot_of[person.pk] * SLOT_WIDTH + SLOT_WIDTH / 2
        y = PAD_TOP + MAX_RADIUS + depth_of[person.pk] * LEVEL_HEIGHT
        r = node_radius(person.influence)
        fill, ink = ATTITUDE_COLOURS.get(person.attitude, ATTITUDE_COLOURS[Attitude.NEUTRAL])
        short = str(ROLE_SHORT.get(person.buying_role, person.buying_role))
        badge_width = _text_width(short, BADGE_SIZE) + 10
        name_y = y + MAX_RADIUS + 17
        nodes.append(
            MapNode(
                stakeholder=person,
                x=round(x, 1),
                y=y,
                r=r,
                depth=depth_of[person.pk],
                fill=fill,
                ink=ink,
                sign=attitude_sign(person.attitude),
                role_short=short,
                badge_x=round(x + r * 0.55, 1),
                badge_y=y - r - 6,
                badge_width=round(badge_width, 1),
                name_label=fit_label(person.name, NAME_SIZE),
                title_label=fit_label(person.title, TITLE_SIZE),
                name_y=name_y,
                title_y=name_y + 15,
            )
        )
    node_of = {n.stakeholder.pk: n for n in nodes}
    links = []
    for report_id, manager_id in parent_of.items():
        top, bottom = node_of[manager_id], node_of[report_id]
        start = top.title_y + 8
        end = bottom.y - bottom.r
        middle = round(start + (end - start) / 2, 1)
        links.append(
            MapLink(
                manager_id=manager_id,
                report_id=report_id,
                path=f"M{top.x},{start} V{middle} H{bottom.x} V{end}",
            )
        )
    depth = max(depth_of.values(), default=-1) + 1
    return PowerMap(
        nodes=nodes,
        links=links,
        width=round(PAD_X * 2 + next_slot * SLOT_WIDTH) if nodes else 0,
        height=PAD_TOP + depth * LEVEL_HEIGHT if nodes else 0,
        inactive_count=len(stakeholders) - len(active),
    )


def attitude_legend() -> list[dict]:
    return [
        {"value": value, "sign": attitude_sign(value), "label": label, "fill": fill, "ink": ink}
        for value, label in Attitude.choices
        for fill, ink in [ATTITUDE_COLOURS[value]]
    ]


def role_legend() -> list[dict]:
    return [{"short": ROLE_SHORT[value], "label": label} for value, label in BuyingRole.choices]


# Risks


@dataclass(frozen=True)
class Risk:
    kind: str
    level: str  # the badge colour: "bad" or "warn"
    label: str
    message: str
    people: tuple[Stakeholder, ...] = ()


RISK_LABELS = {
    "empty": gettext_lazy("No people"),
    "no_champion": gettext_lazy("No champion"),
    "decider": gettext_lazy("Decision maker"),
    "single_thread": gettext_lazy("Single-threaded"),
    "single_owner": gettext_lazy("One owner"),
    "contact_gap": gettext_lazy("Contact gap"),
}


def _names(people: Sequence[Stakeholder]) -> str:
    return pgettext("list separator", ", ").join(p.name for p in people)


def _risk(kind: str, level: str, message: str, people: Sequence[Stakeholder] = ()) -> Risk:
    return Risk(kind, level, str(RISK_LABELS[kind]), message, tuple(people))


def power_map_risks(
    account: Account, today: dt.date, *, stakeholders: Sequence[Stakeholder] | None = None
) -> list[Risk]:
    """What a seasoned key account manager looks for first on a power map.

    Pass `stakeholders` when they are already loaded, to spare the query.
    """
    if stakeholders is None:
        stakeholders = account_stakeholders(account=account)
    active = [s for s in stakeholders if s.is_active]
    if not active:
        return [
            _risk(
                "empty",
                "bad",
                _("No one at the customer is recorded yet: we do not know who decides."),
            )
        ]
    risks = []

    if not any(
        s.attitude == Attitude.CHAMPION or s.buying_role == BuyingRole.CHAMPION for s in active
    ):
        risks.append(
            _risk(
                "no_champion",
                "bad",
                _("No champion: no one at the customer sells our case when we are not there."),
            )
        )

    deciders = [s for s in active if s.buying_role in DECIDING_ROLES and s.attitude <= 0]
    if deciders:
        risks.append(
            _risk(
                "decider",
                "bad" if any(s.attitude < 0 for s in deciders) else "warn",
                _("A decision maker is neutral or opposed to us: %(names)s.")
                % {"names": _names(deciders)},
                deciders,
            )
        )

    working = [s for s in active if s.relationship_strength >= RelationshipStrength.WORKING]
    if not working:
        risks.append(
            _risk(
                "single_thread",
                "bad",
                _("No one at the customer has a working relationship with us yet."),
            )
        )
    elif len(working) == 1:
        risks.append(
            _risk(
                "single_thread",
                "warn",
                _(
                    "The relationship hangs on one person: only %(name)s has a working "
                    "relationship with us."
                )
                % {"name": working[0].name},
                working,
            )
        )

    owned = [s for s in active if s.relationship_owner_id]
    owners = {s.relationship_owner_id for s in owned}
    if len(owned) >= 2 and len(owners) == 1:
        risks.append(
            _risk(
                "single_owner",
                "warn",
                _(
                    "All relationships are held by %(user)s alone: if they leave, the "
                    "customer loses its contacts with us."
                )
                % {"user": owned[0].relationship_owner},
            )
        )

    since = today - dt.timedelta(days=CONTACT_GAP_DAYS)
    neglected = [
        s
        for s in active
        if s.influence >= KEY_INFLUENCE
        and (s.last_contacted_on is None or s.last_contacted_on < since)
    ]
    if neglected:
        risks.append(
            _risk(
                "contact_gap",
                "bad" if any(s.last_contacted_on is None for s in neglected) else "warn",
                _("Key people not contacted for %(days)s days or never: %(names)s.")
                % {"days": CONTACT_GAP_DAYS, "names": _names(neglected)},
                neglected,
            )
        )
    return risks


# Engagements


def plan_engagements(*, plan: AccountPlan) -> list[StakeholderEngagement]:
    """The plan's strategies, each with `attitude_gap`: how far the person still has to move."""
    engagements = list(
        StakeholderEngagement.objects.filter(plan=plan)
        .select_related("stakeholder", "owner")
        .order_by("-stakeholder__influence", "stakeholder__name_kana", "stakeholder__name", "pk")
    )
    for engagement in engagements:
        engagement.attitude_gap = engagement.desired_attitude - engagement.stakeholder.attitude
    return engagements


def engagement_candidates(*, plan: AccountPlan) -> QuerySet:
    """The account's current people who have no strategy in this plan yet."""
    return (
        Stakeholder.objects.filter(account_id=plan.account_id, is_active=True)
        .exclude(engagements__plan=plan)
        .order_by("-influence", "name_kana", "name")
    )


def stakeholder_duplicates(*, account, name: str, email: str = "", exclude: int | None = None):
    """People of the account who may be this one: the same name as typed in any shape
    (kam.core.text.fold), or the same e-mail address."""
    match = Q(pk__in=[])
    folded = fold(name)
    if folded:
        match |= Q(search_key=folded) | Q(search_key__startswith=f"{folded}|")
    if email:
        match |= Q(email__iexact=email.strip())
    found = Stakeholder.objects.filter(account=account).filter(match)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.order_by("name_kana", "pk")
