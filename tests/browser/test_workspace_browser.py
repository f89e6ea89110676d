"""A rep's working day in the browser: sign in, accounts, the plan, the power map, language.

Where a step is meant to happen in place (htmx), the test sets ``window.__marker`` before
the action and checks it afterwards: a full page load would have wiped it.
"""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Account
from plans.models import ActionItem, Goal
from plans.services import kpi_measurement_record
from tests.factories import (
    AccountFactory,
    ActionFactory,
    KPIFactory,
    PlanFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    # From the top: scrolled down, the sticky top bar lands in the middle of a full-page shot.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _set_marker(page) -> None:
    page.evaluate("window.__marker = 1")


def _assert_no_reload(page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def test_rep_logs_in_through_the_form_and_lands_on_my_day(page, owner):
    account = AccountFactory(owner=owner, name="東都物産株式会社")
    plan = PlanFactory(account=account)
    ActionFactory(
        plan=plan,
        title="役員面談の準備",
        # Due today: inside "overdue and due this week" whatever the weekday.
        due_date=timezone.localdate(),
    )

    page.goto("/")
    # Not signed in: the app sends the visitor to the login form.
    page.wait_for_url("**/login/**")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "pass-word-123")
    page.click("button[type=submit].primary")

    page.wait_for_url(lambda url: urlparse(url).path == "/")
    expect(page.locator("h1")).to_have_text("マイデイ")
    expect(page.locator("nav.mainnav a[aria-current=page]")).to_have_text("マイデイ")
    my_actions = page.locator("#my-actions")
    expect(my_actions).to_contain_text("役員面談の準備")
    expect(my_actions).to_contain_text("東都物産株式会社")


def test_rep_creates_an_account_and_lands_on_its_page(page, login, owner):
    login(owner)
    page.goto("/accounts/")
    page.click("[data-testid=new-account]")
    page.wait_for_url("**/accounts/new/")

    page.fill("#id_name", "株式会社みらい製作所")
    page.fill("#id_name_kana", "ミライセイサクショ")
    page.locator("[data-testid=account-create] button[type=submit]").click()

    page.wait_for_url(re.compile(r"/accounts/\d+/$"))
    account = Account.objects.get(name="株式会社みらい製作所")
    assert urlparse(page.url).path == f"/accounts/{account.pk}/"
    assert account.owner == owner
    header = page.locator("[data-testid=account-header]")
    expect(header.locator("h1")).to_contain_text("株式会社みらい製作所")
    expect(header).to_contain_text("ミライセイサクショ")
    expect(page.locator("#messages")).to_contain_text("株式会社みらい製作所")


def test_accounts_search_filters_in_place_pushes_the_url_and_back_restores(page, login, owner):
    AccountFactory(owner=owner, name="東都物産株式会社", name_kana="トウトブッサン")
    AccountFactory(owner=owner, name="北海商事株式会社", name_kana="ホッカイショウジ")
    AccountFactory(owner=owner, name="株式会社サンプル", name_kana="サンプル")
    # Someone else's account never shows up, whatever the search.
    AccountFactory(name="東都運輸株式会社", name_kana="トウトウンユ")

    login(owner)
    page.goto("/accounts/")
    rows = page.locator("[data-testid=account-row]")
    expect(rows).to_have_count(3)
    _screenshot(page, "accounts-list")
    _set_marker(page)

    # By reading (kana).
    page.fill("#f-q", "トウト")
    page.wait_for_url(lambda url: _query(url).get("q") == ["トウト"])
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("東都物産株式会社")
    expect(page.locator("[data-testid=account-count]")).to_contain_text("1")

    # By name.
    page.fill("#f-q", "北海")
    page.wait_for_url(lambda url: _query(url).get("q") == ["北海"])
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("北海商事株式会社")
    _assert_no_reload(page)

    page.go_back()
    page.wait_for_url(lambda url: _query(url).get("q") == ["トウト"])
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("東都物産株式会社")
    expect(page.locator("#f-q")).to_have_value("トウト")

    page.go_back()
    page.wait_for_url(lambda url: "q" not in _query(url) and url.endswith("/accounts/"))
    expect(rows).to_have_count(3)
    expect(page.locator("#f-q")).to_have_value("")


def test_goal_without_target_is_refused_in_place_then_saved(page, login, owner):
    account = AccountFactory(owner=owner, name="株式会社サンプル")
    plan = PlanFactory(account=account)
    statement = "来期の年間受注額を1.2億円に伸ばす"

    login(owner)
    page.goto(f"/plans/{plan.pk}/")
    _set_marker(page)
    page.click("[data-testid=add-goal]")
    form = page.locator("#goal-new-slot [data-testid=goal-form]")
    expect(form).to_be_visible()
    form.locator("#id_statement").fill(statement)
    form.locator("#id_metric").fill("年間受注額")
    form.locator("#id_unit").fill("円")
    form.locator("#id_baseline").fill("100000000")
    form.locator("#id_achievable_because").fill("既存部門での採用実績がある")
    form.locator("button[type=submit]").click()

    target_error = form.locator(".field:has(#id_target) .field-error")
    expect(target_error).to_have_text("SMART目標には測定可能な目標値が必要です。")
    expect(form.locator("#id_statement")).to_have_value(statement)
    assert not Goal.objects.filter(plan=plan).exists()
    _assert_no_reload(page)

    form.locator("#id_target").fill("120000000")
    form.locator("button[type=submit]").click()

    goal_rows = page.locator("#goals [data-testid=goal-row]")
    expect(goal_rows).to_have_count(1)
    expect(goal_rows.first).to_contain_text(statement)
    expect(page.locator("#goal-new-slot [data-testid=goal-form]")).to_have_count(0)
    goal = Goal.objects.get(plan=plan)
    assert goal.statement == statement
    assert goal.target == 120_000_000
    _assert_no_reload(page)
    _screenshot(page, "plan-page")


def test_action_added_on_the_plan_and_ticked_done_in_one_click(page, login, owner):
    plan = PlanFactory(account=AccountFactory(owner=owner))
    due = timezone.localdate() + dt.timedelta(days=14)

    login(owner)
    page.goto(f"/plans/{plan.pk}/")
    _set_marker(page)
    section = page.locator("#actions[data-testid=actions-section]")
    section.locator("[data-testid=add-action]").click()
    form = section.locator("#action-new-slot [data-testid=action-form]")
    expect(form).to_be_visible()
    form.locator("#id_title").fill("購買部長との面談設定")
    form.locator("#id_due_date").fill(due.isoformat())
    form.locator("button[type=submit]").click()

    row = page.locator("[data-testid=action-row]", has_text="購買部長との面談設定")
    expect(row).to_have_count(1)
    expect(row.locator("[data-testid=action-status]")).to_have_value("open")
    expect(row).not_to_have_class(re.compile(r"\bis-done\b"))
    action = ActionItem.objects.get(plan=plan)
    assert action.status == "open"

    row.locator("[data-testid=action-done]").click()

    expect(row.locator("[data-testid=action-status]")).to_have_value("done")
    expect(row).to_have_class(re.compile(r"\bis-done\b"))
    expect(row.locator("[data-testid=action-done]")).to_be_checked()
    action.refresh_from_db()
    assert action.status == "done"
    assert action.completed_at is not None
    _assert_no_reload(page)


def test_recording_a_kpi_measurement_updates_the_attainment_in_place(page, login, owner):
    plan = PlanFactory(account=AccountFactory(owner=owner))
    today = timezone.localdate()
    kpi = KPIFactory(plan=plan, name="受注額", target=100)
    # Through the service, as the app does: it keeps the KPI's latest value up to date.
    kpi_measurement_record(kpi=kpi, measured_on=today - dt.timedelta(days=30), value=Decimal(50))

    login(owner)
    page.goto(f"/plans/{plan.pk}/")
    card = page.locator(f"#kpi-{kpi.pk}")
    expect(card.locator("[data-testid=kpi-attainment]")).to_have_text("50%")
    _set_marker(page)

    measure = card.locator("[data-testid=measurement-form]")
    measure.locator(f"#kpi-{kpi.pk}-measured_on").fill(today.isoformat())
    measure.locator(f"#kpi-{kpi.pk}-value").fill("90")
    measure.locator("button[type=submit]").click()

    expect(card.locator("[data-testid=kpi-attainment]")).to_have_text("90%")
    expect(card.locator("[data-testid=kpi-latest]")).to_contain_text("90")
    assert kpi.measurements.count() == 2
    _assert_no_reload(page)
    _screenshot(page, "plan-page-kpi")


def test_power_map_draws_one_node_per_active_stakeholder_and_a_node_opens_its_form(
    page, login, owner
):
    account = AccountFactory(owner=owner, name="株式会社サンプル")
    president = StakeholderFactory(account=account, name="山本 社長", title="代表取締役")
    director = StakeholderFactory(
        account=account, name="井上 本部長", title="本部長", reports_to=president
    )
    manager = StakeholderFactory(
        account=account, name="木村 部長", title="購買部長", reports_to=director
    )
    StakeholderFactory(account=account, name="林 課長", title="購買課長", reports_to=manager)
    StakeholderFactory(account=account, name="退職 済み", reports_to=president, is_active=False)

    login(owner)
    page.goto(f"/accounts/{account.pk}/")
    nodes = page.locator("[data-testid=power-node]")
    expect(nodes).to_have_count(4)
    assert sorted(nodes.evaluate_all("ns => ns.map(n => n.getAttribute('aria-label'))")) == sorted(
        ["山本 社長, 代表取締役", "井上 本部長, 本部長", "木村 部長, 購買部長", "林 課長, 購買課長"]
    )
    expect(page.locator("[data-testid=power-link]")).to_have_count(3)
    _set_marker(page)

    page.locator(f"[data-testid=power-node][data-stakeholder='{manager.pk}']").click()

    form = page.locator("#stakeholder-panel [data-testid=stakeholder-form]")
    expect(form).to_be_visible()
    expect(form.locator("#id_name")).to_have_value("木村 部長")
    expect(form.locator("#id_title")).to_have_value("購買部長")
    _assert_no_reload(page)
    assert urlparse(page.url).path == f"/accounts/{account.pk}/"
    _screenshot(page, "account-page")


def test_language_switch_changes_the_navigation_and_back(page, login, owner):
    login(owner)
    page.goto("/accounts/")
    nav = page.locator("nav.mainnav")
    expect(nav).to_contain_text("マイデイ")

    page.click("[data-testid=lang-en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav.get_by_role("link", name="My day", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Accounts", exact=True)).to_be_visible()
    expect(nav).not_to_contain_text("マイデイ")
    expect(page.locator("h1")).to_have_text("Key accounts")
    # The switch keeps the user on the same page.
    assert urlparse(page.url).path == "/accounts/"

    page.click("[data-testid=lang-ja]")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(nav.get_by_role("link", name="マイデイ", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="アカウント", exact=True)).to_be_visible()
    expect(nav).not_to_contain_text("My day")
    expect(page.locator("h1")).to_have_text("キーアカウント")
    assert urlparse(page.url).path == "/accounts/"


def test_rep_opening_another_reps_account_gets_404(page, login, account, outsider):
    plan = PlanFactory(account=account, title="極秘プラン")
    login(outsider)

    for url in (f"/accounts/{account.pk}/", f"/plans/{plan.pk}/"):
        response = page.goto(url)
        assert response is not None
        assert response.status == 404, url
        content = page.content()
        assert "株式会社サンプル" not in content
        assert "極秘プラン" not in content
