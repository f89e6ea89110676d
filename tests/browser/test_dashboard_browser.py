import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import AccountFactory, ContractFactory, PlanFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_dashboard_draws_charts_and_a_bar_opens_its_records(page, login, manager):
    today = dt.date.today()
    for tier, value in (("strategic", 9_000_000), ("key", 4_000_000)):
        account = AccountFactory(tier=tier, name=f"{tier}商事")
        PlanFactory(account=account, next_review_date=today + dt.timedelta(days=5))
        ContractFactory(
            account=account,
            annual_value=Decimal(value),
            start_date=today - dt.timedelta(days=100),
            end_date=today + dt.timedelta(days=200),
        )
    login(manager)
    page.goto("/dashboard/")
    assert page.locator("svg.chart").count() >= 6
    assert page.locator("[data-testid=matrix-point]").count() == 1
    # The first bar of "contract value by tier" is the strategic tier.
    page.locator("#chart-tier svg a").first.click()
    page.wait_for_url("**/dashboard/records/contracts/**")
    rows = page.locator("[data-testid=record-row]")
    assert rows.count() == 1
    assert "strategic商事" in rows.first.inner_text()


def test_dashboard_filter_swaps_in_place_and_pushes_the_url(page, login, manager):
    AccountFactory(tier="strategic", name="戦略商事")
    AccountFactory(tier="growth", name="成長商事")
    login(manager)
    page.goto("/dashboard/")
    assert page.locator("[data-testid=tile-key-accounts] .value").inner_text() == "2"
    page.select_option("#d-tier", "growth")
    page.wait_for_url("**tier=growth**")
    page.wait_for_function(
        "document.querySelector('[data-testid=tile-key-accounts] .value').innerText === '1'"
    )
