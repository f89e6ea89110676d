"""Two people editing the same plan at the same time, each in their own browser."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from plans.models import AccountPlan
from tests.factories import PlanFactory

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1360, "height": 900}


def _signed_in(browser, live_server, user, viewport):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP", viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass-word-123")
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/login/" not in url)
    return context, page, errors


def _open_value_form(page, plan):
    page.goto(f"/plans/{plan.pk}/")
    page.locator("#value").get_by_role("link", name="編集").click()
    expect(page.get_by_test_id("value-form")).to_be_visible()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_second_save_shows_the_first_and_keeps_what_was_typed(
    browser, live_server, owner, member, account, viewport
):
    plan = PlanFactory(account=account, owner=owner, value_what="当初の提供価値")
    first, page_a, errors_a = _signed_in(browser, live_server, owner, viewport)
    second, page_b, errors_b = _signed_in(browser, live_server, member, viewport)
    try:
        _open_value_form(page_a, plan)
        _open_value_form(page_b, plan)

        page_a.fill("textarea[name=value_what]", "物流コストを年間15%削減")
        page_a.get_by_role("button", name="保存").click()
        expect(page_a.locator("#value")).to_contain_text("物流コストを年間15%削減")

        page_b.fill("textarea[name=value_what]", "在庫回転日数を30日短縮")
        page_b.get_by_role("button", name="保存").click()
        conflict = page_b.get_by_test_id("conflict")
        expect(conflict).to_be_visible()
        expect(conflict).to_contain_text("物流コストを年間15%削減")
        expect(page_b.locator(".form-error")).to_contain_text(str(owner))
        # What this person typed is still in the field, to merge.
        expect(page_b.locator("textarea[name=value_what]")).to_have_value("在庫回転日数を30日短縮")
        assert AccountPlan.objects.get(pk=plan.pk).value_what == "物流コストを年間15%削減"
        ARTIFACTS.mkdir(exist_ok=True)
        page_b.screenshot(path=str(ARTIFACTS / f"conflict-{viewport['width']}.png"), full_page=True)

        merged = "物流コストを年間15%削減し、在庫回転日数を30日短縮"
        page_b.fill("textarea[name=value_what]", merged)
        page_b.get_by_role("button", name="保存").click()
        expect(page_b.locator("#value")).to_contain_text(merged)
        assert AccountPlan.objects.get(pk=plan.pk).value_what == merged
    finally:
        first.close()
        second.close()
    assert errors_a == [] and errors_b == []
