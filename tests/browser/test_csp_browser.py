"""The Content-Security-Policy holds on every page a rep, a manager and an admin reach, Django
admin included: the browser reports no `securitypolicyviolation` anywhere.

A violation means an inline script, an inline event handler or a <style> element slipped into
a page; the policy would block it in the user's browser and break whatever it did.
"""

import contextlib

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from tests.factories import UserFactory
from tests.pages import READ_URL_OBJECTS, REFUSED, build_world, readable_pages
from tests.test_layers import WRITE_URL_OBJECTS

pytestmark = pytest.mark.django_db(transaction=True)

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__csp.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


def admin_pages(world) -> list[str]:
    """The admin index, each app, and for every model its list, add and change pages, its
    history, and its import and export pages where it has them."""
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    apps = set()
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        apps.add(opts.app_label)
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        if model_admin.has_add_permission(_AdminRequest()):
            urls.append(reverse(f"{prefix}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse(f"{prefix}_change", args=[first.pk]))
            urls.append(reverse(f"{prefix}_history", args=[first.pk]))
        for extra in ("import", "export"):
            with contextlib.suppress(NoReverseMatch):
                urls.append(reverse(f"{prefix}_{extra}"))
    urls += [reverse("admin:app_list", args=[label]) for label in sorted(apps)]
    return urls


class _AdminRequest:
    """Enough of a request for has_add_permission with a superuser."""

    class user:  # noqa: N801
        is_active = is_staff = is_superuser = True

        @staticmethod
        def has_perm(perm, obj=None):
            return True


def violations_on(page, url: str) -> list[str]:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status < 400, (url, response and response.status)
    # Sections a page loads through htmx report their violations once they are swapped in;
    # every such section is also crawled as a page of its own.
    return [f"{url}: {entry}" for entry in page.evaluate("window.__csp")]


@pytest.fixture
def world(account):
    return build_world(account)


def crawl(browser, live_server, user, urls) -> list[str]:
    context = browser.new_context(base_url=live_server.url, locale="ja-JP")
    context.add_init_script(WATCH)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "pass-word-123")
    page.click("button[type=submit].primary")
    page.wait_for_url(lambda url: "/login/" not in url)
    found = []
    for url in urls:
        found += violations_on(page, url)
    context.close()
    return found


@pytest.mark.parametrize("persona", ["owner", "manager"])
def test_no_page_of_the_product_breaks_the_policy(request, browser, live_server, world, persona):
    user = request.getfixturevalue(persona)
    urls = [
        url
        for name, url in readable_pages(world, {**READ_URL_OBJECTS, **WRITE_URL_OBJECTS})
        if (name, persona) not in REFUSED
    ]
    urls += [reverse("password_change"), reverse("two_step_setup")]
    assert crawl(browser, live_server, user, urls) == []


def test_no_admin_page_breaks_the_policy(browser, live_server, world, admin_user):
    UserFactory(username="someone-else")
    found = crawl(browser, live_server, admin_user, admin_pages(world))
    assert found == [], "\n".join(found)


def test_the_pages_before_signing_in_keep_it_too(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="ja-JP")
    context.add_init_script(WATCH)
    page = context.new_page()
    found = []
    for url in ("/login/", reverse("password_reset"), reverse("password_reset_done")):
        found += violations_on(page, url)
    context.close()
    assert found == []
