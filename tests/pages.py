"""Every page of the product, with the objects its URL names: what the crawls walk.

A new URL has to be listed here (test_layers fails otherwise), so that access, headers and
the browser's security policy are checked on it from the day it exists.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from plans import comments
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
    ReviewFactory,
    StakeholderFactory,
)

# The object each URL names (its `pk`, `plan_pk` or `account_pk`); None when it names none.
READ_URL_OBJECTS = {
    "home": None,
    "user_settings": None,
    "reading_suggestion": None,
    "two_step_setup": None,
    "password_change": None,
    "password_change_done": None,
    "dashboard": None,
    "notifications": None,
    "accounts:list": None,
    "accounts:detail": "account",
    "accounts:summary": "account",
    "accounts:health": "account",
    "accounts:team": "account",
    "accounts:contracts": "account",
    "accounts:opportunities": "account",
    "accounts:opportunity_row": "opportunity",
    "accounts:plans": "account",
    "accounts:meetings": "account",
    "renewals:pipeline": None,
    "renewals:row": "contract",
    "plans:list": None,
    "plans:actions": None,
    "plans:detail": "plan",
    "plans:print": "plan",
    "plans:overview": "plan",
    "plans:value": "plan",
    "plans:profile": "plan",
    "plans:needs": "plan",
    "plans:need_row": "need",
    "plans:goals": "plan",
    "plans:goal_row": "goal",
    "plans:traceability": "plan",
    "plans:changes": "plan",
    "plans:kpis": "plan",
    "plans:kpi_card": "kpi",
    "plans:competitors": "plan",
    "plans:action_plan": "plan",
    "plans:action_row": "action",
    "stakeholders:power_map": "account",
    "stakeholders:engagements": "plan",
    "history:account": "account",
    "history:plan": "plan",
    "history:stakeholder": "stakeholder",
    "comments:account": "account",
    "comments:plan": "plan",
    "comments:thread": "comment",
    "comments:edit": "comment",
}
# Pages a persona of the crawls is refused with the reason (a 403 page): another person's
# comment cannot be edited, even by a manager.
REFUSED = {("comments:edit", "manager")}

# Pages with their own way in: the dashboard's drill-down lists.
EXTRA_PAGES = [
    *(
        ("dashboard_records", {"kind": kind})
        for kind in ("accounts", "contracts", "actions", "kpis", "goals")
    ),
]


def http_methods(view) -> set[str] | None:
    """The HTTP methods a view's require_http_methods decorator allows (None: any)."""
    while view is not None:
        closure = getattr(view, "__closure__", None) or ()
        names = getattr(getattr(view, "__code__", None), "co_freevars", ())
        for name, cell in zip(names, closure, strict=False):
            if name == "request_method_list":
                return set(cell.cell_contents)
        view = getattr(view, "__wrapped__", None)
    return None


def url_patterns(resolver=None, namespace: str = "") -> list[tuple[str, URLPattern]]:
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += url_patterns(entry, inner)
        elif entry.name:
            found.append((f"{namespace}{entry.name}", entry))
    return found


def build_world(account) -> dict:
    plan = PlanFactory(account=account, owner=account.owner)
    goal = GoalFactory(plan=plan)
    kpi = KPIFactory(plan=plan, goal=goal)
    stakeholder = StakeholderFactory(account=account)
    return {
        "account": account,
        "team_member": account.team_members.first(),
        "plan": plan,
        "need": NeedFactory(plan=plan),
        "goal": goal,
        "kpi": kpi,
        "measurement": MeasurementFactory(kpi=kpi),
        "competitor": CompetitorFactory(plan=plan),
        "action": ActionFactory(plan=plan, goal=goal),
        "stakeholder": stakeholder,
        "engagement": EngagementFactory(plan=plan, stakeholder=stakeholder),
        "contract": ContractFactory(account=account),
        "opportunity": OpportunityFactory(account=account),
        "meeting": MeetingFactory(account=account),
        "review": ReviewFactory(plan=plan, reviewer=account.owner),
        "comment": comments.comment_start(
            account=account,
            plan=plan,
            on="plan",
            on_id=plan.pk,
            body="次回の定例で確認しましょう",
            author=account.owner,
        ),
    }


# URLs that name two objects: the row, and another thing besides its pk.
TWO_KEY_URLS = {
    "accounts:team_remove": lambda world: [world["account"].pk, world["team_member"].user_id],
}


def url_for(name: str, kind: str | None, world: dict) -> str:
    if name in TWO_KEY_URLS:
        return reverse(name, args=TWO_KEY_URLS[name](world))
    pattern = dict(url_patterns())[name]
    keys = list(pattern.pattern.converters)
    url = reverse(name, kwargs=dict.fromkeys(keys, world[kind].pk)) if keys else reverse(name)
    if name == "plans:create":
        url += f"?account={world['account'].pk}"
    return url


def readable_pages(world: dict, objects: dict[str, str | None]) -> list[tuple[str, str]]:
    """(name, URL) of every page a person opens with GET, forms included."""
    pages = []
    for name, pattern in url_patterns():
        methods = http_methods(pattern.callback)
        if name in objects and (methods is None or "GET" in methods):
            pages.append((name, url_for(name, objects[name], world)))
    pages += [(name, reverse(name, kwargs=kwargs)) for name, kwargs in EXTRA_PAGES]
    return pages
