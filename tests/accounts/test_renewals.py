import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Contract
from tests.factories import AccountFactory, ContractFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(owner, member, outsider, manager):
    """The assertions read the English messages: the personas work in English."""
    from kam.core.models import User

    User.objects.filter(pk__in=[owner.pk, member.pk, outsider.pk, manager.pk]).update(language="en")


@pytest.fixture
def today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC), tick=False)
    return dt.date(2026, 11, 21)


@pytest.fixture
def contract(account, today):
    return ContractFactory(
        account=account,
        number="C-100",
        title="基幹システム保守",
        start_date=dt.date(2026, 1, 1),
        end_date=today + dt.timedelta(days=50),
        notice_period_days=30,
        annual_value=Decimal("24000000"),
        last_price_review_date=dt.date(2025, 6, 1),
    )


def _url(name, contract):
    return reverse(f"renewals:{name}", args=[contract.pk])


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("renewals:pipeline"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["owner", "member", "manager"])
def test_pipeline_shows_contract_to_who_may_see_it(client, request, persona, contract):
    client.force_login(request.getfixturevalue(persona))
    body = client.get(reverse("renewals:pipeline")).content.decode()
    assert "基幹システム保守" in body


def test_outsider_does_not_see_the_contract(client, outsider, contract):
    client.force_login(outsider)
    body = client.get(reverse("renewals:pipeline")).content.decode()
    assert "基幹システム保守" not in body


@pytest.mark.parametrize("name", ["row", "renew", "close"])
def test_outsider_gets_404_on_contract_views(client, outsider, contract, name):
    client.force_login(outsider)
    assert client.get(_url(name, contract)).status_code == 404


@pytest.mark.parametrize("name", ["start", "renew", "close"])
def test_outsider_posting_gets_404_and_nothing_changes(client, outsider, contract, name):
    client.force_login(outsider)
    data = {"outcome": "cancelled", "reason": "x", "number": "N-1"}
    assert client.post(_url(name, contract), data).status_code == 404
    contract.refresh_from_db()
    assert contract.status == "active"


def test_buckets_count_and_sum_by_deadline(client, manager, today):
    account = AccountFactory()
    for days, value in [(-5, 1), (10, 2), (30, 4), (45, 8), (75, 16), (200, 32)]:
        ContractFactory(
            account=account,
            start_date=dt.date(2025, 1, 1),
            end_date=today + dt.timedelta(days=days + 30),
            notice_period_days=30,
            annual_value=Decimal(value),
        )
    client.force_login(manager)
    response = client.get(reverse("renewals:pipeline"))
    buckets = {b.key: (b.count, b.value) for b in response.context["buckets"]}
    assert buckets == {
        "overdue": (1, 1),
        "30": (2, 6),
        "60": (1, 8),
        "90": (1, 16),
        "later": (1, 32),
    }


def test_bucket_filter_and_htmx_fragment(client, manager, contract, today):
    ContractFactory(
        account=contract.account,
        title="遠い契約",
        end_date=today + dt.timedelta(days=400),
        start_date=today,
    )
    client.force_login(manager)
    response = client.get(reverse("renewals:pipeline") + "?bucket=30", **HX)
    body = response.content.decode()
    assert "<html" not in body
    assert "基幹システム保守" in body
    assert "遠い契約" not in body


def test_price_review_flag(client, owner, contract):
    client.force_login(owner)
    body = client.get(reverse("renewals:pipeline")).content.decode()
    assert 'data-testid="price-review-flag"' in body
    Contract.objects.filter(pk=contract.pk).update(last_price_review_date=dt.date(2026, 10, 1))
    body = client.get(reverse("renewals:pipeline")).content.decode()
    assert 'data-testid="price-review-flag"' not in body


def test_chart_has_a_bar_per_month_linking_to_its_contracts(client, owner, contract):
    client.force_login(owner)
    body = client.get(reverse("renewals:pipeline")).content.decode()
    assert body.count('data-testid="bar"') == 12
    assert "?month=2026-12" in body


def test_start_renewal(client, owner, contract):
    client.force_login(owner)
    response = client.post(_url("start", contract), **HX)
    assert response.status_code == 200
    contract.refresh_from_db()
    assert contract.status == "in_renewal"
    assert "<html" not in response.content.decode()


def test_mark_renewed_creates_the_linked_successor(client, owner, contract):
    client.force_login(owner)
    form = client.get(_url("renew", contract), **HX).content.decode()
    assert "C-100-R" in form
    response = client.post(
        _url("renew", contract),
        {
            "number": "C-101",
            "start_date": "2027-02-10",
            "end_date": "2028-02-09",
            "annual_value": "26000000",
            "currency": "JPY",
            "notice_period_days": "60",
        },
        **HX,
    )
    assert response.status_code == 200
    contract.refresh_from_db()
    successor = Contract.objects.get(number="C-101")
    assert contract.status == "renewed"
    assert contract.successor == successor
    assert successor.account_id == contract.account_id
    assert successor.annual_value == Decimal("26000000")
    assert successor.status == "active"
    assert successor.title == contract.title


def test_renew_with_bad_dates_is_refused_and_nothing_changes(client, owner, contract):
    client.force_login(owner)
    response = client.post(
        _url("renew", contract),
        {
            "number": "C-102",
            "start_date": "2027-02-10",
            "end_date": "2027-01-01",
            "annual_value": "1",
            "currency": "JPY",
            "notice_period_days": "60",
        },
        **HX,
    )
    body = response.content.decode()
    assert "The end date must be after the start date." in body
    assert 'value="C-102"' in body
    contract.refresh_from_db()
    assert contract.status == "active"
    assert not Contract.objects.filter(number="C-102").exists()


def test_renew_with_taken_number_is_refused(client, owner, contract):
    client.force_login(owner)
    response = client.post(
        _url("renew", contract),
        {
            "number": "C-100",
            "start_date": "2027-02-10",
            "end_date": "2028-02-09",
            "annual_value": "1",
            "currency": "JPY",
            "notice_period_days": "60",
        },
        **HX,
    )
    assert "A contract with this number already exists." in response.content.decode()
    assert Contract.objects.count() == 1


def test_close_needs_a_reason(client, owner, contract):
    client.force_login(owner)
    response = client.post(_url("close", contract), {"outcome": "expired", "reason": ""}, **HX)
    assert "Say why, so the team can learn from it." in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == "active"


@pytest.mark.parametrize("outcome", ["expired", "cancelled"])
def test_close_records_outcome_and_reason(client, owner, contract, outcome):
    client.force_login(owner)
    client.post(_url("close", contract), {"outcome": outcome, "reason": "競合に切替"}, **HX)
    contract.refresh_from_db()
    assert contract.status == outcome
    assert contract.closed_reason == "競合に切替"


def test_a_decided_contract_cannot_be_decided_again(client, owner, contract):
    client.force_login(owner)
    client.post(_url("close", contract), {"outcome": "cancelled", "reason": "撤退"}, **HX)
    response = client.post(
        _url("renew", contract),
        {
            "number": "C-103",
            "start_date": "2027-02-10",
            "end_date": "2028-02-09",
            "annual_value": "1",
            "currency": "JPY",
            "notice_period_days": "60",
        },
        **HX,
    )
    assert "This contract has already been decided." in response.content.decode()
    assert not Contract.objects.filter(number="C-103").exists()


def test_pipeline_query_count_does_not_grow(client, manager, today):
    account = AccountFactory()

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("renewals:pipeline"))
        return len(ctx)

    client.force_login(manager)
    ContractFactory(account=account, end_date=today + dt.timedelta(days=40), start_date=today)
    few = count()
    for i in range(20):
        ContractFactory(
            account=AccountFactory(),
            end_date=today + dt.timedelta(days=40 + i),
            start_date=today,
        )
    assert count() == few


def test_summary_buckets_and_months_at_their_edges(manager, today):
    """Each boundary day lands in one bucket; far deadlines fold in without changing sums."""
    from accounts import renewals

    assert today == dt.date(2026, 11, 21)
    account = AccountFactory()
    value = 1
    cases = {}
    for days in (-400, -20, -1, 0, 30, 31, 60, 61, 90, 91, 300, 500):
        ContractFactory(
            account=account,
            start_date=dt.date(2020, 1, 1),
            end_date=today + dt.timedelta(days=days + 30),
            notice_period_days=30,
            annual_value=Decimal(value),
        )
        cases[days] = value
        value *= 2
    ContractFactory(  # another currency: counted, not valued
        account=account,
        start_date=dt.date(2020, 1, 1),
        end_date=today + dt.timedelta(days=40),
        notice_period_days=30,
        annual_value=Decimal(10_000),
        currency="USD",
    )
    ContractFactory(  # decided: not in the pipeline
        account=account,
        start_date=dt.date(2020, 1, 1),
        end_date=today + dt.timedelta(days=40),
        annual_value=Decimal(20_000),
        status="renewed",
    )
    buckets, months = renewals.pipeline_summary(renewals.pipeline_contracts(user=manager), today)
    got = {b.key: (b.count, b.value) for b in buckets}
    c = cases
    assert got == {
        "overdue": (3, Decimal(c[-400] + c[-20] + c[-1])),
        "30": (3, Decimal(c[0] + c[30])),  # 10 days: the USD contract, no value
        "60": (2, Decimal(c[31] + c[60])),
        "90": (2, Decimal(c[61] + c[90])),
        "later": (3, Decimal(c[91] + c[300] + c[500])),
    }
    by_month = dict(months)
    assert len(months) == 12 and months[0][0] == dt.date(2026, 11, 1)
    # November holds the deadlines from the 1st: 20 and 1 days ago, today.
    assert by_month[dt.date(2026, 11, 1)] == c[-20] + c[-1] + c[0]
    assert by_month[dt.date(2026, 12, 1)] == c[30] + c[31]  # the USD one has no value here
    assert by_month[dt.date(2027, 1, 1)] == c[60] + c[61]
    assert by_month[dt.date(2027, 2, 1)] == c[90] + c[91]
    assert by_month[dt.date(2027, 9, 1)] == c[300]
    assert sum(by_month.values()) == sum(c[d] for d in (-20, -1, 0, 30, 31, 60, 61, 90, 91, 300))


def test_a_short_month_window_does_not_pull_far_deadlines_into_a_bucket(manager, today):
    from accounts import renewals

    ContractFactory(
        account=AccountFactory(),
        start_date=dt.date(2026, 1, 1),
        end_date=today + dt.timedelta(days=100 + 30),
        notice_period_days=30,
    )
    buckets, months = renewals.pipeline_summary(
        renewals.pipeline_contracts(user=manager), today, months=3
    )
    assert {b.key: b.count for b in buckets}["later"] == 1
    assert {b.key: b.count for b in buckets}["90"] == 0
    assert len(months) == 3
