"""The performance benchmark: seed a portfolio at scale, then time the pages in process.

Seeding uses bulk inserts (no per-row save, no history rows); measuring uses Django's test
client against the real URL routing, middleware and templates, so what is timed is what a
user waits for, minus the network. Query counts come from the same requests.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import (
    Account,
    AccountContractValue,
    AccountTeamMember,
    Contract,
    Industry,
    Meeting,
    Opportunity,
    Tier,
)
from kam.core.models import Change, Notification, Reminder, Role, User, refresh_search_keys
from kam.core.runtime import settle_heap
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
    ReviewState,
)
from plans.reviews import build_snapshot
from stakeholders.models import Stakeholder

BATCH = 5000
PASSWORD = "bench-pass-2026"

# Per account, as the benchmark brief sets them.
STAKEHOLDERS, CONTRACTS, OPPORTUNITIES, MEETINGS = 8, 3, 5, 10
GOALS, KPIS, MEASUREMENTS, ACTIONS = 4, 4, 8, 12
# History, reviews and conversation, as the reviews issue sets them: changes per account,
# reviews per plan (each with its snapshot), and comments per plan (threads of four).
CHANGES, REVIEWS, COMMENTS, THREAD = 50, 4, 20, 4


@dataclass
class Measurement:
    name: str
    scale: int
    runs: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    queries: int
    status: int
    extra: dict = field(default_factory=dict)


def _bulk(model, rows: list) -> list:
    refresh_search_keys(rows)
    return model.objects.bulk_create(rows, batch_size=BATCH)


def wipe() -> None:
    """Empty the domain tables (benchmark databases only)."""
    tables = [
        m._meta.db_table
        for m in (
            Change,
            Mention,
            Comment,
            ReviewSnapshot,
            PlanReview,
            Notification,
            Reminder,
            KPIMeasurement,
            KPI,
            ActionItem,
            Goal,
            CustomerNeed,
            CompetitorPosition,
            AccountPlan,
            Meeting,
            Opportunity,
            AccountContractValue,
            Contract,
            Stakeholder,
            AccountTeamMember,
            Account,
        )
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    User.objects.filter(username__startswith="bench-").delete()


@transaction.atomic
def seed(n_accounts: int, *, today: dt.date, seed_value: int = 7) -> dict:
    """Insert a portfolio of n_accounts with everything under them. Returns row counts."""
    rnd = random.Random(seed_value)
    reps = [
        User(
            username=f"bench-rep-{i:03d}",
            last_name="営業",
            first_name=f"{i:03d}",
            role=Role.REP,
            email=f"bench-rep-{i:03d}@example.com",
        )
        for i in range(max(10, n_accounts // 200))
    ]
    managers = [
        User(
            username=f"bench-manager-{i}",
            last_name="部長",
            first_name=str(i),
            role=Role.MANAGER,
            email=f"bench-manager-{i}@example.com",
        )
        for i in range(3)
    ]
    for user in reps + managers:
        user.set_password(PASSWORD)
    _bulk(User, reps + managers)
    reps = list(User.objects.filter(username__startswith="bench-rep-").order_by("pk"))

    industries, tiers = Industry.values, Tier.values
    accounts = _bulk(
        Account,
        [
            Account(
                name=f"ベンチ株式会社{i:05d}",
                name_kana=f"ベンチ{i:05d}",
                industry=industries[i % len(industries)],
                tier=tiers[i % len(tiers)],
                status=rnd.choice(["active", "active", "active", "at_risk", "prospect"]),
                owner=reps[i % len(reps)],
                annual_revenue=Decimal(rnd.randrange(10, 5000) * 100_000_000),
                employees=rnd.randrange(100, 50000),
                score_revenue_size=rnd.randint(1, 5),
                score_industry_position=rnd.randint(1, 5),
                score_growth_rate=rnd.randint(1, 5),
                score_fit=rnd.randint(1, 5),
                score_relationship=rnd.randint(1, 5),
            )
            for i in range(n_accounts)
        ],
    )
    _bulk(
        AccountTeamMember,
        [
            AccountTeamMember(account=a, user=reps[(i + 1) % len(reps)], role="customer_success")
            for i, a in enumerate(accounts)
        ],
    )
    stakeholders = []
    for a in accounts:
        for s in range(STAKEHOLDERS):
            stakeholders.append(
                Stakeholder(
                    account=a,
                    name=f"担当者{s}",
                    name_kana=f"タントウシャ{s}",
                    title=["社長", "本部長", "部長", "部長", "課長", "課長", "担当", "担当"][s],
                    buying_role=rnd.choice(
                        ["decision_maker", "economic_buyer", "influencer", "user", "champion"]
                    ),
                    influence=rnd.randint(1, 5),
                    attitude=rnd.randint(-2, 2),
                    last_contacted_on=today - dt.timedelta(days=rnd.randrange(0, 200)),
                )
            )
    stakeholders = _bulk(Stakeholder, stakeholders)
    # Org chart: everyone reports to the first person of their account.
    bosses = {}
    for s in stakeholders:
        bosses.setdefault(s.account_id, s)
    for s in stakeholders:
        boss = bosses[s.account_id]
        s.reports_to_id = None if s.pk == boss.pk else boss.pk
    Stakeholder.objects.bulk_update(stakeholders, ["reports_to"], batch_size=BATCH)

    contracts = []
    for i, a in enumerate(accounts):
        for c in range(CONTRACTS):
            end = today + dt.timedelta(days=rnd.randrange(-30, 400))
            contracts.append(
                Contract(
                    account=a,
                    number=f"B{i:06d}-{c}",
                    title=f"保守契約{c}",
                    start_date=end - dt.timedelta(days=365),
                    end_date=end,
                    annual_value=Decimal(rnd.randrange(1, 500) * 1_000_000),
                    notice_period_days=rnd.choice([30, 60, 90]),
                    status="active",
                    next_price_review_date=today + dt.timedelta(days=rnd.randrange(-10, 300)),
                    last_price_review_date=today - dt.timedelta(days=rnd.randrange(30, 500)),
                )
            )
    _bulk(Contract, contracts)
    _bulk(
        Opportunity,
        [
            Opportunity(
                account=a,
                title=f"案件{o}",
                kind=rnd.choice(["new", "upsell", "cross_sell", "renewal"]),
                stage=rnd.choice(["lead", "qualified", "proposal", "negotiation", "won", "lost"]),
                amount=Decimal(rnd.randrange(1, 300) * 1_000_000),
                expected_close_date=today + dt.timedelta(days=rnd.randrange(-60, 300)),
                owner_id=a.owner_id,
            )
            for a in accounts
            for o in range(OPPORTUNITIES)
        ],
    )
    now = timezone.now()
    _bulk(
        Meeting,
        [
            Meeting(
                account=a,
                held_at=now - dt.timedelta(days=rnd.randrange(0, 700)),
                kind=rnd.choice(["meeting", "call", "visit", "qbr", "email"]),
                subject=f"定例{m}",
                notes="議事メモ",
                recorded_by_id=a.owner_id,
            )
            for a in accounts
            for m in range(MEETINGS)
        ],
    )

    fy_start = dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    fy_end = dt.date(fy_start.year + 1, 3, 31)
    plans = _bulk(
        AccountPlan,
        [
            AccountPlan(
                account=a,
                title=f"ベンチ アカウントプラン {fy_start.year}年度",
                period_start=fy_start,
                period_end=fy_end,
                status="active",
                owner_id=a.owner_id,
                review_cadence_months=3,
                next_review_date=today + dt.timedelta(days=rnd.randrange(-40, 90)),
                value_what="価値提案",
            )
            for a in accounts
        ],
    )
    needs = _bulk(
        CustomerNeed,
        [CustomerNeed(plan=p, title=f"課題{k}") for p in plans for k in range(2)],
    )
    needs_by_plan = {}
    for n in needs:
        needs_by_plan.setdefault(n.plan_id, []).append(n)
    span = (fy_end - fy_start).days
    goals = _bulk(
        Goal,
        [
            Goal(
                plan=p,
                need=needs_by_plan[p.pk][g % 2],
                statement=f"目標{g}",
                metric="受注額",
                unit="円",
                baseline=Decimal(100),
                target=Decimal(200),
                current_value=Decimal(rnd.randrange(80, 220)),
                achievable_because="実績あり",
                due_date=fy_start + dt.timedelta(days=rnd.randrange(0, span)),
                status=rnd.choice(["not_started", "on_track", "at_risk", "achieved"]),
            )
            for p in plans
            for g in range(GOALS)
        ],
    )
    goals_by_plan = {}
    for g in goals:
        goals_by_plan.setdefault(g.plan_id, []).append(g)
    kpis = []
    for p in plans:
        for k in range(KPIS):
            kpis.append(
                KPI(
                    plan=p,
                    goal=goals_by_plan[p.pk][k],
                    name=f"KPI{k}",
                    kind="revenue",
                    target=Decimal(100),
                    latest_value=Decimal(rnd.randrange(40, 130)),
                    latest_measured_on=today,
                )
            )
    kpis = _bulk(KPI, kpis)
    _bulk(
        KPIMeasurement,
        [
            KPIMeasurement(
                kpi=k,
                measured_on=today - dt.timedelta(days=91 * q),
                value=Decimal(rnd.randrange(40, 130)),
            )
            for k in kpis
            for q in range(MEASUREMENTS)
        ],
    )
    _bulk(
        CompetitorPosition,
        [
            CompetitorPosition(plan=p, competitor=f"競合{c}", threat_level=2)
            for p in plans
            for c in range(2)
        ],
    )
    actions = []
    for p in plans:
        for a in range(ACTIONS):
            done = rnd.random() < 0.3
            actions.append(
                ActionItem(
                    plan=p,
                    goal=goals_by_plan[p.pk][a % GOALS],
                    phase=1 + a % 5,
                    title=f"アクション{a}",
                    owner_id=p.owner_id,
                    due_date=today + dt.timedelta(days=rnd.randrange(-60, 120)),
                    status="done" if done else rnd.choice(["open", "in_progress", "blocked"]),
                    completed_at=now if done else None,
                )
            )
    _bulk(ActionItem, actions)
    reviews = _seed_reviews(plans, managers[0], today=today)
    changes = _seed_changes(accounts, plans, goals_by_plan, rnd, now=now)
    comments = _seed_comments(accounts, plans, reps, now=now)
    from accounts.health import refresh_health

    refresh_health(today)
    return {
        "accounts": n_accounts,
        "stakeholders": len(stakeholders),
        "contracts": len(contracts),
        "plans": len(plans),
        "goals": len(goals),
        "kpis": len(kpis),
        "measurements": len(kpis) * MEASUREMENTS,
        "actions": len(actions),
        "reviews": reviews,
        "changes": changes,
        "comments": comments,
    }


def _seed_reviews(plans: list[AccountPlan], manager: User, *, today: dt.date) -> int:
    """REVIEWS reviews a quarter apart per plan, the latest waiting for sign-off, each with
    a snapshot of its plan as the review page reads it."""
    now = timezone.now()
    rows = []
    for p in plans:
        for r in range(REVIEWS):
            latest = r == REVIEWS - 1
            day = today - dt.timedelta(days=91 * (REVIEWS - 1 - r) + 1)
            at = now - dt.timedelta(days=91 * (REVIEWS - 1 - r) + 1)
            rows.append(
                PlanReview(
                    plan=p,
                    reviewed_on=day,
                    reviewer_id=p.owner_id,
                    notes="見直しメモ",
                    state=ReviewState.SUBMITTED if latest else ReviewState.APPROVED,
                    submitted_at=at,
                    decided_by=None if latest else manager,
                    decided_at=None if latest else at,
                )
            )
    reviews = _bulk(PlanReview, rows)
    by_plan: dict[int, list[PlanReview]] = {}
    for review in reviews:
        by_plan.setdefault(review.plan_id, []).append(review)
    snapshots = []
    for p in plans:
        data = build_snapshot(p)
        for r, review in enumerate(by_plan[p.pk]):
            # Older reviews saw less progress, so that comparing them has something to show.
            older = REVIEWS - 1 - r
            copy = {**data, "taken_at": review.submitted_at.isoformat()}
            copy["goals"] = [
                {**goal, "progress": max(0.0, (goal["progress"] or 0) - 0.1 * older)}
                for goal in data["goals"]
            ]
            snapshots.append(ReviewSnapshot(review=review, taken_at=review.submitted_at, data=copy))
        if len(snapshots) >= 2000:
            ReviewSnapshot.objects.bulk_create(snapshots)
            snapshots = []
    ReviewSnapshot.objects.bulk_create(snapshots)
    return len(reviews)


# What the seeded history changed: kind of record, field, old and new value.
_CHANGED = (
    ("accounts.account", "description", "旧メモ", "新メモ"),
    ("accounts.contract", "annual_value", "12000000.00", "13000000.00"),
    ("stakeholders.stakeholder", "attitude", 0, 1),
    ("plans.goal", "current_value", "120.00", "140.00"),
    ("plans.actionitem", "status", "open", "in_progress"),
)


def _seed_changes(accounts, plans, goals_by_plan, rnd: random.Random, *, now) -> int:
    """CHANGES change-log rows per account, a mix of the account's and its plan's records."""
    plan_of = {p.account_id: p for p in plans}
    rows = []
    for a in accounts:
        plan = plan_of[a.pk]
        for c in range(CHANGES):
            model, name, old, new = _CHANGED[c % len(_CHANGED)]
            in_plan = model.startswith("plans.")
            rows.append(
                Change(
                    account_id=a.pk,
                    plan_id=plan.pk if in_plan else None,
                    model=model,
                    object_id=goals_by_plan[plan.pk][0].pk if in_plan else a.pk,
                    object_repr=f"記録{c}",
                    action="~",
                    user_id=a.owner_id,
                    at=now - dt.timedelta(minutes=rnd.randrange(0, 200 * 24 * 60)),
                    fields=[{"field": name, "old": old, "new": new}],
                )
            )
        if len(rows) >= BATCH:
            _bulk(Change, rows)
            rows = []
    _bulk(Change, rows)
    return len(accounts) * CHANGES


def _seed_comments(accounts, plans, reps, *, now) -> int:
    """COMMENTS comments per plan: threads of THREAD (a first comment and its replies), the
    oldest thread resolved."""
    members = {a.pk: reps[(i + 1) % len(reps)].pk for i, a in enumerate(accounts)}
    roots = []
    for p in plans:
        for t in range(COMMENTS // THREAD):
            at = now - dt.timedelta(days=t * 3 + 1)
            roots.append(
                Comment(
                    account_id=p.account_id,
                    plan=p,
                    on="plan",
                    on_id=p.pk,
                    on_label=p.title,
                    author_id=p.owner_id,
                    body=f"論点{t}について相談させてください。",
                    last_activity_at=at,
                    resolved_at=at if t == COMMENTS // THREAD - 1 else None,
                )
            )
    roots = _bulk(Comment, roots)
    replies = [
        Comment(
            account_id=root.account_id,
            plan_id=root.plan_id,
            on=root.on,
            on_id=root.on_id,
            on_label=root.on_label,
            parent=root,
            author_id=members[root.account_id] if r % 2 == 0 else root.author_id,
            body=f"返信{r}: 確認します。",
        )
        for root in roots
        for r in range(THREAD - 1)
    ]
    _bulk(Comment, replies)
    return len(roots) + len(replies)


def settle_database() -> None:
    """Bring the tables to the state a running database keeps them in.

    A bulk load leaves tables without planner statistics and without visibility maps (so no
    index-only scans), and the updates after it (health, stakeholder managers) leave dead
    rows; autovacuum would settle this within minutes, or never where it is switched off.
    Measuring before that would time the load's aftermath, not the pages.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # VACUUM cannot run inside a transaction; statistics alone can.
            in_transaction = connection.in_atomic_block
            cursor.execute("ANALYZE" if in_transaction else "VACUUM (ANALYZE)")


def extra_contracts(total: int, *, today: dt.date, seed_value: int = 11) -> int:
    """Top the contracts up to `total` for the reminder sweep at scale."""
    have = Contract.objects.count()
    if have >= total:
        return have
    rnd = random.Random(seed_value)
    account_ids = list(Account.objects.values_list("pk", flat=True))
    rows = []
    for i in range(total - have):
        end = today + dt.timedelta(days=rnd.randrange(-30, 400))
        rows.append(
            Contract(
                account_id=account_ids[i % len(account_ids)],
                number=f"SW{i:07d}",
                title="追加契約",
                start_date=end - dt.timedelta(days=365),
                end_date=end,
                annual_value=Decimal(1_000_000),
                notice_period_days=rnd.choice([30, 60, 90]),
            )
        )
    _bulk(Contract, rows)
    return Contract.objects.count()


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass
class _Samples:
    name: str
    durations: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    status: int = 200

    def result(self, scale: int) -> Measurement:
        return Measurement(
            name=self.name,
            scale=scale,
            runs=len(self.durations),
            p50_ms=round(statistics.median(self.durations), 1),
            p95_ms=round(_percentile(self.durations, 95), 1),
            max_ms=round(max(self.durations), 1),
            queries=max(self.queries),
            status=self.status,
            extra={"queries_min": min(self.queries)},
        )


def _time_one(samples: _Samples, fn: Callable[[], object]) -> None:
    # The query log holds at most 9,000 entries and only empties between requests outside a
    # capture; once full, a capture would count nothing. Start each one empty.
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        result = fn()
        samples.durations.append((time.perf_counter() - start) * 1000)
    samples.queries.append(len(ctx))
    status = getattr(result, "status_code", 200)
    if status != 200:
        samples.status = status


def time_requests_interleaved(
    pages: list[tuple[str, Client, Callable[[int], str]]], scale: int, runs: int
) -> list[Measurement]:
    """Request every page once per round, `runs` rounds, rather than each page `runs` times
    in a row: a spell when the shared host is slow then spreads over all pages instead of
    landing on whichever page happened to be measured at the time. A fixed piece of pure
    Python work is timed in each round too, as a yardstick of the machine."""
    for _name, client, make_url in pages:
        _get_all(client, make_url(0))  # warm caches, templates and the connection
    check = _Samples("machine check: fixed Python work")
    samples = [_Samples(name) for name, _client, _make_url in pages]
    for i in range(runs):
        _time_one(check, lambda: sum(range(1_000_000)))
        for (_name, client, make_url), sample in zip(pages, samples, strict=True):
            urls = make_url(i)
            _time_one(sample, lambda c=client, u=urls: _get_all(c, u))
    return [check.result(scale)] + [sample.result(scale) for sample in samples]


def _get_all(client: Client, urls: str | list[str]):
    """A page as a reader gets it: its response, then each section it loads through htmx on
    arrival (an htmx request, as the browser makes it). The worst status answers for all."""
    if isinstance(urls, str):
        return client.get(urls)
    first, *sections = urls
    answer = client.get(first)
    for url in sections:
        loaded = client.get(url, headers={"HX-Request": "true"})
        if loaded.status_code != 200:
            answer = loaded
    return answer


def time_callable(name: str, scale: int, fn: Callable[[], object], runs: int) -> Measurement:
    samples, last = _Samples(name), []
    for _ in range(runs):
        _time_one(samples, lambda: last.append(fn()))
    measurement = samples.result(scale)
    measurement.extra = {"result": str(last[-1])[:200]}
    return measurement


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def measure(scale: int, *, runs: int, today: dt.date) -> list[Measurement]:
    rnd = random.Random(3)
    account_ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    rep = User.objects.filter(username__startswith="bench-rep-").order_by("pk").first()
    manager = User.objects.filter(username__startswith="bench-manager-").order_by("pk").first()
    rep_accounts = list(Account.objects.visible_to(rep).values_list("pk", flat=True))
    rep_plans = list(AccountPlan.objects.visible_to(rep).values_list("pk", flat=True))
    picks = [rnd.choice(account_ids) for _ in range(runs + 1)]
    plan_of = dict(AccountPlan.objects.filter(account_id__in=picks).values_list("account_id", "pk"))

    as_rep, as_manager = Client(), Client()
    as_rep.force_login(rep)
    as_manager.force_login(manager)
    # As the web entry points do after loading (kam.wsgi): what the seeding left behind is
    # collected, and what lives on is kept out of the collector's full passes.
    settle_heap()
    pages: list[tuple[str, Client, Callable[[int], str]]] = []

    def page(name: str, client: Client, make_url: Callable[[int], str | None]) -> None:
        if make_url(0) is not None:
            pages.append((name, client, make_url))

    page("accounts list (manager)", as_manager, lambda i: _url("accounts:list"))
    page("accounts list (rep)", as_rep, lambda i: _url("accounts:list"))
    page(
        "accounts search (manager)",
        as_manager,
        lambda i: (
            (_url("accounts:list") or "") + "?q=ベンチ0&sort=-priority_score"
            if _url("accounts:list")
            else None
        ),
    )
    page(
        "account page (manager)",
        as_manager,
        lambda i: _url("accounts:detail", picks[i % len(picks)]),
    )
    page(
        "account page (rep)",
        as_rep,
        lambda i: _url("accounts:detail", rep_accounts[i % len(rep_accounts)]),
    )

    def with_sections(name: str, pk: int, comments: str, history: str) -> list[str]:
        return [_url(name, pk), _url(comments, pk), _url(history, pk)]

    page(
        "account page + comments + timeline (manager)",
        as_manager,
        lambda i: with_sections(
            "accounts:detail", picks[i % len(picks)], "comments:account", "history:account"
        ),
    )
    page(
        "account page + comments + timeline (rep)",
        as_rep,
        lambda i: with_sections(
            "accounts:detail",
            rep_accounts[i % len(rep_accounts)],
            "comments:account",
            "history:account",
        ),
    )
    page(
        "plan page + comments + timeline (rep)",
        as_rep,
        lambda i: with_sections(
            "plans:detail", rep_plans[i % len(rep_plans)], "comments:plan", "history:plan"
        ),
    )
    page(
        "what changed since the last review (manager)",
        as_manager,
        lambda i: _url("plans:changes", plan_of[picks[i % len(picks)]]),
    )
    page(
        "what changed between two reviews (manager)",
        as_manager,
        lambda i: _two_reviews_url(plan_of[picks[i % len(picks)]]),
    )
    page(
        "account timeline, page 2 (manager)",
        as_manager,
        lambda i: (_url("history:account", picks[i % len(picks)]) or "") + "?page=2",
    )
    page(
        "power map",
        as_manager,
        lambda i: _url("stakeholders:power_map", picks[i % len(picks)]),
    )
    page("plans list (manager)", as_manager, lambda i: _url("plans:list"))
    page("plan page (rep)", as_rep, lambda i: _url("plans:detail", rep_plans[i % len(rep_plans)]))
    for section in ("kpis", "competitors", "action_plan"):
        page(
            f"plan section: {section}",
            as_manager,
            lambda i, s=section: _url(f"plans:{s}", plan_of[picks[i % len(picks)]]),
        )
    page("my day (rep)", as_rep, lambda i: _url("home"))
    page("renewal pipeline (manager)", as_manager, lambda i: _url("renewals:pipeline"))
    page("dashboard (manager)", as_manager, lambda i: _url("dashboard"))
    page("dashboard (rep)", as_rep, lambda i: _url("dashboard"))

    return time_requests_interleaved(pages, scale, runs)


def _two_reviews_url(plan_id: int) -> str:
    first, *_rest, last = PlanReview.objects.filter(plan_id=plan_id).order_by("reviewed_on")
    return f"{_url('plans:changes', plan_id)}?from={first.pk}&to={last.pk}"


def measure_sweep(scale: int, *, today: dt.date, runs: int = 5) -> list[Measurement]:
    from kam.reminders import engine as reminders

    contracts = Contract.objects.count()

    def sweep_all():
        Reminder.objects.all().delete()
        return {kind: reminders.sweep(kind, today=today).recorded for kind in reminders.SWEEPS}

    def sweep_again():
        return {kind: reminders.sweep(kind, today=today).recorded for kind in reminders.SWEEPS}

    return [
        time_callable(f"reminder sweep, first run ({contracts} contracts)", scale, sweep_all, runs),
        # What a daily run mostly is: everything due was recorded before.
        time_callable(
            f"reminder sweep, same day again ({contracts} contracts)", scale, sweep_again, runs
        ),
        time_callable(
            f"reminder selection, renewals ({contracts} contracts)",
            scale,
            lambda: len(reminders.due_renewals(today)),
            runs,
        ),
    ]


def as_rows(results: list[Measurement]) -> list[dict]:
    return [asdict(r) for r in results]
