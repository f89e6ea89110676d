"""Every response carries the security headers; nothing a signed-in person sees is cached."""

import pytest
from django.urls import reverse

from tests.pages import READ_URL_OBJECTS, REFUSED, build_world, readable_pages
from tests.test_layers import WRITE_URL_OBJECTS

pytestmark = pytest.mark.django_db

EVERY_PAGE = {**READ_URL_OBJECTS, **WRITE_URL_OBJECTS}


@pytest.fixture
def world(account):
    return build_world(account)


def test_the_content_security_policy_allows_no_inline_script(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src-elem"] == "'self'"
    # Inline styles only as style= attributes, which carry data (bar widths, positions).
    assert directives["style-src-attr"] == "'unsafe-inline'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_the_permissions_policy_turns_off_what_a_crm_never_needs(client):
    policy = client.get(reverse("login"))["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy


@pytest.mark.parametrize("persona", ["owner", "manager"])
def test_every_signed_in_page_is_private_and_not_stored(request, client, world, persona):
    client.force_login(request.getfixturevalue(persona))
    pages = readable_pages(world, EVERY_PAGE)
    assert len(pages) > 60
    for name, url in pages:
        response = client.get(url)
        expected = 403 if (name, persona) in REFUSED else 200
        assert response.status_code == expected, (name, url, response.status_code)
        cache = response["Cache-Control"]
        assert "private" in cache and "no-store" in cache, (name, cache)
        assert "Content-Security-Policy" in response, name


def test_downloads_are_not_stored_either(client, manager, world):
    client.force_login(manager)
    for url in (
        reverse("dashboard") + "?export=team",
        reverse("dashboard_records", args=["accounts"]) + "?format=csv",
    ):
        response = client.get(url)
        assert response["Content-Type"].startswith("text/csv")
        assert "no-store" in response["Cache-Control"]


def test_admin_pages_are_not_stored(client, admin_user, world):
    client.force_login(admin_user)
    for url in (reverse("admin:index"), reverse("admin:accounts_account_changelist")):
        assert "no-store" in client.get(url)["Cache-Control"]
