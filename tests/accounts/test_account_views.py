"""The accounts list, account creation and the account page with its sections."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account, AccountTeamMember, Contract, Meeting, Opportunity
from kam.core.models import Role
from tests.factories import (
    AccountFactory,
    ContractFactory,
    MeetingFactory,
    OpportunityFactory,
    PlanFactory,
    StakeholderFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def fixed_today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC), tick=False):
        yield


def login(client, user):
    # English pages, so that the assertions read the English source strings.
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


def account_data(owner, **changes):
    data = {
        "name": "株式会社ニュー",
        "name_kana": "ニュー",
        "industry": "manufacturing",
        "website": "https://new.example.co.jp",
        "headquarters": "東京都港区",
        "annual_revenue": "50000000000",
        "revenue_currency": "jpy",
        "employees": "1200",
        "tier": "strategic",
        "status": "active",
        "owner": owner.pk,
        "score_revenue_size": "5",
        "score_industry_position": "4",
        "score_growth_rate": "4",
        "score_fit": "3",
        "score_relationship": "2",
        "description": "",
    }
    data.update(changes)
    return data


def _queries(client, url, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# Access to every page and section: the personas


def section_urls(account):
    return [
        reverse("accounts:detail", args=[account.pk]),
        reverse("accounts:summary", args=[account.pk]),
        reverse("accounts:edit", args=[account.pk]),
        reverse("accounts:health", args=[account.pk]),
        reverse("accounts:team", args=[account.pk]),
        reverse("accounts:contracts", args=[account.pk]),
        reverse("accounts:contract_add", args=[account.pk]),
        reverse("accounts:opportunities", args=[account.pk]),
        reverse("accounts:opportunity_add", args=[account.pk]),
        reverse("accounts:plans", args=[account.pk]),
        reverse("accounts:meetings", args=[account.pk]),
        reverse("accounts:meeting_add", args=[account.pk]),
    ]


def test_anonymous_is_sent_to_login(client, account):
    opportunity = OpportunityFactory(account=account)
    urls = [
        reverse("accounts:list"),
        reverse("accounts:create"),
        reverse("accounts:opportunity_row", args=[opportunity.pk]),
        *section_urls(account),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("persona", ["owner", "member", "manager", "admin_user"])
def test_people_with_access_get_every_section_as_page_and_fragment(
    client, request, persona, account
):
    opportunity = OpportunityFactory(account=account)
    login(client, request.getfixturevalue(persona))
    urls = [*section_urls(account), reverse("accounts:opportunity_row", args=[opportunity.pk])]
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, url
        assert b"<html" in page.content, url
        fragment = client.get(url, **HTMX)
        assert fragment.status_code == 200, url
        assert b"<html" not in fragment.content, url


def test_outsider_gets_404_on_every_section_and_write(client, outsider, account):
    opportunity = OpportunityFactory(account=account)
    team_member = AccountTeamMember.objects.get(account=account)
    login(client, outsider)
    for url in [*section_urls(account), reverse("accounts:opportunity_row", args=[opportunity.pk])]:
        assert client.get(url).status_code == 404, url
        assert client.get(url, **HTMX).status_code == 404, url
    posts = [
        (reverse("accounts:edit", args=[account.pk]), account_data(outsider, name="Stolen")),
        (reverse("accounts:team_add", args=[account.pk]), {"user": outsider.pk, "role": "sales"}),
        (reverse("accounts:team_remove", args=[account.pk, team_member.user_id]), {}),
        (
            reverse("accounts:contract_add", args=[account.pk]),
            {"number": "X-1", "title": "x", "start_date": "2026-01-01", "end_date": "2027-01-01"},
        ),
        (reverse("accounts:opportunity_stage", args=[opportunity.pk]), {"stage": "won"}),
        (reverse("accounts:meeting_add", args=[account.pk]), {"subject": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    account.refresh_from_db()
    opportunity.refresh_from_db()
    assert account.name == "株式会社サンプル"
    assert opportunity.stage == "lead"
    assert AccountTeamMember.objects.filter(pk=team_member.pk).exists()
    assert not Contract.objects.exists()
    assert not Meeting.objects.exists()


# The accounts list


def test_rep_sees_only_visible_accounts_and_manager_all(client, owner, member, manager, account):
    other = AccountFactory(name="株式会社ほか", name_kana="ホカ")
    login(client, member)
    response = client.get(reverse("accounts:list"))
    assert "株式会社サンプル" in response.text
    assert "株式会社ほか" not in response.text
    login(client, manager)
    response = client.get(reverse("accounts:list"))
    assert "株式会社サンプル" in response.text
    assert other.name in response.text


def test_list_links_to_create_and_shows_derived_columns(client, owner, account):
    account.score_revenue_size = 5
    account.save()
    ContractFactory(account=account, end_date=dt.date(2027, 1, 31), notice_period_days=30)
    ContractFactory(account=account, end_date=dt.date(2027, 6, 30), notice_period_days=30)
    ContractFactory(
        account=account, end_date=dt.date(2026, 12, 1), notice_period_days=30, status="expired"
    )
    plan = PlanFactory(account=account, title="FY2026 Sample plan")
    login(client, owner)
    response = client.get(reverse("accounts:list"))
    assert reverse("accounts:create") in response.text
    row = response.context["page"].object_list[0]
    # The expired contract does not count: the earliest open deadline is 2027-01-01.
    assert row.next_renewal_deadline == dt.date(2027, 1, 1)
    assert row.active_plan_id == plan.pk
    assert "FY2026 Sample plan" in response.text
    assert reverse("plans:detail", args=[plan.pk]) in response.text
    assert str(Account.objects.get(pk=account.pk).priority_score) in response.text
    # Scores 5+3+3 and 3+3: attractive and well placed.
    assert 'quadrant-invest">Invest<' in response.text


def test_list_search_finds_by_kana_and_by_name(client, manager):
    AccountFactory(name="トヨタ自動車株式会社", name_kana="トヨタジドウシャ")
    AccountFactory(name="本田技研工業", name_kana="ホンダギケン")
    login(client, manager)
    by_kana = client.get(reverse("accounts:list"), {"q": "ジドウシャ"})
    names = [a.name for a in by_kana.context["page"].object_list]
    assert names == ["トヨタ自動車株式会社"]
    by_name = client.get(reverse("accounts:list"), {"q": "本田"})
    assert [a.name for a in by_name.context["page"].object_list] == ["本田技研工業"]


def test_list_filters_by_tier_status_owner_and_industry(client, manager, owner):
    match = AccountFactory(
        name="Match", tier="strategic", status="at_risk", owner=owner, industry="finance"
    )
    AccountFactory(name="Wrong tier", tier="key", status="at_risk", owner=owner, industry="finance")
    AccountFactory(
        name="Wrong status", tier="strategic", status="active", owner=owner, industry="finance"
    )
    AccountFactory(name="Wrong owner", tier="strategic", status="at_risk", industry="finance")
    AccountFactory(
        name="Wrong industry", tier="strategic", status="at_risk", owner=owner, industry="it"
    )
    login(client, manager)
    response = client.get(
        reverse("accounts:list"),
        {"tier": "strategic", "status": "at_risk", "owner": owner.pk, "industry": "finance"},
    )
    assert [a.pk for a in response.context["page"].object_list] == [match.pk]
    owners = response.context["owners"]
    assert owner in owners


def test_list_sorts_by_each_column(client, manager):
    low = AccountFactory(name="Low", name_kana="ア", score_revenue_size=1, tier="maintain")
    high = AccountFactory(name="High", name_kana="イ", score_revenue_size=5, tier="strategic")
    login(client, manager)

    def order(sort):
        response = client.get(reverse("accounts:list"), {"sort": sort})
        return [a.pk for a in response.context["page"].object_list]

    assert order("name") == [low.pk, high.pk]
    assert order("-name") == [high.pk, low.pk]
    assert order("-priority_score") == [high.pk, low.pk]
    assert order("priority_score") == [low.pk, high.pk]
    # Tiers in their own order: strategic first, maintain last.
    assert order("tier") == [high.pk, low.pk]
    Account.objects.filter(pk=low.pk).update(updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert order("-updated_at") == [high.pk, low.pk]
    assert order("nonsense") == [low.pk, high.pk]


def test_list_sort_links_keep_the_filters(client, manager):
    AccountFactory(tier="key")
    login(client, manager)
    response = client.get(reverse("accounts:list"), {"tier": "key", "page": "1"})
    link = response.context["sort_links"]["priority_score"]["url"]
    assert "tier=key" in link
    assert "sort=-priority_score" in link
    assert "page=" not in link


def test_list_paginates_25_per_page(client, manager):
    for i in range(27):
        AccountFactory(name=f"Account {i:02d}", name_kana=f"ア{i:02d}")
    login(client, manager)
    first = client.get(reverse("accounts:list"))
    assert len(first.context["page"].object_list) == 25
    assert "27 accounts" in first.text
    second = client.get(reverse("accounts:list"), {"page": 2})
    assert [a.name for a in second.context["page"].object_list] == ["Account 25", "Account 26"]


def test_htmx_list_request_gets_only_the_table(client, manager, account):
    login(client, manager)
    response = client.get(reverse("accounts:list"), {"q": "サンプル"}, **HTMX)
    assert "<html" not in response.text
    assert 'id="accounts-table"' in response.text
    assert 'id="account-filters"' not in response.text
    assert "株式会社サンプル" in response.text
    page = client.get(reverse("accounts:list"))
    assert 'id="account-filters"' in page.text
    assert 'hx-push-url="true"' in page.text


def test_list_queries_do_not_grow_with_rows(client, manager, owner):
    def grow(n):
        for _ in range(n):
            account = AccountFactory(owner=owner)
            ContractFactory(account=account)
            PlanFactory(account=account)

    login(client, manager)
    grow(2)
    few = _queries(client, reverse("accounts:list"))
    grow(18)
    many = _queries(client, reverse("accounts:list"))
    assert few == many
    login(client, owner)
    assert _queries(client, reverse("accounts:list")) == few


# Creating an account


def test_rep_creates_an_account_they_own(client, owner):
    login(client, owner)
    response = client.post(reverse("accounts:create"), account_data(owner))
    account = Account.objects.get(name="株式会社ニュー")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:detail", args=[account.pk])
    assert account.owner == owner
    assert account.revenue_currency == "JPY"
    assert account.priority_score == (5 + 4 + 4 + 3 + 2 - 5) * 5
    page = client.get(response["Location"])
    assert "Account “株式会社ニュー” created." in page.text


def test_rep_cannot_pick_another_owner(client, owner, outsider):
    login(client, owner)
    form = client.get(reverse("accounts:create")).context["form"]
    assert list(form.fields["owner"].queryset) == [owner]
    response = client.post(reverse("accounts:create"), account_data(outsider))
    assert response.status_code == 200
    assert "Only a manager can make someone else the owner of an account." in response.text
    assert not Account.objects.exists()


def test_manager_may_pick_any_active_owner(client, manager, owner):
    inactive = UserFactory(username="gone", is_active=False)
    login(client, manager)
    form = client.get(reverse("accounts:create")).context["form"]
    assert owner in form.fields["owner"].queryset
    assert inactive not in form.fields["owner"].queryset
    client.post(reverse("accounts:create"), account_data(owner))
    assert Account.objects.get(name="株式会社ニュー").owner == owner


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the company name."),
        ({"score_fit": "6"}, "score_fit", "Choose a score from 1 to 5."),
        ({"revenue_currency": "Y1"}, "revenue_currency", "Enter a three-letter ISO 4217 code."),
        ({"website": "not a url"}, "website", "Enter a full web address"),
    ],
)
def test_create_with_bad_input_shows_the_error_beside_the_field(
    client, owner, changes, field, message
):
    login(client, owner)
    response = client.post(reverse("accounts:create"), account_data(owner, **changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field])
    assert message in response.text
    # The user's input is kept.
    assert "東京都港区" in response.text
    assert not Account.objects.exists()


# The account page


def test_account_page_shows_every_section(client, owner, account):
    ContractFactory(account=account, number="C-77", title="Maintenance")
    OpportunityFactory(account=account, title="Extra licences")
    MeetingFactory(account=account, subject="Kick-off")
    PlanFactory(account=account, title="FY2026 plan")
    login(client, owner)
    response = client.get(reverse("accounts:detail", args=[account.pk]))
    text = response.text
    for piece in [
        "株式会社サンプル",
        "サンプル",
        'id="overview"',
        'id="scoring"',
        'id="health"',
        'id="team"',
        'id="contracts"',
        "C-77",
        'id="opportunities"',
        "Extra licences",
        'id="plans"',
        "FY2026 plan",
        'id="meetings"',
        "Kick-off",
        f"{reverse('plans:create')}?account={account.pk}",
        f'hx-get="{reverse("stakeholders:power_map", args=[account.pk])}"',
        'hx-trigger="load"',
        'quadrant-invest">Invest<',
    ]:
        assert piece in text, piece
    assert response.context["active_nav"] == "accounts"


def test_account_page_queries_do_not_grow_with_rows(client, owner, account):
    plan = PlanFactory(account=account)

    def grow(n, start):
        for i in range(start, start + n):
            ContractFactory(account=account, number=f"Q-{i}")
            OpportunityFactory(account=account)
            TeamMemberFactory(account=account)
            person = StakeholderFactory(account=account)
            meeting = MeetingFactory(account=account, subject=f"Meeting {i}")
            meeting.stakeholders.add(person)
            meeting.attendees.add(owner)
            PlanFactory(account=account, status="draft", title=f"Draft {i}")
        return plan

    login(client, owner)
    grow(2, 0)
    url = reverse("accounts:detail", args=[account.pk])
    few = _queries(client, url)
    grow(18, 2)
    many = _queries(client, url)
    assert few == many


# Editing in place


def test_edit_swaps_the_form_in_and_saves_back_to_the_facts(client, member, account):
    login(client, member)
    url = reverse("accounts:edit", args=[account.pk])
    form = client.get(url, **HTMX)
    assert 'hx-post="' + url + '"' in form.text
    assert "<html" not in form.text
    response = client.post(
        url,
        account_data(account.owner, name="株式会社サンプル改", score_fit="5", tier="key"),
        **HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="summary"' in response.text
    assert "株式会社サンプル改" in response.text
    # The header changes with the name and the tier, out of band.
    assert 'id="account-header"' in response.text
    assert 'hx-swap-oob="true"' in response.text
    account.refresh_from_db()
    assert account.name == "株式会社サンプル改"
    assert account.score_fit == 5


def test_edit_with_bad_input_keeps_the_input_and_saves_nothing(client, owner, account):
    login(client, owner)
    url = reverse("accounts:edit", args=[account.pk])
    response = client.post(
        url, account_data(owner, name="", headquarters="大阪市北区", score_growth_rate="6"), **HTMX
    )
    assert response.status_code == 200
    assert "Enter the company name." in response.text
    assert "Choose a score from 1 to 5." in response.text
    assert "大阪市北区" in response.text
    assert 'hx-post="' + url + '"' in response.text
    account.refresh_from_db()
    assert account.name == "株式会社サンプル"
    assert account.headquarters == ""


def test_plain_edit_post_redirects_to_the_page(client, owner, account):
    login(client, owner)
    url = reverse("accounts:edit", args=[account.pk])
    response = client.post(url, account_data(owner, name="株式会社サンプル"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:detail", args=[account.pk]))


def test_rep_cannot_hand_the_account_over(client, member, owner, outsider, account):
    login(client, member)
    url = reverse("accounts:edit", args=[account.pk])
    assert list(client.get(url).context["form"].fields["owner"].queryset) == [owner]
    response = client.post(url, account_data(outsider), **HTMX)
    assert "Only a manager can make someone else the owner of an account." in response.text
    account.refresh_from_db()
    assert account.owner == owner


def test_manager_hands_the_account_over(client, manager, outsider, account):
    login(client, manager)
    client.post(reverse("accounts:edit", args=[account.pk]), account_data(outsider), **HTMX)
    account.refresh_from_db()
    assert account.owner == outsider


# Health


def test_health_section_shows_the_parts(client, owner, account):
    ContractFactory(account=account, end_date=dt.date(2026, 12, 1), notice_period_days=60)
    StakeholderFactory(account=account, buying_role="decision_maker", attitude=2)
    login(client, owner)
    response = client.get(reverse("accounts:health", args=[account.pk]), **HTMX)
    text = response.text
    assert "KPI attainment" in text
    assert "No measured KPI on a live plan: counted as 50%." in text
    assert "1 open contract passed its renewal deadline without a decision." in text
    assert "Average attitude +2.0 (-2 to +2) of 1 decision maker." in text
    # 40% x 0.5 + 20% x 1 + 20% x 0 + 20% x 1
    assert "60 / 100" in text


# The account team


def test_add_and_remove_a_team_member_in_place(client, owner, account):
    colleague = UserFactory(username="colleague", last_name="伊藤")
    login(client, owner)
    response = client.post(
        reverse("accounts:team_add", args=[account.pk]),
        {"user": colleague.pk, "role": "executive_sponsor"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="team"' in response.text
    assert "伊藤" in response.text
    membership = AccountTeamMember.objects.get(account=account, user=colleague)
    assert membership.role == "executive_sponsor"
    assert "hx-confirm=" in response.text

    remove = reverse("accounts:team_remove", args=[account.pk, membership.user_id])
    response = client.post(remove, **HTMX)
    assert response.status_code == 200
    assert not AccountTeamMember.objects.filter(pk=membership.pk).exists()
    assert "left the account team" in response.text

    # A colleague removed them a moment before: nothing changes, and the page says so.
    response = client.post(remove, **HTMX)
    assert response.status_code == 200
    assert "was no longer on the account team" in response.text


def test_team_add_refuses_someone_already_on_the_team(client, owner, member, account):
    login(client, owner)
    response = client.post(
        reverse("accounts:team_add", args=[account.pk]),
        {"user": member.pk, "role": "sales"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Choose a colleague who is not on the team yet." in response.text
    assert AccountTeamMember.objects.get(account=account, user=member).role == "customer_success"


def test_team_add_without_a_role_shows_the_error(client, owner, account):
    colleague = UserFactory(username="colleague")
    login(client, owner)
    response = client.post(
        reverse("accounts:team_add", args=[account.pk]), {"user": colleague.pk}, **HTMX
    )
    assert "Choose a role." in response.text
    assert not AccountTeamMember.objects.filter(user=colleague).exists()


# Contracts


def contract_data(**changes):
    data = {
        "number": "C-2026-001",
        "title": "Support contract",
        "start_date": "2026-04-01",
        "end_date": "2027-03-31",
        "annual_value": "12000000",
        "currency": "JPY",
        "notice_period_days": "90",
        "status": "active",
        "next_price_review_date": "",
        "sla_terms": "",
    }
    data.update(changes)
    return data


def test_add_contract_in_place(client, member, account):
    login(client, member)
    url = reverse("accounts:contract_add", args=[account.pk])
    form = client.get(url, **HTMX)
    assert 'id="contract-form"' in form.text
    response = client.post(url, contract_data(), **HTMX)
    contract = Contract.objects.get(number="C-2026-001")
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#contracts"
    assert f'id="contract-{contract.pk}"' in response.text
    assert "Contract C-2026-001 added." in response.text
    assert contract.renewal_deadline == dt.date(2026, 12, 31)


def test_contract_ending_before_start_is_refused_beside_the_end_date(client, owner, account):
    existing = ContractFactory(account=account, number="C-OLD")
    login(client, owner)
    response = client.post(
        reverse("accounts:contract_add", args=[account.pk]),
        contract_data(end_date="2026-03-01", title="Keep my title"),
        **HTMX,
    )
    assert response.status_code == 200
    assert "HX-Retarget" not in response
    assert "The end date must be after the start date." in response.text
    assert response.context["form"].errors["end_date"]
    assert "Keep my title" in response.text
    assert list(Contract.objects.all()) == [existing]


def test_contract_with_a_number_already_used_is_refused(client, owner, account):
    ContractFactory(account=AccountFactory(), number="C-2026-001")
    login(client, owner)
    response = client.post(
        reverse("accounts:contract_add", args=[account.pk]), contract_data(), **HTMX
    )
    assert "A contract with this number already exists." in response.text
    assert not Contract.objects.filter(account=account).exists()


def test_contract_deadline_is_red_when_passed_or_within_30_days(client, owner, account):
    passed = ContractFactory(account=account, end_date=dt.date(2026, 12, 1), notice_period_days=30)
    soon = ContractFactory(account=account, end_date=dt.date(2027, 1, 10), notice_period_days=30)
    later = ContractFactory(account=account, end_date=dt.date(2027, 9, 30), notice_period_days=30)
    login(client, owner)
    page = client.get(reverse("accounts:contracts", args=[account.pk]))
    rows = {c.pk: c for c in page.context["contracts"]}
    assert rows[passed.pk].deadline_passed and rows[passed.pk].deadline_warning
    assert rows[soon.pk].deadline_warning and not rows[soon.pk].deadline_passed
    assert not rows[later.pk].deadline_warning
    fragment = client.get(reverse("accounts:contracts", args=[account.pk]), **HTMX)
    assert fragment.text.count('class="overdue"') == 2


def test_plain_contract_post_redirects_with_a_message(client, owner, account):
    login(client, owner)
    response = client.post(reverse("accounts:contract_add", args=[account.pk]), contract_data())
    contract = Contract.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#contract-{contract.pk}")


def test_plain_contract_post_with_errors_renders_a_full_page(client, owner, account):
    login(client, owner)
    response = client.post(
        reverse("accounts:contract_add", args=[account.pk]), contract_data(number="")
    )
    assert response.status_code == 200
    assert "<html" in response.text
    assert "Enter the contract number." in response.text


# Opportunities


def test_add_opportunity_in_place(client, owner, member, account):
    login(client, member)
    url = reverse("accounts:opportunity_add", args=[account.pk])
    form = client.get(url, **HTMX).context["form"]
    assert set(form.fields["owner"].queryset) == {owner, member}
    assert form.initial["owner"] == member.pk
    response = client.post(
        url,
        {
            "title": "Cross-sell analytics",
            "kind": "cross_sell",
            "stage": "qualified",
            "amount": "5000000",
            "currency": "JPY",
            "expected_close_date": "2027-02-28",
            "owner": member.pk,
            "notes": "",
        },
        **HTMX,
    )
    assert response["HX-Retarget"] == "#opportunities"
    opportunity = Opportunity.objects.get(title="Cross-sell analytics")
    assert opportunity.owner == member
    assert f'id="opportunity-{opportunity.pk}"' in response.text


def test_opportunity_with_bad_input_shows_errors(client, owner, account):
    login(client, owner)
    response = client.post(
        reverse("accounts:opportunity_add", args=[account.pk]),
        {"title": "", "kind": "upsell", "stage": "lead", "amount": "-1", "owner": owner.pk},
        **HTMX,
    )
    assert "Name the product or service." in response.text
    assert "Enter the expected close date." in response.text
    assert response.context["form"].errors["amount"]
    assert not Opportunity.objects.exists()


def test_change_opportunity_stage_in_place(client, member, account):
    opportunity = OpportunityFactory(account=account)
    login(client, member)
    response = client.post(
        reverse("accounts:opportunity_stage", args=[opportunity.pk]), {"stage": "won"}, **HTMX
    )
    assert response.status_code == 200
    assert response.text.strip().startswith(f'<tr id="opportunity-{opportunity.pk}"')
    opportunity.refresh_from_db()
    assert opportunity.stage == "won"


def test_unknown_opportunity_stage_changes_nothing(client, owner, account):
    opportunity = OpportunityFactory(account=account)
    login(client, owner)
    response = client.post(
        reverse("accounts:opportunity_stage", args=[opportunity.pk]), {"stage": "dreaming"}, **HTMX
    )
    assert "Choose one of the stages in the list." in response.text
    opportunity.refresh_from_db()
    assert opportunity.stage == "lead"


# Meetings


def test_record_a_meeting_in_place(client, owner, member, account):
    earlier = MeetingFactory(account=account, subject="Earlier meeting")
    cfo = StakeholderFactory(
        account=account, name="CFO 山本", last_contacted_on=dt.date(2026, 1, 5)
    )
    elsewhere = StakeholderFactory(name="Someone else")
    login(client, owner)
    url = reverse("accounts:meeting_add", args=[account.pk])
    form = client.get(url, **HTMX).context["form"]
    assert list(form.fields["stakeholders"].queryset) == [cfo]
    assert elsewhere not in form.fields["stakeholders"].queryset
    assert form.initial["held_at"].date() == TODAY
    response = client.post(
        url,
        {
            "held_at": "2026-11-19T15:30",
            "kind": "visit",
            "subject": "Budget hearing",
            "stakeholders": [cfo.pk],
            "attendees": [owner.pk, member.pk],
            "notes": "They plan a new site.",
            "next_steps": "Send a proposal.",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#meetings"
    meeting = Meeting.objects.get(subject="Budget hearing")
    text = response.text
    assert text.index(f'id="meeting-{meeting.pk}"') < text.index(f'id="meeting-{earlier.pk}"')
    assert "Send a proposal." in text
    assert meeting.recorded_by == owner
    assert set(meeting.attendees.all()) == {owner, member}
    cfo.refresh_from_db()
    assert cfo.last_contacted_on == dt.date(2026, 11, 19)


def test_meeting_without_subject_is_refused(client, owner, account):
    login(client, owner)
    response = client.post(
        reverse("accounts:meeting_add", args=[account.pk]),
        {"held_at": "2026-11-19T15:30", "kind": "call", "subject": "", "notes": "Keep these notes"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Enter a subject." in response.text
    assert "Keep these notes" in response.text
    assert not Meeting.objects.exists()


def test_meeting_with_another_customers_stakeholder_is_refused(client, owner, account):
    elsewhere = StakeholderFactory(name="Someone else")
    login(client, owner)
    response = client.post(
        reverse("accounts:meeting_add", args=[account.pk]),
        {
            "held_at": "2026-11-19T15:30",
            "kind": "call",
            "subject": "Call",
            "stakeholders": [elsewhere.pk],
        },
        **HTMX,
    )
    assert "Choose people who work at this customer." in response.text
    assert not Meeting.objects.exists()


def test_meeting_log_pages_back_in_time(client, owner, account):
    for i in range(12):
        MeetingFactory(
            account=account,
            subject=f"M{i:02d}",
            held_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i),
        )
    login(client, owner)
    url = reverse("accounts:meetings", args=[account.pk])
    first = client.get(url, **HTMX)
    assert "M11" in first.text and "M02" in first.text and "M01" not in first.text
    older = client.get(url, {"meetings_page": 2}, **HTMX)
    assert "M01" in older.text and "M00" in older.text and "M11" not in older.text


def test_managers_see_the_page_of_any_account(client, manager):
    account = AccountFactory(owner=UserFactory(role=Role.REP))
    login(client, manager)
    assert client.get(reverse("accounts:detail", args=[account.pk])).status_code == 200


def test_money_is_shown_with_its_currency(client, owner, account):
    ContractFactory(account=account, annual_value=Decimal("1234567"), currency="USD")
    login(client, owner)
    response = client.get(reverse("accounts:contracts", args=[account.pk]), **HTMX)
    assert "$1,234,567.00" in response.text
