"""Signing in resists guessing, asks for a second step where it must, and does not last for
ever; a person can reset a forgotten password and end all their sessions."""

import datetime as dt
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kam.core import signin
from kam.core.models import Role
from kam.core.signin_views import WRONG_CODE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
HTMX = {"HTTP_HX_REQUEST": "true"}
LOCKED = "Too many failed sign-ins from this address"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def sign_in(client, username, password, address="10.0.0.1", path="login", **extra):
    return client.post(
        reverse(path),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def refused(response) -> bool:
    """The code was refused, with the message beside the field (in the reader's language)."""
    return str(WRONG_CODE) in response.context["form"].errors.get("code", [])


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# Guessing passwords


def test_the_sixth_try_from_one_address_is_refused_even_with_the_right_password(owner):
    for _ in range(4):
        assert sign_in(Client(), "owner", "wrong").status_code == 200
    # The fifth failure locks: it already answers with the lock.
    assert sign_in(Client(), "owner", "wrong").status_code == 429
    client = Client()
    response = sign_in(client, "owner", PASSWORD)

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not signed_in(client)


def test_the_same_person_still_signs_in_from_another_address(owner):
    for _ in range(6):
        sign_in(Client(), "owner", "wrong", address="10.0.0.1")
    client = Client()

    response = sign_in(client, "owner", PASSWORD, address="10.0.0.2")

    assert response.status_code == 302
    assert signed_in(client)


def test_four_failures_then_the_right_password_signs_in_and_starts_counting_again(owner):
    for _ in range(4):
        sign_in(Client(), "owner", "wrong")
    client = Client()
    assert sign_in(client, "owner", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="owner", failures_since_start__gt=0).exists()


def test_the_lock_says_the_same_whether_the_user_exists_or_not(owner):
    for name in ("owner", "nobody-here"):
        for _ in range(5):
            sign_in(Client(), name, "wrong", address="10.0.0.7")
    known = sign_in(Client(), "owner", "wrong", address="10.0.0.7").content.decode()
    unknown = sign_in(Client(), "nobody-here", "wrong", address="10.0.0.7").content.decode()
    assert LOCKED in known and LOCKED in unknown
    strip = re.compile(r"(csrfmiddlewaretoken\" value=\"|X-CSRFToken\": \")[^\"]+")
    assert strip.sub("", known) == strip.sub("", unknown)


def test_an_address_guessing_across_user_names_is_locked_after_twenty(owner, member):
    for index in range(20):
        sign_in(Client(), f"guess{index}", "wrong", address="10.0.0.9")

    assert sign_in(Client(), "member", PASSWORD, address="10.0.0.9").status_code == 429
    assert sign_in(Client(), "member", PASSWORD, address="10.0.0.10").status_code == 302


def test_a_user_name_is_never_locked_for_everyone(owner):
    for index in range(30):
        sign_in(Client(), "owner", "wrong", address=f"10.1.0.{index}")
    assert sign_in(Client(), "owner", PASSWORD, address="10.2.0.1").status_code == 302


def test_the_lock_lifts_after_its_time(owner):
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(5):
            sign_in(Client(), "owner", "wrong")
        assert sign_in(Client(), "owner", PASSWORD).status_code == 429
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 16, tzinfo=dt.UTC), tick=False):
        assert sign_in(Client(), "owner", PASSWORD).status_code == 302


def test_admin_sign_in_counts_too(admin_user):
    for _ in range(5):
        sign_in(Client(), "admin", "wrong", path="admin:login")
    response = sign_in(Client(), "admin", PASSWORD, path="admin:login")
    assert response.status_code == 429


def test_a_forwarded_address_counts_only_behind_a_trusted_proxy(settings, owner):
    def guess_from(forwarded):
        for _ in range(5):
            sign_in(Client(), "owner", "wrong", HTTP_X_FORWARDED_FOR=forwarded)

    guess_from("203.0.113.1")
    # No proxy configured: the header is ignored, the connection (10.0.0.1) is what counts.
    assert (
        sign_in(Client(), "owner", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.2").status_code == 429
    )

    AccessAttempt.objects.all().delete()
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    settings.AXES_IPWARE_PROXY_COUNT = 1
    guess_from("203.0.113.1, 10.0.0.1")
    assert (
        sign_in(
            Client(), "owner", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.1, 10.0.0.1"
        ).status_code
        == 429
    )
    assert (
        sign_in(
            Client(), "owner", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.2, 10.0.0.1"
        ).status_code
        == 302
    )


def test_admins_see_and_clear_locks_in_admin(client, admin_user, owner):
    for _ in range(5):
        sign_in(Client(), "owner", "wrong")
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200
    assert "owner" in changelist.content.decode()

    attempt = AccessAttempt.objects.get(username="owner")
    client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert not AccessAttempt.objects.exists()
    assert sign_in(Client(), "owner", PASSWORD).status_code == 302


def test_the_api_takes_no_basic_authentication():
    classes = django_settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert not any("Basic" in name for name in classes)


# Forgotten and changed passwords


def test_a_forgotten_password_is_reset_through_a_mailed_link(client, owner):
    response = client.post(reverse("password_reset"), {"email": owner.email})
    assert response.status_code == 302
    [message] = mail.outbox
    link = re.search(r"https?://[^/]+(/password/reset/\S+/)", message.body)[1]

    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-secret-1", "new_password2": "a-new-long-secret-1"},
    )
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("a-new-long-secret-1")


def test_asking_for_an_unknown_address_looks_the_same_and_sends_nothing(client, owner):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_changing_the_password_signs_out_the_other_sessions(owner):
    here, elsewhere = Client(), Client()
    here.force_login(owner)
    elsewhere.force_login(owner)

    response = here.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-secret-1",
            "new_password2": "a-new-long-secret-1",
        },
    )

    assert response.status_code == 302
    assert here.get(reverse("home")).status_code == 200
    assert elsewhere.get(reverse("home")).status_code == 302


# Two-step sign-in


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def enable_two_step(client, user) -> list[str]:
    client.force_login(user)
    client.get(reverse("two_step_setup"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("two_step_setup"), {"code": _code(device)})
    assert response.status_code == 200
    return [code.strip() for code in re.findall(r"<code>(\w+)</code>", response.content.decode())]


def test_setting_up_an_authenticator_shows_the_code_to_scan_and_recovery_codes(client, owner):
    client.force_login(owner)
    page = client.get(reverse("two_step_setup")).content.decode()
    assert "<svg" in page and 'data-testid="secret"' in page

    codes = enable_two_step(client, owner)

    owner.refresh_from_db()
    assert owner.two_step_enabled
    assert len(codes) == signin.RECOVERY_CODES
    assert TOTPDevice.objects.get(user=owner).confirmed


def test_a_wrong_code_does_not_turn_it_on(client, owner):
    client.force_login(owner)
    client.get(reverse("two_step_setup"))
    response = client.post(reverse("two_step_setup"), {"code": "000000"})
    assert refused(response)
    owner.refresh_from_db()
    assert not owner.two_step_enabled


def test_signing_in_asks_for_the_code_before_anything_else(owner):
    enable_two_step(Client(), owner)
    client = Client()
    sign_in(client, "owner", PASSWORD)

    for url in (reverse("home"), reverse("accounts:list"), reverse("user_settings")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login_two_step"))
    assert client.get(reverse("home"), **HTMX)["HX-Redirect"].startswith(reverse("login_two_step"))

    wrong = client.post(reverse("login_two_step"), {"code": "000000", "next": "/accounts/"})
    assert refused(wrong)
    device = TOTPDevice.objects.get(user=owner)
    # A code is taken once: the next one comes 30 seconds after the one used to set it up.
    with time_machine.travel(dt.timedelta(seconds=31)):
        right = client.post(
            reverse("login_two_step"), {"code": _code(device), "next": "/accounts/"}
        )
    assert right.status_code == 302 and right.url == "/accounts/"
    assert client.get(reverse("accounts:list")).status_code == 200


def test_a_recovery_code_signs_in_once(owner):
    codes = enable_two_step(Client(), owner)
    first = Client()
    sign_in(first, "owner", PASSWORD)
    assert first.post(reverse("login_two_step"), {"code": codes[0]}).status_code == 302
    assert first.get(reverse("home")).status_code == 200

    again = Client()
    sign_in(again, "owner", PASSWORD)
    response = again.post(reverse("login_two_step"), {"code": codes[0]})
    assert refused(response)
    assert StaticToken.objects.filter(device__user=owner).count() == signin.RECOVERY_CODES - 1


def test_without_the_second_step_no_new_recovery_codes(owner):
    enable_two_step(Client(), owner)
    client = Client()
    sign_in(client, "owner", PASSWORD)
    before = set(StaticToken.objects.values_list("token", flat=True))

    response = client.post(reverse("two_step_codes"))

    assert response.status_code == 302
    assert set(StaticToken.objects.values_list("token", flat=True)) == before


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_a_role_that_requires_it_sets_it_up_first_admin_included(settings, role):
    settings.REQUIRE_2FA_FOR = ["manager", "admin"]
    user = UserFactory(username="boss", role=role, is_staff=True, is_superuser=role == Role.ADMIN)
    client = Client()
    sign_in(client, "boss", PASSWORD)

    for url in (reverse("home"), reverse("admin:index"), reverse("dashboard")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("two_step_setup")), url
    assert client.get(reverse("two_step_setup")).status_code == 200

    enable_two_step(client, user)
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_rep_is_not_asked_when_only_managers_must(settings, owner):
    settings.REQUIRE_2FA_FOR = ["manager"]
    client = Client()
    sign_in(client, "owner", PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def test_admin_login_asks_for_the_code_too(admin_user):
    enable_two_step(Client(), admin_user)
    client = Client()
    assert sign_in(client, "admin", PASSWORD, path="admin:login").status_code == 302
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login_two_step"))


def test_turning_it_off_takes_a_current_code_and_is_refused_where_required(settings, owner):
    client = Client()
    enable_two_step(client, owner)
    device = TOTPDevice.objects.get(user=owner)

    client.post(reverse("two_step_disable"), {"code": "000000"})
    owner.refresh_from_db()
    assert owner.two_step_enabled

    settings.REQUIRE_2FA_FOR = ["rep"]
    client.post(reverse("two_step_disable"), {"code": _code(device)})
    owner.refresh_from_db()
    assert owner.two_step_enabled

    settings.REQUIRE_2FA_FOR = []
    with time_machine.travel(dt.timedelta(seconds=31)):
        client.post(reverse("two_step_disable"), {"code": _code(device)})
    owner.refresh_from_db()
    assert not owner.two_step_enabled
    assert not TOTPDevice.objects.filter(user=owner).exists()


# Sessions


@pytest.fixture
def limits(settings):
    settings.SESSION_IDLE_MINUTES = 480
    settings.SESSION_ABSOLUTE_HOURS = 24


def test_a_session_ends_after_eight_hours_without_use(limits, owner):
    client = Client()
    with time_machine.travel(dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC), tick=False):
        sign_in(client, "owner", PASSWORD)
    with time_machine.travel(dt.datetime(2026, 12, 1, 7, 59, tzinfo=dt.UTC), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(dt.datetime(2026, 12, 1, 15, 58, tzinfo=dt.UTC), tick=False):
        assert client.get(reverse("home")).status_code == 200, "used 7:59 ago"
    with time_machine.travel(dt.datetime(2026, 12, 2, 0, 0, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("accounts:list"))
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next=%2Faccounts%2F"
        assert not signed_in(client)


def test_a_session_ends_a_day_after_signing_in_however_busy(limits, owner):
    client = Client()
    start = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        sign_in(client, "owner", PASSWORD)
    for hours in range(1, 24):
        with time_machine.travel(start + dt.timedelta(hours=hours), tick=False):
            assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=24, minutes=1), tick=False):
        assert client.get(reverse("home")).status_code == 302


def test_an_ended_session_sends_htmx_to_the_sign_in_page(limits, owner):
    client = Client()
    with time_machine.travel(dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC), tick=False):
        sign_in(client, "owner", PASSWORD)
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("accounts:list"), **HTMX)
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_sign_out_everywhere_ends_every_session(owner):
    here, elsewhere = Client(), Client()
    sign_in(here, "owner", PASSWORD)
    sign_in(elsewhere, "owner", PASSWORD, address="10.0.0.2")
    assert elsewhere.get(reverse("home")).status_code == 200

    response = here.post(reverse("sign_out_everywhere"))

    assert response.status_code == 302
    assert elsewhere.get(reverse("home")).status_code == 302
    assert here.get(reverse("home")).status_code == 302
    assert sign_in(Client(), "owner", PASSWORD).status_code == 302, "the password still works"


def test_an_admin_deleting_a_lost_authenticator_lets_the_person_set_up_a_new_one(owner):
    enable_two_step(Client(), owner)
    TOTPDevice.objects.filter(user=owner).delete()
    owner.refresh_from_db()
    assert not owner.two_step_enabled

    client = Client()
    sign_in(client, "owner", PASSWORD)
    assert client.get(reverse("home")).status_code == 200
