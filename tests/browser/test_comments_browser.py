"""Comments in the browser: a thread on the plan page with an @ mention picked from the list,
a reply, resolving, and the notification it sends; at desktop and at phone size. The review
sign-off from the "what changed" page."""

import pytest
from playwright.sync_api import expect

from kam.core.models import Notification
from plans import services
from plans.models import Comment, ReviewState
from tests.factories import PlanFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1360, "height": 900}


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_thread_with_a_mention_a_reply_and_resolving(
    page, login, owner, member, account, viewport
):
    plan = PlanFactory(account=account, owner=owner, title="2027年度 サンプル社プラン")
    page.set_viewport_size(viewport)
    login(owner)
    page.goto(f"/plans/{plan.pk}/")
    section = page.get_by_test_id("comments")
    expect(section).to_be_visible()
    box = section.locator("textarea[name=body]").first
    box.scroll_into_view_if_needed()
    box.click()
    box.type("来週の定例の議題です @mem")
    # The colleagues who may see the account are offered; Enter picks the highlighted one.
    offer = section.locator(".mention-box li")
    expect(offer.first).to_contain_text("鈴木 花子 (@member)")
    box.press("Enter")
    expect(box).to_have_value("来週の定例の議題です @member ")
    box.type("確認お願いします")
    section.get_by_role("button", name="コメントを投稿").click()
    thread = page.get_by_test_id("thread").first
    expect(thread).to_contain_text("来週の定例の議題です")
    expect(thread.locator(".mention")).to_have_text("@member")
    assert Notification.objects.filter(recipient=member, kind="mention").count() == 1

    thread.locator("textarea[name=body]").fill("補足：資料は共有フォルダにあります")
    thread.get_by_role("button", name="返信").click()
    expect(page.get_by_test_id("thread").first).to_contain_text(
        "補足：資料は共有フォルダにあります"
    )
    page.get_by_test_id("resolve").first.click()
    expect(page.get_by_test_id("open-threads")).to_have_text("0")
    expect(page.get_by_test_id("resolved-threads")).to_contain_text("1")
    assert Comment.objects.get(parent=None).resolved_by == owner
    # Nothing on the page is wider than the screen.
    width = page.evaluate("document.getElementById('comments').scrollWidth")
    assert width <= viewport["width"]


def test_mentioning_an_outsider_is_refused_in_place(page, login, owner, outsider, account):
    plan = PlanFactory(account=account, owner=owner)
    login(owner)
    page.goto(f"/plans/{plan.pk}/")
    section = page.get_by_test_id("comments")
    section.locator("textarea[name=body]").first.fill("@outsider 見てください")
    section.get_by_role("button", name="コメントを投稿").click()
    expect(page.locator(".field-error")).to_contain_text("このアカウントを閲覧できないため")
    expect(section.locator("textarea[name=body]").first).to_have_value("@outsider 見てください")
    assert not Comment.objects.exists()


def test_the_manager_approves_from_the_changes_page(page, login, owner, manager, account):
    owner.reports_to = manager
    owner.save(update_fields=["reports_to"])
    plan = PlanFactory(account=account, owner=owner)
    review = services.plan_mark_reviewed(plan=plan, reviewer=owner, notes="順調です")
    login(manager)
    page.goto(f"/plans/{plan.pk}/changes/")
    card = page.get_by_test_id("changes-sign-off")
    expect(card).to_contain_text("順調です")
    card.get_by_test_id("approve").click()
    expect(page.locator(".message.success")).to_contain_text("承認")
    review.refresh_from_db()
    assert review.state == ReviewState.APPROVED
