import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stakeholders.models import Attitude, BuyingRole, RelationshipStrength, Stakeholder
from stakeholders.selectors import (
    MAX_RADIUS,
    account_stakeholders,
    fit_label,
    power_map_layout,
    power_map_risks,
)
from tests.factories import StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)


def _map_url(account):
    return reverse("stakeholders:power_map", args=[account.pk])


def _org(account):
    """社長 with two reports, one of whom has two reports of their own."""
    ceo = StakeholderFactory(account=account, name="社長 一郎", influence=5)
    cfo = StakeholderFactory(account=account, name="財務 二郎", reports_to=ceo)
    cio = StakeholderFactory(account=account, name="情報 三郎", reports_to=ceo)
    a = StakeholderFactory(account=account, name="現場 四郎", reports_to=cio)
    b = StakeholderFactory(account=account, name="現場 五郎", reports_to=cio)
    return ceo, cfo, cio, a, b


def _layout(account):
    return power_map_layout(account_stakeholders(account=account))


# Layout


def test_every_active_person_is_one_node_and_every_link_one_line(client, owner, account):
    _org(account)
    StakeholderFactory(account=account, name="退職 六郎", is_active=False)
    owner.language = "en"
    owner.save(update_fields=["language"])
    client.force_login(owner)
    response = client.get(_map_url(account))
    html = response.content.decode()
    assert html.count('data-testid="power-node"') == 5
    assert html.count('data-testid="power-link"') == 4
    assert "退職 六郎" in html  # still in the table
    assert "not drawn (1 person)" in html


def test_no_two_nodes_overlap(account):
    ceo, *_ = _org(account)
    other_root = StakeholderFactory(account=account, name="監査役")
    StakeholderFactory(account=account, reports_to=other_root)
    chart = _layout(account)
    positions = [(n.x, n.y) for n in chart.nodes]
    assert len(set(positions)) == len(positions) == 7
    for first in chart.nodes:
        for second in chart.nodes:
            if first is not second and first.y == second.y:
                # Circles and the labels under them keep their own column.
                assert abs(first.x - second.x) >= 2 * MAX_RADIUS
    assert all(0 < n.x < chart.width and 0 < n.y < chart.height for n in chart.nodes)


def test_reports_sit_below_their_manager_and_roots_side_by_side(account):
    ceo, cfo, cio, a, b = _org(account)
    lone = StakeholderFactory(account=account, name="独立 役員", influence=1)
    nodes = {n.stakeholder.pk: n for n in _layout(account).nodes}
    assert nodes[cfo.pk].y > nodes[ceo.pk].y
    assert nodes[a.pk].y > nodes[cio.pk].y
    assert nodes[cio.pk].x == (nodes[a.pk].x + nodes[b.pk].x) / 2
    assert nodes[lone.pk].y == nodes[ceo.pk].y
    assert nodes[lone.pk].x != nodes[ceo.pk].x


def test_someone_whose_manager_left_starts_a_tree_of_their_own(account):
    ceo, cfo, cio, a, b = _org(account)
    Stakeholder.objects.filter(pk=cio.pk).update(is_active=False)
    chart = _layout(account)
    nodes = {n.stakeholder.pk: n for n in chart.nodes}
    assert cio.pk not in nodes
    assert nodes[a.pk].depth == 0 and nodes[b.pk].depth == 0
    assert len(chart.links) == 1  # only 財務 under 社長
    assert chart.inactive_count == 1


def test_a_circle_saved_in_the_database_still_draws_every_node(account):
    first = StakeholderFactory(account=account)
    second = StakeholderFactory(account=account, reports_to=first)
    Stakeholder.objects.filter(pk=first.pk).update(reports_to=second)
    chart = _layout(account)
    assert len(chart.nodes) == 2
    assert len({(n.x, n.y) for n in chart.nodes}) == 2


def test_size_encodes_influence_and_colour_attitude(account):
    big = StakeholderFactory(account=account, influence=5, attitude=Attitude.OPPONENT)
    small = StakeholderFactory(account=account, influence=1, attitude=Attitude.CHAMPION)
    nodes = {n.stakeholder.pk: n for n in _layout(account).nodes}
    assert nodes[big.pk].r > nodes[small.pk].r
    assert nodes[big.pk].fill != nodes[small.pk].fill
    assert nodes[big.pk].sign == "−2" and nodes[small.pk].sign == "+2"


def test_long_japanese_labels_are_cut_to_fit_under_the_node():
    long_title = "グローバル調達本部 戦略ソーシング部 部長代理"
    label = fit_label(long_title, 11)
    assert label.endswith("…") and len(label) < len(long_title)
    assert fit_label("山田 太郎", 12.5) == "山田 太郎"


def test_hover_title_and_role_badge_are_on_each_node(client, owner, account):
    owner.language = "en"
    owner.save()
    StakeholderFactory(
        account=account,
        name="決裁 太郎",
        title="代表取締役",
        buying_role=BuyingRole.DECISION_MAKER,
        influence=5,
        last_contacted_on=dt.date(2026, 10, 1),
    )
    client.force_login(owner)
    html = client.get(_map_url(account), HTTP_HX_REQUEST="true").content.decode()
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "決裁 太郎 · 代表取締役" in title
    assert "Decision maker" in title and "5/5" in title and "Neutral" in title
    assert ">DM</text>" in html
    assert 'viewBox="0 0 ' in html


# Risks


def _kinds(account):
    return {r.kind for r in power_map_risks(account, TODAY)}


def test_no_champion_appears_and_goes_when_someone_champions_us(account):
    person = StakeholderFactory(account=account, attitude=Attitude.SUPPORTER)
    assert "no_champion" in _kinds(account)
    person.attitude = Attitude.CHAMPION
    person.save()
    assert "no_champion" not in _kinds(account)
    person.attitude = Attitude.NEUTRAL
    person.buying_role = BuyingRole.CHAMPION
    person.save()
    assert "no_champion" not in _kinds(account)


def test_a_neutral_or_opposed_decision_maker_is_named(account):
    boss = StakeholderFactory(
        account=account, name="決裁 太郎", buying_role=BuyingRole.ECONOMIC_BUYER, attitude=0
    )
    risk = next(r for r in power_map_risks(account, TODAY) if r.kind == "decider")
    assert "決裁 太郎" in risk.message
    assert risk.level == "warn"
    boss.attitude = Attitude.OPPONENT
    boss.save()
    risk = next(r for r in power_map_risks(account, TODAY) if r.kind == "decider")
    assert risk.level == "bad"
    boss.attitude = Attitude.SUPPORTER
    boss.save()
    assert "decider" not in _kinds(account)


def test_a_relationship_on_one_person_is_single_threaded(account):
    only = StakeholderFactory(
        account=account, name="窓口 花子", relationship_strength=RelationshipStrength.STRONG
    )
    other = StakeholderFactory(account=account, relationship_strength=RelationshipStrength.WEAK)
    risk = next(r for r in power_map_risks(account, TODAY) if r.kind == "single_thread")
    assert "窓口 花子" in risk.message
    other.relationship_strength = RelationshipStrength.WORKING
    other.save()
    assert "single_thread" not in _kinds(account)
    only.relationship_strength = other.relationship_strength = RelationshipStrength.NONE
    only.save()
    other.save()
    assert "single_thread" in _kinds(account)


def test_all_relationships_owned_by_one_of_us_is_a_risk(account, owner, member):
    StakeholderFactory(account=account, relationship_owner=owner)
    second = StakeholderFactory(account=account, relationship_owner=owner)
    risk = next(r for r in power_map_risks(account, TODAY) if r.kind == "single_owner")
    assert str(owner) in risk.message
    second.relationship_owner = member
    second.save()
    assert "single_owner" not in _kinds(account)


def test_key_people_not_contacted_for_90_days_or_never_are_named(account):
    never = StakeholderFactory(account=account, name="未接触 様", influence=4)
    stale = StakeholderFactory(
        account=account, name="疎遠 様", influence=5, last_contacted_on=TODAY - dt.timedelta(91)
    )
    StakeholderFactory(account=account, name="現場 様", influence=2)
    risk = next(r for r in power_map_risks(account, TODAY) if r.kind == "contact_gap")
    assert "未接触 様" in risk.message and "疎遠 様" in risk.message
    assert "現場 様" not in risk.message
    never.last_contacted_on = TODAY
    never.save()
    stale.last_contacted_on = TODAY - dt.timedelta(90)
    stale.save()
    assert "contact_gap" not in _kinds(account)


def test_people_who_left_do_not_count_for_or_against_us(account):
    StakeholderFactory(account=account, attitude=Attitude.CHAMPION, is_active=False)
    StakeholderFactory(account=account)
    assert "no_champion" in _kinds(account)


def test_a_healthy_map_shows_no_risks(client, owner, member, account):
    owner.language = "en"
    owner.save()
    common = {"account": account, "last_contacted_on": TODAY}
    StakeholderFactory(
        **common,
        buying_role=BuyingRole.DECISION_MAKER,
        attitude=Attitude.CHAMPION,
        influence=5,
        relationship_strength=RelationshipStrength.STRONG,
        relationship_owner=owner,
    )
    StakeholderFactory(
        **common,
        attitude=Attitude.SUPPORTER,
        relationship_strength=RelationshipStrength.WORKING,
        relationship_owner=member,
    )
    assert power_map_risks(account, TODAY) == []
    client.force_login(owner)
    html = client.get(_map_url(account)).content.decode()
    # The page uses the real date, so only check the rules that do not depend on it.
    assert 'data-risk="no_champion"' not in html
    assert 'data-risk="decider"' not in html
    assert 'data-risk="single_thread"' not in html


def test_risks_are_shown_beside_the_map_with_a_badge(client, owner, account):
    owner.language = "en"
    owner.save()
    StakeholderFactory(account=account, buying_role=BuyingRole.DECISION_MAKER, name="決裁 太郎")
    client.force_login(owner)
    html = client.get(_map_url(account)).content.decode()
    assert 'data-risk="no_champion"' in html
    assert "A decision maker is neutral or opposed to us: 決裁 太郎." in html
    assert 'class="badge bad">No champion<' in html


def test_an_empty_account_says_nobody_is_recorded(client, owner, account):
    owner.language = "en"
    owner.save()
    client.force_login(owner)
    html = client.get(_map_url(account)).content.decode()
    assert 'data-risk="empty"' in html
    assert 'data-testid="power-node"' not in html


# Queries


def _map_queries(client, account):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_map_url(account), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_power_map_query_count_does_not_grow_with_people(client, owner, account):
    client.force_login(owner)
    owners = UserFactory.create_batch(3)
    boss = StakeholderFactory(account=account, relationship_owner=owners[0])
    for i in range(2):
        StakeholderFactory(account=account, reports_to=boss, relationship_owner=owners[i])
    few = _map_queries(client, account)
    for i in range(27):
        StakeholderFactory(
            account=account,
            reports_to=boss if i % 3 else None,
            relationship_owner=owners[i % 3],
            is_active=bool(i % 5),
        )
    assert Stakeholder.objects.filter(account=account).count() == 30
    assert _map_queries(client, account) == few
