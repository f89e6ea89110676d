"""Plan reviews that compare and are signed off.

1. A plan worked out by hand: frozen at its review, changed through the services, and what the
   comparison and the "what changed" page say about it, in English and in Japanese, down to the
   phrases of a Japanese text diff; between two reviews, after the live rows are gone, and for
   plans with nothing to compare.
2. The database refuses to update a snapshot; erasing a person's data (APPI) replaces it.
3. The manager's sign-off: who decides, who is refused and why, and who hears of it.
4. The sign-off reminder: once a day, to the right managers, exactly once.
5. Rights: a rep with no link to the account sees none of it.
6. The power map marks who moved since the last review.
"""

import datetime as dt
import html
import json
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from kam.core import rights
from kam.core.models import Notification, Reminder, ReminderKind, Role, User
from kam.core.versions import StaleEdit
from kam.reminders import engine as reminders
from plans import reviews, services, tracking_services
from plans.models import ActionItem, PlanReview, ReviewSnapshot, ReviewState
from stakeholders import services as people
from stakeholders.models import Stakeholder
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
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
REFUSAL = "review_snapshot_is_frozen"

# The review meeting: noon in Tokyo on 1 October; the plan as it is now: noon on 20 November.
REVIEW_AT = dt.datetime(2026, 10, 1, 3, 0, tzinfo=dt.UTC)
REVIEW_DAY = dt.date(2026, 10, 1)
NOW_AT = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 20)

VALUE_BEFORE = "物流コストを年間10%削減"
VALUE_AFTER = "物流コストを年間15%削減し、在庫を圧縮"
# Worked out by hand: kanji, katakana, hiragana and figures are phrases of their own, so the
# figure is replaced whole and the particles around it stay.
VALUE_SEGMENTS = [
    ("same", "物流コストを年間"),
    ("removed", "10%"),
    ("added", "15%"),
    ("same", "削減"),
    ("added", "し、在庫を圧縮"),
]
VALUE_DIFF_HTML = "物流コストを年間<del>10%</del><ins>15%</ins>削減<ins>し、在庫を圧縮</ins>"


def login(client, user, language="en"):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def elements(body: str, testid: str) -> list[str]:
    """The inner HTML of every element marked with this data-testid."""
    pattern = rf'<(\w+)\b[^>]*\bdata-testid="{re.escape(testid)}"[^>]*>(.*?)</\1>'
    return [match.group(2) for match in re.finditer(pattern, body, re.S)]


def text(fragment: str) -> str:
    """What a reader sees of a fragment: tags dropped, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def texts(body: str, testid: str) -> list[str]:
    return [text(inner) for inner in elements(body, testid)]


def tiles(body: str) -> dict[str, int]:
    """The summary tiles of the changes page: label -> count."""
    found = re.findall(r'<div class="label">([^<]+)</div><div class="value[^"]*">(\d+)</div>', body)
    return {html.unescape(label): int(count) for label, count in found}


def changes_url(plan, **query) -> str:
    url = reverse("plans:changes", args=[plan.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def sign_off_url(review) -> str:
    return reverse("plans:review_sign_off", args=[review.pk])


def snapshot_of(review) -> dict:
    return ReviewSnapshot.objects.get(review=review).data


def ids(rows) -> list[int]:
    return [row.id for row in rows]


# 1. A plan worked out by hand


@pytest.fixture
def worked(time_machine, account, owner, manager):
    """A plan with a bit of everything, reviewed on 1 October and changed by 20 November."""
    owner.reports_to = manager
    owner.save(update_fields=["reports_to"])
    time_machine.move_to(REVIEW_AT, tick=False)
    w = SimpleNamespace(owner=owner, manager=manager, account=account)
    w.plan = PlanFactory(
        account=account, owner=owner, title="2026年度 サンプル社プラン", value_what=VALUE_BEFORE
    )
    w.need_stock = NeedFactory(plan=w.plan, title="在庫コストの削減", kind="problem", priority=1)
    w.goal_orders = GoalFactory(
        plan=w.plan,
        need=w.need_stock,
        statement="年間受注額を1.2億円にする",
        baseline=Decimal("100000000"),
        target=Decimal("120000000"),
        current_value=Decimal("105000000"),
        due_date=dt.date(2027, 3, 31),
    )
    w.goal_nps = GoalFactory(
        plan=w.plan,
        statement="NPSを40にする",
        metric="NPS",
        unit="pt",
        baseline=Decimal("20"),
        target=Decimal("40"),
        current_value=Decimal("30"),
        status="on_track",
        due_date=dt.date(2027, 3, 1),
    )
    w.kpi_deals = KPIFactory(
        plan=w.plan, goal=w.goal_orders, name="受注件数", unit="件", target=Decimal("40")
    )
    w.kpi_nps = KPIFactory(plan=w.plan, name="NPS", unit="pt", target=Decimal("40"))
    for kpi, value in ((w.kpi_deals, "20"), (w.kpi_nps, "30")):
        tracking_services.kpi_measurement_add(
            kpi=kpi, measured_on=dt.date(2026, 9, 30), value=Decimal(value), recorded_by=owner
        )
    w.rival_a = CompetitorFactory(
        plan=w.plan, competitor="競合A社", threat_level=2, share_of_wallet=30
    )
    w.rival_b = CompetitorFactory(
        plan=w.plan, competitor="競合B社", threat_level=1, share_of_wallet=10
    )
    w.yamada = StakeholderFactory(
        account=account,
        name="山田 太郎",
        title="物流部長",
        attitude=-1,
        influence=3,
        buying_role="decision_maker",
    )
    w.sasaki = StakeholderFactory(
        account=account,
        name="佐々木 花子",
        title="購買課長",
        attitude=1,
        influence=2,
        buying_role="economic_buyer",
    )
    EngagementFactory(
        plan=w.plan,
        stakeholder=w.yamada,
        desired_attitude=2,
        approach="物流改善の事例を月次で紹介",
        owner=owner,
    )
    w.action_meeting = ActionFactory(
        plan=w.plan, title="役員面談の設定", due_date=dt.date(2026, 12, 1), phase=2
    )
    w.action_proposal = ActionFactory(
        plan=w.plan, title="提案書の作成", due_date=dt.date(2026, 10, 20), phase=3
    )
    # Already overdue at the review: not "newly" overdue afterwards.
    w.action_hearing = ActionFactory(
        plan=w.plan, title="現状ヒアリング", due_date=dt.date(2026, 9, 15), phase=1
    )
    w.action_regular = ActionFactory(
        plan=w.plan, title="定例会の準備", due_date=dt.date(2026, 12, 15), phase=4
    )
    w.action_fair = ActionFactory(
        plan=w.plan, title="展示会への招待", due_date=dt.date(2026, 11, 30), phase=2
    )
    w.review = services.plan_mark_reviewed(plan=w.plan, reviewer=owner, notes="受注は順調")

    time_machine.move_to(NOW_AT, tick=False)
    services.goal_update(
        goal=w.goal_orders,
        data={"current_value": Decimal("110000000"), "status": "on_track"},
        user=owner,
    )
    tracking_services.kpi_measurement_add(
        kpi=w.kpi_deals, measured_on=dt.date(2026, 11, 15), value=Decimal("30"), recorded_by=owner
    )
    people.stakeholder_update(
        stakeholder=w.yamada, data={"attitude": 1, "influence": 4}, user=owner
    )
    tracking_services.action_set_status(action=w.action_meeting, status="done", user=owner)
    w.action_new = tracking_services.action_create(
        plan=w.plan,
        data={
            "title": "在庫診断の実施",
            "phase": 3,
            "owner": owner,
            "due_date": dt.date(2027, 1, 15),
        },
        user=owner,
    )
    w.action_fair_id = w.action_fair.pk
    tracking_services.action_delete(action=w.action_fair, user=owner)
    services.need_update(need=w.need_stock, data={"status": "addressed"}, user=owner)
    w.need_new = services.need_create(
        plan=w.plan, data={"title": "配送リードタイムの短縮", "kind": "value"}, user=owner
    )
    tracking_services.competitor_update(position=w.rival_a, data={"threat_level": 3}, user=owner)
    services.plan_update(plan=w.plan, data={"value_what": VALUE_AFTER}, user=owner)
    return w


def test_the_snapshot_freezes_the_plan_as_it_stood_at_the_review(worked):
    w = worked
    data = snapshot_of(w.review)
    assert ReviewSnapshot.objects.get(review=w.review).taken_at == REVIEW_AT
    assert data["taken_at"] == "2026-10-01T03:00:00+00:00"
    assert data["plan"]["value_what"] == VALUE_BEFORE
    assert data["plan"]["title"] == "2026年度 サンプル社プラン"
    goals = {row["statement"]: row for row in data["goals"]}
    assert goals["年間受注額を1.2億円にする"] == {
        "id": w.goal_orders.pk,
        "statement": "年間受注額を1.2億円にする",
        "metric": "年間受注額",
        "unit": "円",
        "baseline": "100000000.00",
        "target": "120000000.00",
        "current_value": "105000000.00",
        "progress": 0.25,
        "status": "not_started",
        "due_date": "2027-03-31",
        "need_id": w.need_stock.pk,
    }
    assert goals["NPSを40にする"]["progress"] == 0.5
    kpis = {row["name"]: row for row in data["kpis"]}
    assert kpis["受注件数"] == {
        "id": w.kpi_deals.pk,
        "name": "受注件数",
        "unit": "件",
        "target": "40.00",
        "direction": "higher",
        "latest_value": "20.00",
        "latest_measured_on": "2026-09-30",
        "attainment": 0.5,
        "goal_id": w.goal_orders.pk,
    }
    assert kpis["NPS"]["attainment"] == 0.75
    people_then = {row["id"]: row for row in data["stakeholders"]}
    assert people_then[w.yamada.pk] == {
        "id": w.yamada.pk,
        "name": "山田 太郎",
        "title": "物流部長",
        "attitude": -1,
        "influence": 3,
        "buying_role": "decision_maker",
        "is_active": True,
    }
    assert [row["approach"] for row in data["engagements"]] == ["物流改善の事例を月次で紹介"]
    assert (data["engagements"][0]["owner_last"], data["engagements"][0]["owner_first"]) == (
        "佐藤",
        "健",
    )
    actions = {row["title"]: row["status"] for row in data["actions"]}
    assert actions == {
        "役員面談の設定": "open",
        "提案書の作成": "open",
        "現状ヒアリング": "open",
        "定例会の準備": "open",
        "展示会への招待": "open",
    }
    assert {row["title"]: row["status"] for row in data["needs"]} == {"在庫コストの削減": "open"}
    assert {row["competitor"]: row["threat_level"] for row in data["competitors"]} == {
        "競合A社": 2,
        "競合B社": 1,
    }


def test_compare_says_exactly_what_changed_since_the_review(worked):
    w = worked
    with translation.override("en"):
        c = reviews.compare(snapshot_of(w.review), reviews.build_snapshot(w.plan))

    assert (c.before_day, c.after_day) == (REVIEW_DAY, TODAY)
    assert not c.nothing

    (goal,) = c.goals
    assert goal.id == w.goal_orders.pk
    progress = goal.moved["progress"]
    assert (progress.before, progress.after, progress.delta) == (0.25, 0.5, 0.25)
    assert (progress.arrow, progress.direction) == ("↑", "up")
    assert goal.changed == ["status"]
    assert goal.labels["status"] == ("Not started", "On track")

    (kpi,) = c.kpis
    assert kpi.id == w.kpi_deals.pk
    attainment, latest = kpi.moved["attainment"], kpi.moved["latest_value"]
    assert (attainment.before, attainment.after, attainment.arrow) == (0.5, 0.75, "↑")
    assert (latest.before, latest.after, latest.delta) == (20.0, 30.0, 10.0)

    (person,) = c.stakeholders
    assert person.id == w.yamada.pk
    assert person.changed == ["attitude", "influence"]
    attitude, influence = person.moved["attitude"], person.moved["influence"]
    assert (attitude.before, attitude.after, attitude.delta, attitude.arrow) == (-1, 1, 2, "↑")
    assert (influence.before, influence.after, influence.arrow) == (3, 4, "↑")
    assert person.labels["attitude"] == ("Sceptical", "Supporter")
    assert person.labels["buying_role"] == ("Decision maker", "Decision maker")

    assert ids(c.actions_completed) == [w.action_meeting.pk]
    assert c.actions_completed[0].labels["status"] == ("Open", "Done")
    assert ids(c.actions_overdue) == [w.action_proposal.pk]
    assert ids(c.actions_added) == [w.action_new.pk]
    assert c.actions_added[0].before is None
    assert c.actions_added[0].labels["phase"] == ("", "3. Proposal")
    assert c.actions_added[0].labels["status"] == ("", "Open")
    assert ids(c.actions_removed) == [w.action_fair_id]
    assert c.actions_removed[0].after is None
    assert c.actions_removed[0].now["title"] == "展示会への招待"

    assert ids(c.needs_opened) == [w.need_new.pk]
    assert c.needs_opened[0].labels["kind"] == ("", "Value sought")
    assert ids(c.needs_closed) == [w.need_stock.pk]
    assert c.needs_closed[0].labels["status"] == ("Open", "Addressed")

    (rival,) = c.competitors
    assert rival.id == w.rival_a.pk
    assert rival.changed == ["threat_level"]
    assert rival.labels["threat_level"] == ("Medium", "High")
    share = rival.moved["share_of_wallet"]
    assert (share.before, share.after, share.arrow) == (30.0, 30.0, "→")

    (change,) = c.texts
    assert change.field == "value_what"
    assert change.segments == VALUE_SEGMENTS
    with translation.override("en"):
        assert change.label == "what value we deliver"


def test_compare_with_itself_finds_nothing(worked):
    data = snapshot_of(worked.review)
    c = reviews.compare(data, data)
    assert c.nothing
    assert (c.goals, c.kpis, c.stakeholders, c.texts) == ([], [], [], [])


def test_japanese_text_diff_marks_whole_phrases():
    assert reviews.tokens(VALUE_BEFORE) == ["物流", "コスト", "を", "年間", "10%", "削減"]
    assert reviews.text_diff(VALUE_BEFORE, VALUE_AFTER) == VALUE_SEGMENTS
    # Half-width katakana and full-width figures are phrases too; a line break is kept.
    assert reviews.tokens("ｼｽﾃﾑ導入は２０２７年") == ["ｼｽﾃﾑ", "導入", "は", "２０２７", "年"]
    assert reviews.text_diff("導入は4月\n稼働は5月", "導入は4月\n稼働は6月") == [
        ("same", "導入は4月\n稼働は"),
        ("removed", "5"),
        ("added", "6"),
        ("same", "月"),
    ]
    assert reviews.text_diff("", "新規") == [("added", "新規")]
    assert reviews.text_diff("同じ", "同じ") == [("same", "同じ")]


def test_building_a_snapshot_takes_the_same_queries_however_big_the_plan(worked):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            reviews.build_snapshot(worked.plan)
        return len(queries)

    before = count()
    for n in range(3):
        GoalFactory(plan=worked.plan, statement=f"追加目標{n}")
        ActionFactory(plan=worked.plan, title=f"追加アクション{n}")
        StakeholderFactory(account=worked.account)
    assert count() == before


def test_changes_page_in_english(client, worked):
    w = worked
    login(client, w.owner)
    response = client.get(changes_url(w.plan))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="en"' in body
    assert tiles(body) == {
        "Goals that moved": 1,
        "KPIs with new values": 1,
        "Actions completed": 1,
        "Newly overdue": 1,
        "Stakeholders who moved": 1,
    }
    assert texts(body, "goal-change") == [
        "年間受注額を1.2億円にする 25% ↑ 50% Not started → On track"
    ]
    assert 'class="move up"' in elements(body, "goal-change")[0]
    assert texts(body, "kpi-change") == ["受注件数 20 → 30 件 50% ↑ 75%"]
    assert texts(body, "actions-completed") == ["役員面談の設定 佐藤 健"]
    assert texts(body, "actions-overdue") == ["提案書の作成 Due 2026-10-20 · 佐藤 健"]
    assert texts(body, "actions-added") == ["在庫診断の実施 3. Proposal · Open"]
    assert texts(body, "actions-removed") == ["展示会への招待"]
    assert texts(body, "stakeholder-change") == [
        "山田 太郎 Sceptical ↑ Supporter 3 ↑ 4 Decision maker"
    ]
    assert texts(body, "needs-opened") == ["配送リードタイムの短縮 Value sought"]
    assert texts(body, "needs-closed") == ["在庫コストの削減 Addressed"]
    assert texts(body, "competitor-change") == ["競合A社 Medium → High 30% → 30%"]
    assert elements(body, "text-diff") == [VALUE_DIFF_HTML]
    assert "<h3>what value we deliver</h3>" in body
    # What did not change is not listed.
    for unchanged in ("NPSを40にする", "佐々木 花子", "競合B社", "現状ヒアリング", "定例会の準備"):
        assert unchanged not in body
    assert elements(body, "nothing-changed") == []
    assert elements(body, "no-comparison") == []
    # The review it compares from is chosen, and "now" is the other end.
    assert f'<option value="{w.review.pk}" selected>' in body
    assert '<option value="" selected>' in body


def test_changes_page_in_japanese(client, worked):
    w = worked
    login(client, w.owner, language="ja")
    body = client.get(changes_url(w.plan)).content.decode()
    assert '<html lang="ja"' in body
    # The page's own words are in the Japanese catalogue, whatever their wording.
    with translation.override("ja"):
        heading = translation.gettext("What changed")
        labels = {
            translation.gettext(label): 1
            for label in (
                "Goals that moved",
                "KPIs with new values",
                "Actions completed",
                "Newly overdue",
                "Stakeholders who moved",
            )
        }
    assert heading != "What changed"
    assert f"<h1>{heading}</h1>" in body
    assert tiles(body) == labels
    assert "Goals that moved" not in labels
    assert texts(body, "goal-change") == ["年間受注額を1.2億円にする 25% ↑ 50% 未着手 → 順調"]
    assert texts(body, "kpi-change") == ["受注件数 20 → 30 件 50% ↑ 75%"]
    assert texts(body, "actions-added") == ["在庫診断の実施 3. 提案 · 未対応"]
    assert texts(body, "stakeholder-change") == ["山田 太郎 懐疑的 ↑ 支持 3 ↑ 4 意思決定者"]
    assert texts(body, "needs-opened") == ["配送リードタイムの短縮 求める価値"]
    assert texts(body, "needs-closed") == ["在庫コストの削減 対応済み"]
    assert texts(body, "competitor-change") == ["競合A社 中 → 高 30% → 30%"]
    assert elements(body, "text-diff") == [VALUE_DIFF_HTML]
    assert "<h3>何を（提供する価値）</h3>" in body
    assert "<h2>SMART目標</h2>" in body
    assert "<h2>競合マップ</h2>" in body


def test_between_two_reviews_and_after_the_live_rows_are_gone(client, worked, time_machine):
    w = worked
    second = services.plan_mark_reviewed(plan=w.plan, reviewer=w.owner)
    assert second.reviewed_on == TODAY

    # Three weeks on: more progress, then the goal, KPI, person and competitor are deleted.
    time_machine.move_to(dt.datetime(2026, 12, 10, 3, 0, tzinfo=dt.UTC), tick=False)
    services.goal_update(
        goal=w.goal_orders, data={"current_value": Decimal("115000000")}, user=w.owner
    )
    services.goal_delete(goal=w.goal_orders, user=w.owner)
    tracking_services.kpi_delete(kpi=w.kpi_deals, user=w.owner)
    tracking_services.competitor_delete(position=w.rival_a, user=w.owner)
    people.stakeholder_delete(stakeholder=w.yamada, user=w.owner)

    login(client, w.owner)
    for query in ({"from": w.review.pk, "to": second.pk}, {"from": second.pk, "to": w.review.pk}):
        body = client.get(changes_url(w.plan, **query)).content.decode()
        assert texts(body, "goal-change") == [
            "年間受注額を1.2億円にする 25% ↑ 50% Not started → On track"
        ]
        assert texts(body, "kpi-change") == ["受注件数 20 → 30 件 50% ↑ 75%"]
        assert texts(body, "stakeholder-change") == [
            "山田 太郎 Sceptical ↑ Supporter 3 ↑ 4 Decision maker"
        ]
        assert texts(body, "competitor-change") == ["競合A社 Medium → High 30% → 30%"]
        assert texts(body, "actions-overdue") == ["提案書の作成 Due 2026-10-20 · 佐藤 健"]
        assert elements(body, "text-diff") == [VALUE_DIFF_HTML]
        # Earlier on the left, later on the right, whichever way they were asked for.
        assert f'<option value="{w.review.pk}" selected>' in body
        assert f'<option value="{second.pk}" selected>' in body

    # From the second review to now: what went since is marked as removed.
    body = client.get(changes_url(w.plan)).content.decode()
    assert f'<option value="{second.pk}" selected>' in body
    assert texts(body, "goal-change") == ["年間受注額を1.2億円にする Removed 50% → — On track → —"]
    for testid, name in (("stakeholder-change", "山田 太郎"), ("competitor-change", "競合A社")):
        (row,) = texts(body, testid)
        assert row.startswith(f"{name} Removed "), row
    (kpi_row,) = texts(body, "kpi-change")
    assert kpi_row.startswith("受注件数 ")
    assert "30 → —" in kpi_row
    assert "75% → —" in kpi_row
    assert elements(body, "text-diff") == []


def test_a_plan_never_reviewed_has_nothing_to_compare(client, account, owner):
    plan = PlanFactory(account=account, owner=owner)
    login(client, owner)
    body = client.get(changes_url(plan)).content.decode()
    assert texts(body, "no-comparison") == [
        "The plan has not been reviewed yet: the first review freezes it to compare."
    ]
    assert elements(body, "compare-pick") == []
    assert (
        'data-testid="changes-link"'
        not in client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    )


def test_a_review_recorded_before_snapshots_has_nothing_to_compare(client, account, owner):
    plan = PlanFactory(account=account, owner=owner)
    ReviewFactory(plan=plan, state=ReviewState.RECORDED, reviewed_on=dt.date(2026, 6, 1))
    login(client, owner)
    body = client.get(changes_url(plan)).content.decode()
    assert texts(body, "no-comparison") == [
        "This review was recorded before reviews froze the plan, so there is nothing to "
        "compare it with. Reviews from now on can be compared."
    ]
    assert elements(body, "compare-pick") == []


def test_a_review_just_taken_shows_nothing_changed(client, account, owner):
    plan = PlanFactory(account=account, owner=owner, value_what=VALUE_BEFORE)
    GoalFactory(plan=plan, current_value=Decimal("110000000"))
    services.plan_mark_reviewed(plan=plan, reviewer=owner)
    login(client, owner)
    body = client.get(changes_url(plan)).content.decode()
    assert texts(body, "nothing-changed") == [
        "Nothing changed in the plan between these two points."
    ]
    assert elements(body, "goal-change") == []


def test_a_goal_measured_for_the_first_time_since_the_review_moved(client, account, owner):
    plan = PlanFactory(account=account, owner=owner)
    goal = GoalFactory(plan=plan, current_value=None)
    review = services.plan_mark_reviewed(plan=plan, reviewer=owner)
    services.goal_update(goal=goal, data={"current_value": Decimal("105000000")}, user=owner)
    c = reviews.compare(snapshot_of(review), reviews.build_snapshot(plan))
    (row,) = c.goals
    assert (row.moved["progress"].before, row.moved["progress"].after) == (None, 0.25)
    login(client, owner)
    body = client.get(changes_url(plan)).content.decode()
    assert texts(body, "goal-change") == ["年間受注額を1.2億円にする — → 25% Not started"]


# 2. Frozen in the database; erasure replaces


def test_the_database_refuses_to_update_a_snapshot(worked):
    review = worked.review
    stored = snapshot_of(review)
    taken_at = ReviewSnapshot.objects.get(review=review).taken_at

    with pytest.raises(IntegrityError, match=REFUSAL), transaction.atomic():
        ReviewSnapshot.objects.filter(review=review).update(data={"plan": {}})
    with pytest.raises(IntegrityError, match=REFUSAL), transaction.atomic():
        snapshot = ReviewSnapshot.objects.get(review=review)
        snapshot.taken_at = NOW_AT
        snapshot.save()
    with (
        pytest.raises(IntegrityError, match=REFUSAL),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE plans_reviewsnapshot SET taken_at = now()")

    snapshot = ReviewSnapshot.objects.get(review=review)
    assert snapshot.data == stored
    assert snapshot.taken_at == taken_at


def test_erasing_a_person_redacts_every_snapshot_that_names_them(worked, client):
    w = worked
    second = services.plan_mark_reviewed(plan=w.plan, reviewer=w.owner)
    other_account = AccountFactory(owner=w.owner)
    other_plan = PlanFactory(account=other_account, owner=w.owner, title="別のプラン")
    namesake = StakeholderFactory(account=other_account, name="山田 太郎", title="物流部長")
    other_review = services.plan_mark_reviewed(plan=other_plan, reviewer=w.owner)
    assert w.yamada.history.count() == 2  # created, then the attitude moved
    people.stakeholder_update(
        stakeholder=w.yamada,
        data={"name_kana": "ヤマダ タロウ", "email": "yamada@example.jp", "phone": "03-1234"},
        user=w.owner,
    )
    before_rows = {
        r.review_id: r.taken_at for r in ReviewSnapshot.objects.filter(review__plan=w.plan)
    }

    people.stakeholder_erase(stakeholder=w.yamada, user=w.manager)

    snapshots = ReviewSnapshot.objects.filter(review__plan=w.plan)
    assert {r.review_id: r.taken_at for r in snapshots} == before_rows
    for review, attitude, influence in ((w.review, -1, 3), (second, 1, 4)):
        rows = {row["id"]: row for row in snapshot_of(review)["stakeholders"]}
        assert rows[w.yamada.pk] == {
            "id": w.yamada.pk,
            "name": "—",
            "title": "—",
            "attitude": attitude,
            "influence": influence,
            "buying_role": "decision_maker",
            "is_active": True,
        }
        assert (rows[w.sasaki.pk]["name"], rows[w.sasaki.pk]["title"]) == (
            "佐々木 花子",
            "購買課長",
        )
    for snapshot in snapshots:
        assert "山田" not in json.dumps(snapshot.data, ensure_ascii=False)
        assert "物流部長" not in json.dumps(snapshot.data, ensure_ascii=False)
    # Another account's snapshot naming a namesake is not touched.
    other = {row["id"]: row for row in snapshot_of(other_review)["stakeholders"]}
    assert other[namesake.pk]["name"] == "山田 太郎"

    person = Stakeholder.objects.get(pk=w.yamada.pk)
    assert (person.name, person.name_kana, person.title, person.email, person.phone) == (
        "—",
        "",
        "",
        "",
        "",
    )
    assert (person.attitude, person.influence, person.buying_role) == (1, 4, "decision_maker")
    assert person.history.count() == 0

    # The comparison still reads, under the blank name.
    login(client, w.owner)
    body = client.get(changes_url(w.plan, **{"from": w.review.pk})).content.decode()
    assert texts(body, "stakeholder-change") == ["— Sceptical ↑ Supporter 3 ↑ 4 Decision maker"]
    assert "山田" not in body


def test_an_edit_form_opened_before_the_erasure_cannot_bring_the_name_back(worked):
    w = worked
    opened = Stakeholder.objects.get(pk=w.yamada.pk)
    people.stakeholder_erase(stakeholder=w.yamada, user=w.manager)
    with pytest.raises(StaleEdit):
        people.stakeholder_update(
            stakeholder=opened,
            data={"name": "山田 太郎", "title": "物流部長", "version": opened.version},
            user=w.owner,
        )
    person = Stakeholder.objects.get(pk=w.yamada.pk)
    assert (person.name, person.title) == ("—", "")
    assert person.history.count() == 0


def test_erasing_is_a_managers_act(worked):
    w = worked
    stored = snapshot_of(w.review)
    history = w.yamada.history.count()
    with pytest.raises(rights.Refused):
        people.stakeholder_erase(stakeholder=w.yamada, user=w.owner)
    assert snapshot_of(w.review) == stored
    person = Stakeholder.objects.get(pk=w.yamada.pk)
    assert (person.name, person.title) == ("山田 太郎", "物流部長")
    assert person.history.count() == history


def test_admin_action_erases_personal_data(client, worked, admin_user):
    w = worked
    login(client, admin_user)
    url = reverse("admin:stakeholders_stakeholder_changelist")
    response = client.post(
        url,
        {"action": "erase_personal_data", "_selected_action": [w.yamada.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Erased the personal data of 1 person, in their history and review snapshots too."
    ]
    assert Stakeholder.objects.get(pk=w.yamada.pk).name == "—"
    rows = {row["id"]: row for row in snapshot_of(w.review)["stakeholders"]}
    assert (rows[w.yamada.pk]["name"], rows[w.yamada.pk]["attitude"]) == ("—", -1)
    assert rows[w.sasaki.pk]["name"] == "佐々木 花子"
    assert Stakeholder.objects.get(pk=w.sasaki.pk).name == "佐々木 花子"


# 3. Sign-off


@pytest.fixture
def plan(account, owner):
    return PlanFactory(account=account, owner=owner, title="2026年度 サンプル社プラン")


@pytest.fixture
def other_manager(db):
    return UserFactory(username="manager2", role=Role.MANAGER, last_name="伊藤", first_name="課長")


def reports_to(person, manager):
    person.reports_to = manager
    person.save(update_fields=["reports_to"])


def overview(client, plan) -> str:
    return client.get(reverse("plans:detail", args=[plan.pk])).content.decode()


def decided_notifications():
    return list(
        Notification.objects.filter(kind=ReminderKind.REVIEW_DECIDED).values_list(
            "recipient_id", "title", "url"
        )
    )


def test_a_review_is_submitted_to_the_owners_manager(
    client, time_machine, plan, owner, manager, other_manager
):
    time_machine.move_to(NOW_AT, tick=False)
    reports_to(owner, manager)
    login(client, owner)
    response = client.post(reverse("plans:review", args=[plan.pk]), {"notes": "順調"})
    assert response.status_code == 302
    review = PlanReview.objects.get(plan=plan)
    assert (review.state, review.approver, review.submitted_at) == (
        ReviewState.SUBMITTED,
        manager,
        NOW_AT,
    )
    assert (review.decided_by, review.decided_at, review.decision_comment) == (None, None, "")
    assert ReviewSnapshot.objects.filter(review=review).exists()

    body = overview(client, plan)
    assert texts(body, "sign-off-state") == ["Waiting for sign-off"]
    assert texts(body, "sign-off") == [
        "Waiting for sign-off Review of 11/20/2026, submitted to 田中 部長."
    ]
    assert elements(body, "sign-off-form") == []  # the owner does not sign off

    login(client, other_manager)
    assert elements(overview(client, plan), "sign-off-form") == []

    login(client, manager)
    body = overview(client, plan)
    (form,) = elements(body, "sign-off-form")
    assert 'data-testid="approve"' in form
    assert 'data-testid="ask-changes"' in form


@pytest.mark.parametrize("boss", ["none", "inactive", "rep"])
def test_a_review_goes_to_any_manager_when_the_owner_has_none(
    client, time_machine, plan, owner, manager, other_manager, boss
):
    time_machine.move_to(NOW_AT, tick=False)
    if boss == "inactive":
        reports_to(owner, UserFactory(role=Role.MANAGER, is_active=False))
    elif boss == "rep":
        reports_to(owner, UserFactory(role=Role.REP))
    review = services.plan_mark_reviewed(plan=plan, reviewer=owner)
    assert review.approver is None

    login(client, owner)
    assert texts(overview(client, plan), "sign-off") == [
        "Waiting for sign-off Review of 11/20/2026, submitted to the managers."
    ]
    for person in (manager, other_manager):
        login(client, person)
        assert len(elements(overview(client, plan), "sign-off-form")) == 1

    login(client, other_manager)
    response = client.post(sign_off_url(review), {"decision": "approve"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.state, review.decided_by) == (ReviewState.APPROVED, other_manager)


def test_when_the_approver_has_left_any_manager_decides(plan, owner, manager, other_manager):
    reports_to(owner, manager)
    review = services.plan_mark_reviewed(plan=plan, reviewer=owner)
    assert review.approver == manager
    with pytest.raises(rights.Refused):
        services.review_decide(review=review, user=other_manager, approve=True)
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    decided = services.review_decide(review=review, user=other_manager, approve=True)
    assert (decided.state, decided.decided_by) == (ReviewState.APPROVED, other_manager)


@pytest.fixture
def submitted(time_machine, plan, owner, member, manager):
    """A review recorded by a team member, waiting for the owner's manager."""
    time_machine.move_to(NOW_AT, tick=False)
    reports_to(owner, manager)
    return services.plan_mark_reviewed(plan=plan, reviewer=member, notes="順調")


def refusal_for(persona: str) -> str:
    if persona == "other_manager":
        approver = User.objects.get(username="manager")
        return f"This review waits for {approver}'s sign-off."
    return "Only a manager signs off a plan review."


@pytest.mark.parametrize("persona", ["owner", "member", "admin_user", "other_manager"])
@pytest.mark.parametrize("decision", ["approve", "changes"])
def test_who_may_not_sign_off_is_told_why(request, client, submitted, persona, decision):
    person = request.getfixturevalue(persona)
    login(client, person)
    reason = refusal_for(persona)
    data = {"decision": decision, "comment": "数値の根拠を追記してください"}

    response = client.post(sign_off_url(submitted), data)
    assert response.status_code == 403
    assert escape(reason) in response.content.decode()

    response = client.post(sign_off_url(submitted), data, **HTMX)
    assert response.status_code == 403
    assert response["HX-Reswap"] == "none"
    assert json.loads(response["HX-Trigger"])["kam:message"] == {"text": reason, "level": "error"}

    submitted.refresh_from_db()
    assert (submitted.state, submitted.decided_by, submitted.decision_comment) == (
        ReviewState.SUBMITTED,
        None,
        "",
    )
    assert decided_notifications() == []


def test_approval_notifies_the_owner_and_the_reviewer_once_each(
    client, submitted, plan, owner, member, manager
):
    login(client, manager)
    response = client.post(sign_off_url(submitted), {"decision": "approve"}, **HTMX)
    assert response.status_code == 200
    assert "plan-changed" in json.loads(response["HX-Trigger"])
    body = response.content.decode()
    assert texts(body, "sign-off-state") == ["Approved"]
    assert elements(body, "sign-off-form") == []

    submitted.refresh_from_db()
    assert submitted.state == ReviewState.APPROVED
    assert (submitted.decided_by, submitted.decided_at) == (manager, NOW_AT)
    assert submitted.decision_comment == ""

    name = str(User.objects.get(pk=manager.pk))
    title = f"{name} approved the review of {plan.title}."
    url = reverse("plans:detail", args=[plan.pk]) + "#overview"
    assert sorted(decided_notifications()) == sorted(
        [(owner.pk, title, url), (member.pk, title, url)]
    )

    login(client, owner)
    body = overview(client, plan)
    assert texts(body, "sign-off-state") == ["Approved"]
    assert texts(body, "sign-off") == [f"Approved {name}, 11/20/2026"]


def test_asking_for_changes_says_which(client, submitted, plan, owner, member, manager):
    login(client, manager)
    response = client.post(
        sign_off_url(submitted), {"decision": "changes", "comment": " 競合A社への対策を追加 "}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:detail", args=[plan.pk]) + "#overview"
    submitted.refresh_from_db()
    assert (submitted.state, submitted.decision_comment) == (
        ReviewState.CHANGES_REQUESTED,
        "競合A社への対策を追加",
    )
    title = f"{User.objects.get(pk=manager.pk)} asked for changes to the review of {plan.title}."
    assert sorted(n[:2] for n in decided_notifications()) == sorted(
        [(owner.pk, title), (member.pk, title)]
    )

    login(client, owner)
    body = overview(client, plan)
    assert texts(body, "sign-off-state") == ["Changes requested"]
    assert texts(body, "sign-off-comment") == ["競合A社への対策を追加"]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_asking_for_changes_without_a_comment_is_refused(client, submitted, manager, headers):
    login(client, manager)
    response = client.post(
        sign_off_url(submitted), {"decision": "changes", "comment": "   "}, **headers
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Say what should change." in body
    assert len(elements(body, "sign-off-form")) == 1
    submitted.refresh_from_db()
    assert (submitted.state, submitted.decided_by) == (ReviewState.SUBMITTED, None)
    assert decided_notifications() == []
    with pytest.raises(ValidationError) as refused:
        services.review_decide(review=submitted, user=manager, approve=False, comment=" ")
    assert refused.value.message_dict == {"comment": ["Say what should change."]}


def test_a_review_is_decided_once(client, submitted, plan, manager):
    login(client, manager)
    client.post(sign_off_url(submitted), {"decision": "approve"})
    notified = decided_notifications()
    assert len(notified) == 2

    response = client.post(
        sign_off_url(submitted), {"decision": "changes", "comment": "やはり修正を"}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    # The overview shows the decision that stands, with nothing left to decide.
    assert texts(body, "sign-off-state") == ["Approved"]
    assert elements(body, "sign-off-form") == []
    submitted.refresh_from_db()
    assert (submitted.state, submitted.decision_comment) == (ReviewState.APPROVED, "")
    assert decided_notifications() == notified
    with pytest.raises(ValidationError) as refused:
        services.review_decide(review=submitted, user=manager, approve=True)
    assert refused.value.messages == ["This review has already been signed off or sent back."]
    assert decided_notifications() == notified


def test_a_manager_who_reviewed_is_not_notified_of_their_own_decision(plan, owner, manager):
    review = services.plan_mark_reviewed(plan=plan, reviewer=manager)
    services.review_decide(review=review, user=manager, approve=True)
    assert [n[0] for n in decided_notifications()] == [owner.pk]


# 4. The sign-off reminder


def approval_reminders():
    return list(
        Reminder.objects.filter(kind=ReminderKind.APPROVAL_PENDING)
        .order_by("recipient_id", "lead_days")
        .values_list("recipient_id", "object_id", "due_date", "lead_days")
    )


SUBMITTED_AT = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo
SUBMITTED_DAY = dt.date(2026, 11, 2)


@pytest.fixture
def waiting(time_machine, plan, owner, manager):
    time_machine.move_to(SUBMITTED_AT, tick=False)
    reports_to(owner, manager)
    manager.language = "en"
    manager.save(update_fields=["language"])
    return services.plan_mark_reviewed(plan=plan, reviewer=owner)


def test_a_review_waiting_reminds_its_approver_once_a_day(waiting, plan, account, manager):
    days = settings.APPROVAL_REMINDER_DAYS
    assert days == 3
    first = SUBMITTED_DAY + dt.timedelta(days=days)

    assert reminders.sweep("approvals", today=first - dt.timedelta(days=1)).recorded == 0
    assert approval_reminders() == []

    assert reminders.sweep("approvals", today=first).recorded == 1
    assert approval_reminders() == [(manager.pk, waiting.pk, SUBMITTED_DAY, -days)]
    reminder = Reminder.objects.get(kind=ReminderKind.APPROVAL_PENDING)
    assert reminder.title == (
        f"Plan review waiting for your sign-off since 2026-11-02: {account.name}: {plan.title}"
    )
    assert reminder.url == reverse("plans:detail", args=[plan.pk]) + "#overview"
    assert reminder.account_id == account.pk

    # The same day again: nothing new.
    assert reminders.sweep("approvals", today=first).recorded == 0
    assert len(approval_reminders()) == 1

    # The next day: one more.
    assert reminders.sweep("approvals", today=first + dt.timedelta(days=1)).recorded == 1
    assert approval_reminders() == [
        (manager.pk, waiting.pk, SUBMITTED_DAY, -days - 1),
        (manager.pk, waiting.pk, SUBMITTED_DAY, -days),
    ]

    # Once approved, no more.
    services.review_decide(review=waiting, user=manager, approve=True)
    assert reminders.sweep("approvals", today=first + dt.timedelta(days=2)).recorded == 0
    assert len(approval_reminders()) == 2


def test_each_reminder_is_one_notification(waiting, manager):
    first = SUBMITTED_DAY + dt.timedelta(days=settings.APPROVAL_REMINDER_DAYS)
    reminders.sweep("approvals", today=first)
    reminders.sweep("approvals", today=first + dt.timedelta(days=1))
    assert reminders.notify_recorded() == 2
    assert reminders.notify_recorded() == 0
    notes = Notification.objects.filter(kind=ReminderKind.APPROVAL_PENDING)
    assert notes.count() == 2
    assert set(notes.values_list("recipient_id", flat=True)) == {manager.pk}
    assert set(notes.values_list("reminder_id", flat=True)) == set(
        Reminder.objects.values_list("pk", flat=True)
    )


def test_the_waiting_days_come_from_the_setting(settings, waiting, manager):
    settings.APPROVAL_REMINDER_DAYS = 5
    assert reminders.sweep("approvals", today=SUBMITTED_DAY + dt.timedelta(days=4)).recorded == 0
    assert reminders.sweep("approvals", today=SUBMITTED_DAY + dt.timedelta(days=5)).recorded == 1
    assert approval_reminders() == [(manager.pk, waiting.pk, SUBMITTED_DAY, -5)]


def test_a_changes_request_ends_the_reminders(waiting, manager):
    services.review_decide(review=waiting, user=manager, approve=False, comment="根拠を追記")
    assert reminders.sweep("approvals", today=SUBMITTED_DAY + dt.timedelta(days=10)).recorded == 0


@pytest.mark.parametrize("approver", ["none", "left"])
def test_without_an_approver_every_active_manager_is_reminded_once(
    time_machine, plan, owner, member, manager, other_manager, approver
):
    time_machine.move_to(SUBMITTED_AT, tick=False)
    UserFactory(username="retired", role=Role.MANAGER, is_active=False)
    if approver == "left":
        reports_to(owner, manager)
    review = services.plan_mark_reviewed(plan=plan, reviewer=owner)
    if approver == "left":
        manager.is_active = False
        manager.save(update_fields=["is_active"])
        expected = [other_manager]
    else:
        assert review.approver is None
        expected = sorted([manager, other_manager], key=lambda u: u.pk)
    day = SUBMITTED_DAY + dt.timedelta(days=settings.APPROVAL_REMINDER_DAYS)

    assert reminders.sweep("approvals", today=day).recorded == len(expected)
    assert reminders.sweep("approvals", today=day).recorded == 0
    lead = -settings.APPROVAL_REMINDER_DAYS
    assert approval_reminders() == [(u.pk, review.pk, SUBMITTED_DAY, lead) for u in expected]
    assert reminders.notify_recorded() == len(expected)
    notified = Notification.objects.filter(kind=ReminderKind.APPROVAL_PENDING)
    assert sorted(notified.values_list("recipient_id", flat=True)) == [u.pk for u in expected]


def test_the_day_waited_is_counted_in_tokyo(time_machine, plan, owner, manager):
    # 15:30 UTC on 2 November is already 00:30 on 3 November in Tokyo.
    time_machine.move_to(dt.datetime(2026, 11, 2, 15, 30, tzinfo=dt.UTC), tick=False)
    reports_to(owner, manager)
    review = services.plan_mark_reviewed(plan=plan, reviewer=owner)
    days = settings.APPROVAL_REMINDER_DAYS
    tokyo_day = dt.date(2026, 11, 3)
    assert reminders.sweep("approvals", today=tokyo_day + dt.timedelta(days=days - 1)).recorded == 0
    assert reminders.sweep("approvals", today=tokyo_day + dt.timedelta(days=days)).recorded == 1
    assert approval_reminders() == [(manager.pk, review.pk, tokyo_day, -days)]


# 5. Rights


def test_a_rep_with_no_link_to_the_account_sees_none_of_it(client, worked, outsider):
    w = worked
    login(client, outsider)
    assert client.get(changes_url(w.plan)).status_code == 404
    assert client.get(changes_url(w.plan, **{"from": w.review.pk})).status_code == 404
    for headers in ({}, HTMX):
        response = client.post(sign_off_url(w.review), {"decision": "approve"}, **headers)
        assert response.status_code == 404
    w.review.refresh_from_db()
    assert w.review.state == ReviewState.SUBMITTED


def test_another_plans_review_cannot_be_compared_through_this_plan(client, worked, outsider):
    w = worked
    foreign_plan = PlanFactory(account=AccountFactory(owner=outsider), owner=outsider)
    GoalFactory(plan=foreign_plan, statement="他社の秘密の目標")
    foreign_review = services.plan_mark_reviewed(plan=foreign_plan, reviewer=outsider)
    login(client, w.owner)
    body = client.get(
        changes_url(w.plan, **{"from": foreign_review.pk, "to": foreign_review.pk})
    ).content.decode()
    assert "他社の秘密の目標" not in body
    assert f'<option value="{foreign_review.pk}"' not in body
    assert texts(body, "goal-change") == [
        "年間受注額を1.2億円にする 25% ↑ 50% Not started → On track"
    ]


# 6. The power map


def power_map(client, account) -> str:
    return client.get(reverse("stakeholders:power_map", args=[account.pk])).content.decode()


def row_of(body: str, person) -> str:
    match = re.search(rf'<tr id="stakeholder-{person.pk}".*?</tr>', body, re.S)
    return match.group(0)


def node_of(body: str, person) -> str:
    match = re.search(rf'<a class="pm-node"[^>]*data-stakeholder="{person.pk}".*?</a>', body, re.S)
    return match.group(0)


def test_power_map_marks_who_moved_since_the_last_review(client, worked):
    w = worked
    newcomer = StakeholderFactory(account=w.account, name="新任 次郎", attitude=2)
    login(client, w.owner)
    body = power_map(client, w.account)

    assert texts(row_of(body, w.yamada), "moved-since-review-row") == [
        "↑ was Sceptical · influence was 3/5"
    ]
    assert texts(node_of(body, w.yamada), "moved-since-review") == ["↑"]
    assert "At the last review: Sceptical, influence 3/5" in node_of(body, w.yamada)
    for still in (w.sasaki, newcomer):
        assert 'data-testid="moved-since-review' not in row_of(body, still)
        assert 'data-testid="moved-since-review' not in node_of(body, still)
    assert body.count('data-testid="moved-since-review-row"') == 1


def test_power_map_marks_an_influence_move_and_compares_with_the_latest_review(client, worked):
    w = worked
    services.plan_mark_reviewed(plan=w.plan, reviewer=w.owner)  # yamada now frozen as moved
    people.stakeholder_update(stakeholder=w.sasaki, data={"influence": 5}, user=w.owner)
    login(client, w.owner)
    body = power_map(client, w.account)
    assert 'data-testid="moved-since-review' not in row_of(body, w.yamada)
    assert texts(row_of(body, w.sasaki), "moved-since-review-row") == ["· influence was 2/5"]
    assert texts(node_of(body, w.sasaki), "moved-since-review") == ["↑"]


def test_power_map_without_a_review_marks_no_one(client, account, owner):
    StakeholderFactory(account=account, attitude=-2)
    login(client, owner)
    body = power_map(client, account)
    assert 'data-testid="moved-since-review' not in body


def test_actions_are_frozen_with_their_owner_even_after_removal(worked):
    # The removed action keeps its title and owner in the frozen plan.
    removed = worked.action_fair_id
    assert not ActionItem.objects.filter(pk=removed).exists()
    (frozen,) = [a for a in snapshot_of(worked.review)["actions"] if a["id"] == removed]
    assert (frozen["title"], frozen["owner_last"], frozen["due_date"]) == (
        "展示会への招待",
        "佐藤",
        "2026-11-30",
    )


def test_the_manager_signs_off_from_the_changes_page(client, submitted, plan, manager):
    login(client, manager)
    body = client.get(changes_url(plan)).content.decode()
    assert 'data-testid="changes-sign-off"' in body
    assert 'data-testid="sign-off-form"' in body
    response = client.post(
        sign_off_url(submitted), {"decision": "approve", "comment": "", "next": "changes"}
    )
    assert response.status_code == 302
    assert response["Location"] == changes_url(plan)
    submitted.refresh_from_db()
    assert (submitted.state, submitted.decided_by) == (ReviewState.APPROVED, manager)
    body = client.get(changes_url(plan)).content.decode()
    assert 'data-testid="changes-sign-off"' not in body


@pytest.mark.parametrize("persona", ["owner", "member", "other_manager"])
def test_only_the_approver_gets_the_sign_off_buttons_on_the_changes_page(
    request, client, submitted, plan, persona
):
    login(client, request.getfixturevalue(persona))
    body = client.get(changes_url(plan)).content.decode()
    # Everyone who may see the plan sees that it waits, and for whom.
    assert 'data-testid="changes-sign-off"' in body
    assert "submitted to 田中 部長" in text(body)
    assert 'data-testid="sign-off-form"' not in body


def test_a_new_review_replaces_one_still_waiting(submitted, plan, member, manager):
    later = services.plan_mark_reviewed(plan=plan, reviewer=member, notes="再見直し")
    submitted.refresh_from_db()
    assert submitted.state == ReviewState.RECORDED
    assert later.state == ReviewState.SUBMITTED
    assert list(PlanReview.objects.filter(state=ReviewState.SUBMITTED)) == [later]


def test_an_approver_no_longer_a_manager_lets_any_manager_decide(submitted, manager, other_manager):
    manager.role = Role.REP
    manager.save(update_fields=["role"])
    submitted.refresh_from_db()
    assert rights.sign_off_refusal(other_manager, submitted) is None


def test_admin_shows_the_sign_off_but_does_not_let_it_be_typed(client, submitted, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("admin:plans_planreview_change", args=[submitted.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="state"' not in body and 'name="decided_by"' not in body
