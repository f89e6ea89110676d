import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stakeholders.models import Attitude, Stakeholder, StakeholderEngagement
from tests.factories import (
    AccountFactory,
    EngagementFactory,
    PlanFactory,
    StakeholderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ALLOWED = ["owner", "member", "manager"]


@pytest.fixture
def person(account):
    return StakeholderFactory(account=account, name="山田 太郎", title="部長")


@pytest.fixture
def plan(account):
    return PlanFactory(account=account)


@pytest.fixture
def engagement(plan, person):
    return EngagementFactory(plan=plan, stakeholder=person, approach="月次の定例で説明する")


def _english(user):
    user.language = "en"
    user.save()
    return user


def _valid(**changes):
    data = {
        "name": "新規 花子",
        "name_kana": "シンキ ハナコ",
        "title": "課長",
        "department": "購買部",
        "reports_to": "",
        "buying_role": "influencer",
        "influence": "3",
        "attitude": "0",
        "relationship_strength": "1",
        "relationship_owner": "",
        "last_contacted_on": "",
        "email": "",
        "phone": "",
        "is_active": "on",
        "notes": "",
    }
    data.update(changes)
    return data


# Access to every view: (url name, the fixture giving its object, method)
GET_VIEWS = [
    ("stakeholders:power_map", "account"),
    ("stakeholders:create", "account"),
    ("stakeholders:edit", "person"),
    ("stakeholders:engagements", "plan"),
    ("stakeholders:engagement_create", "plan"),
    ("stakeholders:engagement_edit", "engagement"),
]


def _url(request, name, fixture):
    return reverse(name, args=[request.getfixturevalue(fixture).pk])


@pytest.mark.parametrize(("name", "fixture"), GET_VIEWS)
def test_anonymous_is_sent_to_login(client, request, name, fixture):
    response = client.get(_url(request, name, fixture))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "fixture"), GET_VIEWS)
@pytest.mark.parametrize("persona", ALLOWED)
def test_people_on_the_account_and_managers_get_the_page(client, request, name, fixture, persona):
    url = _url(request, name, fixture)
    client.force_login(request.getfixturevalue(persona))
    page = client.get(url)
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    fragment = client.get(url, **HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()


@pytest.mark.parametrize(("name", "fixture"), GET_VIEWS)
def test_outsider_gets_404(client, request, outsider, name, fixture):
    url = _url(request, name, fixture)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(url, **HTMX).status_code == 404


@pytest.mark.parametrize(
    ("name", "fixture"),
    [
        ("stakeholders:create", "account"),
        ("stakeholders:edit", "person"),
        ("stakeholders:delete", "person"),
        ("stakeholders:engagement_create", "plan"),
        ("stakeholders:engagement_edit", "engagement"),
        ("stakeholders:engagement_delete", "engagement"),
    ],
)
def test_anonymous_posts_change_nothing(client, request, name, fixture):
    url = _url(request, name, fixture)
    before = (Stakeholder.objects.count(), StakeholderEngagement.objects.count())
    response = client.post(url, _valid())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert (Stakeholder.objects.count(), StakeholderEngagement.objects.count()) == before


def test_outsider_cannot_edit_or_delete_another_accounts_stakeholder(client, outsider, person):
    client.force_login(outsider)
    response = client.post(
        reverse("stakeholders:edit", args=[person.pk]), _valid(name="乗っ取り"), **HTMX
    )
    assert response.status_code == 404
    assert client.post(reverse("stakeholders:delete", args=[person.pk])).status_code == 404
    person.refresh_from_db()
    assert person.name == "山田 太郎"


def test_outsider_cannot_add_people_or_strategies(client, outsider, account, plan, person):
    client.force_login(outsider)
    response = client.post(reverse("stakeholders:create", args=[account.pk]), _valid())
    assert response.status_code == 404
    response = client.post(
        reverse("stakeholders:engagement_create", args=[plan.pk]),
        {"stakeholder": person.pk, "desired_attitude": "2"},
    )
    assert response.status_code == 404
    assert Stakeholder.objects.count() == 1
    assert not StakeholderEngagement.objects.exists()


def test_outsider_cannot_change_or_remove_a_strategy(client, outsider, engagement):
    client.force_login(outsider)
    edit = reverse("stakeholders:engagement_edit", args=[engagement.pk])
    assert client.post(edit, {"desired_attitude": "-2"}).status_code == 404
    delete = reverse("stakeholders:engagement_delete", args=[engagement.pk])
    assert client.post(delete).status_code == 404
    engagement.refresh_from_db()
    assert engagement.desired_attitude == Attitude.SUPPORTER


def test_a_host_section_is_replaced_rather_than_nested(client, owner, account):
    client.force_login(owner)
    url = reverse("stakeholders:power_map", args=[account.pk])
    response = client.get(url, HTTP_HX_TARGET="power-map", **HTMX)
    assert response["HX-Reswap"] == "outerHTML"
    assert response.content.decode().lstrip().startswith('<section id="power-map"')


def test_plain_power_map_page_links_back_to_the_account(client, owner, account):
    client.force_login(owner)
    html = client.get(reverse("stakeholders:power_map", args=[account.pk])).content.decode()
    assert account.name in html
    assert 'id="stakeholder-panel"' in html


# Adding, editing and deleting people


def test_add_stakeholder_in_place_re_renders_the_whole_section(client, owner, account, person):
    client.force_login(owner)
    response = client.post(
        reverse("stakeholders:create", args=[account.pk]),
        _valid(reports_to=person.pk, influence="5", relationship_owner=owner.pk),
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#power-map"
    assert response["HX-Reswap"].startswith("outerHTML")
    html = response.content.decode()
    assert html.count('data-testid="power-node"') == 2
    assert html.count('data-testid="power-link"') == 1
    assert 'data-testid="power-map-risks"' in html and 'data-testid="stakeholder-table"' in html
    created = Stakeholder.objects.get(name="新規 花子")
    assert created.account == account and created.reports_to == person
    assert created.influence == 5 and created.relationship_owner == owner


def test_add_without_javascript_redirects_to_the_map(client, member, account):
    client.force_login(member)
    response = client.post(reverse("stakeholders:create", args=[account.pk]), _valid())
    assert response.status_code == 302
    assert response["Location"] == reverse("stakeholders:power_map", args=[account.pk])
    assert Stakeholder.objects.filter(account=account, name="新規 花子").exists()


def test_edit_saves_and_shows_the_change(client, member, person):
    client.force_login(member)
    response = client.post(
        reverse("stakeholders:edit", args=[person.pk]),
        _valid(name="山田 太郎", attitude="2", buying_role="champion"),
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#power-map"
    person.refresh_from_db()
    assert person.attitude == 2 and person.buying_role == "champion"
    assert 'data-risk="no_champion"' not in response.content.decode()


def test_manager_can_edit(client, manager, person):
    client.force_login(manager)
    response = client.post(
        reverse("stakeholders:edit", args=[person.pk]), _valid(name="山田 次郎"), **HTMX
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.name == "山田 次郎"


def test_delete_removes_the_person_and_their_reports_move_up(client, owner, account, person):
    report = StakeholderFactory(account=account, reports_to=person)
    client.force_login(owner)
    response = client.post(reverse("stakeholders:delete", args=[person.pk]), **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#power-map"
    assert not Stakeholder.objects.filter(pk=person.pk).exists()
    report.refresh_from_db()
    assert report.reports_to is None
    assert response.content.decode().count('data-testid="power-node"') == 1


def test_delete_asks_for_confirmation(client, owner, person):
    _english(owner)
    client.force_login(owner)
    html = client.get(reverse("stakeholders:edit", args=[person.pk]), **HTMX).content.decode()
    assert 'hx-confirm="Delete 山田 太郎?' in html


def test_delete_needs_post(client, owner, person):
    client.force_login(owner)
    assert client.get(reverse("stakeholders:delete", args=[person.pk])).status_code == 405
    assert Stakeholder.objects.filter(pk=person.pk).exists()


def test_manager_choices_are_only_this_customers_people(client, owner, account, person):
    stranger = StakeholderFactory(name="他社 次郎")
    client.force_login(owner)
    html = client.get(reverse("stakeholders:create", args=[account.pk]), **HTMX).content.decode()
    assert "山田 太郎" in html
    assert "他社 次郎" not in html
    assert stranger.account != account


def test_relationship_owner_choices_are_active_users(client, owner, account):
    UserFactory(username="gone", last_name="退職者", is_active=False)
    client.force_login(owner)
    html = client.get(reverse("stakeholders:create", args=[account.pk]), **HTMX).content.decode()
    assert "退職者" not in html
    assert str(owner) in html


# Bad input


def _post_bad(client, url, data):
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    assert "HX-Retarget" not in response
    return response.content.decode()


def _error_beside(html, field, text):
    """The error sits in the same .field block as the input it is about."""
    start = html.index(f'name="{field}"')
    starts = [m.start() for m in re.finditer(r'<div class="field[ "]', html)]
    block_start = max(i for i in starts if i < start)
    block_end = min((i for i in starts if i > start), default=len(html))
    assert text in html[block_start:block_end]


def test_blank_name_is_refused_beside_the_field(client, owner, account, person):
    _english(owner)
    client.force_login(owner)
    html = _post_bad(
        client, reverse("stakeholders:create", args=[account.pk]), _valid(name="", title="課長X")
    )
    _error_beside(html, "name", "This field is required.")
    assert 'value="課長X"' in html  # what was typed is kept
    assert Stakeholder.objects.count() == 1


def test_influence_above_five_is_refused(client, owner, person):
    _english(owner)
    client.force_login(owner)
    html = _post_bad(
        client,
        reverse("stakeholders:edit", args=[person.pk]),
        _valid(name="山田 変更", influence="6"),
    )
    _error_beside(html, "influence", "Ensure this value is less than or equal to 5.")
    person.refresh_from_db()
    assert person.name == "山田 太郎" and person.influence == 3


def test_a_manager_at_another_customer_is_refused(client, owner, account, person):
    _english(owner)
    elsewhere = StakeholderFactory(account=AccountFactory(owner=owner))
    client.force_login(owner)
    html = _post_bad(
        client,
        reverse("stakeholders:edit", args=[person.pk]),
        _valid(name="山田 太郎", reports_to=elsewhere.pk, title="変更"),
    )
    _error_beside(html, "reports_to", "The manager must work at the same customer.")
    person.refresh_from_db()
    assert person.reports_to is None and person.title == "部長"


def test_a_reporting_circle_is_refused(client, owner, account, person):
    _english(owner)
    middle = StakeholderFactory(account=account, reports_to=person)
    bottom = StakeholderFactory(account=account, reports_to=middle)
    client.force_login(owner)
    html = _post_bad(
        client,
        reverse("stakeholders:edit", args=[person.pk]),
        _valid(name="山田 太郎", reports_to=bottom.pk),
    )
    _error_beside(html, "reports_to", "This would make the org chart a circle.")
    person.refresh_from_db()
    assert person.reports_to is None
    assert Stakeholder.objects.filter(account=account).count() == 3


def test_bad_input_without_javascript_shows_the_form_on_a_page(client, owner, account):
    _english(owner)
    client.force_login(owner)
    response = client.post(reverse("stakeholders:create", args=[account.pk]), _valid(name=""))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and "This field is required." in html
    assert not Stakeholder.objects.exists()


# Engagement strategies


def test_engagements_list_the_plan_people_with_attitude_now_and_wanted(client, owner, engagement):
    _english(owner)
    client.force_login(owner)
    url = reverse("stakeholders:engagements", args=[engagement.plan_id])
    html = client.get(url, **HTMX).content.decode()
    assert html.lstrip().startswith('<section id="engagements"')
    assert "山田 太郎" in html and "月次の定例で説明する" in html
    assert "Neutral" in html and "Supporter" in html
    assert "1 to go" in html


def test_add_engagement_offers_only_this_accounts_people_not_yet_in_the_plan(
    client, owner, account, plan, engagement
):
    free = StakeholderFactory(account=account, name="未登録 次郎")
    StakeholderFactory(name="他社 三郎")
    client.force_login(owner)
    html = client.get(
        reverse("stakeholders:engagement_create", args=[plan.pk]), **HTMX
    ).content.decode()
    assert f'value="{free.pk}"' in html
    assert f'value="{engagement.stakeholder_id}"' not in html
    assert "他社 三郎" not in html


def test_add_engagement_in_place(client, member, account, plan):
    person = StakeholderFactory(account=account, name="追加 四郎")
    client.force_login(member)
    response = client.post(
        reverse("stakeholders:engagement_create", args=[plan.pk]),
        {"stakeholder": person.pk, "desired_attitude": "2", "owner": member.pk, "approach": "朝会"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#engagements"
    assert "追加 四郎" in response.content.decode()
    created = StakeholderEngagement.objects.get(plan=plan, stakeholder=person)
    assert created.desired_attitude == 2 and created.owner == member


def test_engagement_with_someone_from_another_customer_is_refused(client, owner, plan):
    _english(owner)
    stranger = StakeholderFactory(name="他社 三郎")
    client.force_login(owner)
    html = _post_bad(
        client,
        reverse("stakeholders:engagement_create", args=[plan.pk]),
        {"stakeholder": stranger.pk, "desired_attitude": "2", "approach": "残す文章"},
    )
    _error_beside(
        html, "stakeholder", "Choose someone at this plan&#x27;s customer who is not in the plan"
    )
    assert "残す文章" in html
    assert not StakeholderEngagement.objects.exists()


def test_engagement_with_an_impossible_attitude_is_refused(client, owner, engagement):
    _english(owner)
    client.force_login(owner)
    html = _post_bad(
        client,
        reverse("stakeholders:engagement_edit", args=[engagement.pk]),
        {"desired_attitude": "7", "approach": "変更"},
    )
    _error_beside(html, "desired_attitude", "Select a valid choice.")
    engagement.refresh_from_db()
    assert engagement.desired_attitude == Attitude.SUPPORTER
    assert engagement.approach == "月次の定例で説明する"


def test_edit_engagement_in_place(client, owner, engagement):
    client.force_login(owner)
    response = client.post(
        reverse("stakeholders:engagement_edit", args=[engagement.pk]),
        {"desired_attitude": "2", "owner": owner.pk, "approach": "役員同士の会食"},
        **HTMX,
    )
    assert response["HX-Retarget"] == "#engagements"
    engagement.refresh_from_db()
    assert engagement.desired_attitude == 2 and engagement.approach == "役員同士の会食"


def test_remove_engagement_keeps_the_person(client, owner, engagement):
    _english(owner)
    client.force_login(owner)
    form = client.get(
        reverse("stakeholders:engagement_edit", args=[engagement.pk]), **HTMX
    ).content.decode()
    assert 'hx-confirm="Remove 山田 太郎 from this plan?' in form
    response = client.post(reverse("stakeholders:engagement_delete", args=[engagement.pk]), **HTMX)
    assert response.status_code == 200
    assert not StakeholderEngagement.objects.exists()
    assert Stakeholder.objects.filter(pk=engagement.stakeholder_id).exists()


def _engagement_queries(client, plan):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("stakeholders:engagements", args=[plan.pk]), **HTMX)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_engagement_query_count_does_not_grow_with_rows(client, owner, plan):
    client.force_login(owner)
    users = UserFactory.create_batch(3)
    for i in range(3):
        EngagementFactory(plan=plan, owner=users[i])
    few = _engagement_queries(client, plan)
    for i in range(27):
        EngagementFactory(plan=plan, owner=users[i % 3], desired_attitude=2)
    assert _engagement_queries(client, plan) == few


def test_last_contact_is_shown_as_a_short_date(client, owner, account):
    StakeholderFactory(account=account, last_contacted_on=dt.date(2026, 10, 1))
    client.force_login(owner)
    html = client.get(reverse("stakeholders:power_map", args=[account.pk])).content.decode()
    assert "2026/10/01" in html
