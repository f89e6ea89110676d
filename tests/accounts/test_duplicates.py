"""A second 東雲精機 is not created without seeing the first: possible duplicates by folded
name, website domain and corporate number (法人番号, with its check digit)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import duplicates, services
from accounts.models import Account
from kam.core.text import corporate_number_valid
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

# 国税庁's own number, and one with its check digit changed.
VALID, WRONG = "7000012050002", "1000012050002"


@pytest.mark.parametrize(
    ("number", "valid"),
    [(VALID, True), ("4010001008772", True), (WRONG, False), ("700001205000", False), ("", False)],
)
def test_the_corporate_number_check_digit(number, valid):
    assert corporate_number_valid(number) is valid


@pytest.fixture
def shinonome(owner):
    return AccountFactory(
        owner=owner,
        name="株式会社東雲精機",
        name_kana="シノノメセイキ",
        website="https://www.shinonome.example.jp/",
        corporate_number=VALID,
    )


@pytest.mark.parametrize(
    "typed",
    [
        {"name": "㈱東雲精機"},
        {"name": "東雲精機 株式会社"},
        {"name": "Shinonome", "website": "http://shinonome.example.jp/contact"},
        {"name": "全く別の名前", "corporate_number": VALID},
    ],
)
def test_possible_duplicates_are_found(shinonome, typed):
    assert list(duplicates.account_duplicates(**typed)) == [shinonome]


def test_a_different_company_is_not_a_duplicate(shinonome):
    assert not duplicates.account_duplicates(
        name="北辰機械", website="https://hokushin.example.jp", corporate_number="4010001008772"
    ).exists()


def test_the_service_refuses_until_confirmed(shinonome, owner):
    with pytest.raises(ValidationError) as refused:
        services.account_create(user=owner, owner=owner, name="東雲精機")
    assert "confirm_duplicates" in refused.value.message_dict
    account = services.account_create(
        user=owner, owner=owner, name="東雲精機", confirm_duplicates=True
    )
    assert Account.objects.filter(search_key__startswith="東雲精機").count() == 2
    assert account.pk != shinonome.pk


def test_the_page_shows_the_others_then_creates_when_confirmed(client, owner, shinonome):
    client.force_login(owner)
    data = {
        "name": "東雲精機株式会社",
        "industry": "manufacturing",
        "tier": "key",
        "status": "active",
        "owner": owner.pk,
        "revenue_currency": "JPY",
        **{f"score_{k}": 3 for k in ("revenue_size", "industry_position", "growth_rate")},
        "score_fit": 3,
        "score_relationship": 3,
    }
    page = client.post(reverse("accounts:create"), data)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="possible-duplicates"' in body
    assert reverse("accounts:detail", args=[shinonome.pk]) in body
    assert Account.objects.count() == 1
    done = client.post(reverse("accounts:create"), {**data, "confirm_duplicates": "on"})
    assert done.status_code == 302
    assert Account.objects.count() == 2


def test_a_rep_is_told_of_an_account_they_cannot_see_without_its_name(client, outsider, shinonome):
    client.force_login(outsider)
    page = client.post(
        reverse("accounts:create"),
        {
            "name": "東雲精機",
            "industry": "manufacturing",
            "tier": "key",
            "status": "active",
            "owner": outsider.pk,
            "revenue_currency": "JPY",
            "score_revenue_size": 3,
            "score_industry_position": 3,
            "score_growth_rate": 3,
            "score_fit": 3,
            "score_relationship": 3,
        },
    )
    body = page.content.decode()
    assert 'data-testid="possible-duplicates"' in body
    assert reverse("accounts:detail", args=[shinonome.pk]) not in body
    assert "閲覧できないアカウントが他に1件" in body


def test_a_wrong_corporate_number_is_refused_beside_the_field(owner):
    with pytest.raises(ValidationError) as refused:
        services.account_create(user=owner, owner=owner, name="北辰機械", corporate_number=WRONG)
    assert "corporate_number" in refused.value.message_dict


def test_an_import_names_a_possible_duplicate_per_row_unless_told_otherwise(shinonome):
    from tablib import Dataset

    from accounts.resources import AccountResource

    header = "name,name_kana,industry,tier,status,owner\n"
    row = "㈱東雲精機,シノノメセイキ,manufacturing,key,active,owner\n"
    refused = AccountResource().import_data(
        Dataset().load(header + row, format="csv"), dry_run=False, raise_errors=False
    )
    assert refused.has_validation_errors()
    (invalid,) = refused.invalid_rows
    assert "株式会社東雲精機" in str(invalid.error_dict["name"])
    assert Account.objects.count() == 1
    accepted = AccountResource().import_data(
        Dataset().load(header.strip() + ",duplicate_ok\n" + row.strip() + ",1\n", format="csv"),
        dry_run=False,
        raise_errors=False,
    )
    assert not accepted.has_validation_errors() and not accepted.has_errors()
    assert Account.objects.count() == 2


def test_admin_add_names_possible_duplicates_then_adds_when_ticked(client, admin_user, shinonome):
    client.force_login(admin_user)
    data = {
        "name": "東雲精機",
        "name_kana": "",
        "tier": "key",
        "status": "active",
        "owner": shinonome.owner_id,
        "industry": "manufacturing",
        "revenue_currency": "JPY",
        "score_revenue_size": 3,
        "score_industry_position": 3,
        "score_growth_rate": 3,
        "score_fit": 3,
        "score_relationship": 3,
        "team_members-TOTAL_FORMS": 0,
        "team_members-INITIAL_FORMS": 0,
        "stakeholders-TOTAL_FORMS": 0,
        "stakeholders-INITIAL_FORMS": 0,
        "contracts-TOTAL_FORMS": 0,
        "contracts-INITIAL_FORMS": 0,
        "contract_values-TOTAL_FORMS": 0,
        "contract_values-INITIAL_FORMS": 0,
    }
    page = client.post(reverse("admin:accounts_account_add"), data)
    assert page.status_code == 200
    assert "株式会社東雲精機" in page.content.decode()
    assert Account.objects.count() == 1
    done = client.post(reverse("admin:accounts_account_add"), {**data, "confirm_duplicates": "on"})
    assert done.status_code == 302, done.content.decode()[:3000]
    assert Account.objects.count() == 2
