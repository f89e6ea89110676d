"""The security log: each kind of event once, with the right person and address, whichever
door it came through; written in the transaction of the change; read-only in admin; pruned.
"""

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services as account_services
from kam.core import security_log
from kam.core.models import Role, SecurityEvent, SecurityEventKind
from kam.core.tasks import prune_security_log
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
ADDRESS = "203.0.113.7"
K = SecurityEventKind


def events(kind=None):
    found = SecurityEvent.objects.order_by("id")
    return list(found.filter(kind=kind) if kind else found)


def only(kind) -> SecurityEvent:
    (event,) = events(kind)
    return event


def sign_in(client, username, password, address=ADDRESS):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.fixture
def signed_in(client, owner):
    sign_in(client, "owner", PASSWORD)
    SecurityEvent.objects.all().delete()
    return client


# Signing in


def test_a_sign_in_is_recorded_once_with_who_and_where(client, owner):
    sign_in(client, "owner", PASSWORD)
    event = only(K.SIGNED_IN)
    assert (event.actor, event.actor_name, event.address) == (owner, "owner", ADDRESS)
    assert events() == [event]


def test_a_failed_sign_in_keeps_the_name_typed(client, owner):
    sign_in(client, "owner", "wrong")
    sign_in(client, "nobody", "wrong", address="198.51.100.2")
    first, second = events(K.SIGN_IN_FAILED)
    assert (first.actor, first.actor_name, first.address) == (owner, "owner", ADDRESS)
    assert (second.actor, second.actor_name, second.address) == (None, "nobody", "198.51.100.2")
    assert not events(K.SIGNED_IN)


def test_a_lockout_is_recorded_once_however_often_they_try(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 3):
        sign_in(client, "owner", "wrong")
    event = only(K.LOCKED_OUT)
    assert (event.actor, event.actor_name, event.address) == (owner, "owner", ADDRESS)
    assert len(events(K.SIGN_IN_FAILED)) == settings.AXES_FAILURE_LIMIT + 3


def test_signing_out_everywhere(signed_in, owner):
    signed_in.post(reverse("sign_out_everywhere"), REMOTE_ADDR=ADDRESS)
    event = only(K.SIGNED_OUT_EVERYWHERE)
    assert (event.actor, event.address) == (owner, ADDRESS)


# Passwords


def test_changing_ones_own_password(signed_in, owner):
    signed_in.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-secret-1",
            "new_password2": "a-new-long-secret-1",
        },
        REMOTE_ADDR=ADDRESS,
    )
    event = only(K.PASSWORD_CHANGED)
    assert (event.actor, event.subject, event.address) == (owner, owner, ADDRESS)
    assert event.details == {"via": "self"}
    assert security_log.describe(event) == "本人が変更"


def test_a_reset_is_asked_for_then_done_through_the_link(client, owner):
    client.post(reverse("password_reset"), {"email": owner.email}, REMOTE_ADDR=ADDRESS)
    asked = only(K.PASSWORD_RESET_REQUESTED)
    assert (asked.actor, asked.actor_name, asked.address) == (owner, owner.email, ADDRESS)
    link = re.search(r"https?://[^/]+(/password/reset/\S+/)", mail.outbox[0].body)[1]
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-secret-1", "new_password2": "a-new-long-secret-1"},
        REMOTE_ADDR=ADDRESS,
    )
    done = only(K.PASSWORD_CHANGED)
    assert (done.actor, done.subject, done.address) == (owner, owner, ADDRESS)
    assert done.details == {"via": "reset"}


def test_an_admin_sets_someones_password_and_role(client, admin_user, owner):
    client.force_login(admin_user)
    client.post(
        reverse("admin:auth_user_password_change", args=[owner.pk]),
        {"password1": "a-new-long-secret-1", "password2": "a-new-long-secret-1"},
        REMOTE_ADDR=ADDRESS,
    )
    changed = only(K.PASSWORD_CHANGED)
    assert (changed.actor, changed.subject, changed.address) == (admin_user, owner, ADDRESS)
    assert changed.details == {"via": "admin"}

    owner.refresh_from_db()
    owner.role = Role.MANAGER
    owner.is_staff = True
    owner.save()
    role = only(K.ROLE_CHANGED)
    assert role.subject == owner
    assert role.details == {"role": ["rep", "manager"], "is_staff": [False, True]}
    # Saves that change neither a password nor access say nothing.
    owner.first_name = "健一"
    owner.save()
    owner.save(update_fields=["last_login"])
    assert len(events(K.ROLE_CHANGED)) == 1 and len(events(K.PASSWORD_CHANGED)) == 1


# Two-step sign-in


def test_two_step_on_new_codes_and_off(signed_in, owner):
    signed_in.get(reverse("two_step_setup"))
    device = TOTPDevice.objects.get(user=owner, confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
    signed_in.post(reverse("two_step_setup"), {"code": code}, REMOTE_ADDR=ADDRESS)
    on = only(K.TWO_STEP_ON)
    assert (on.actor, on.subject, on.address) == (owner, owner, ADDRESS)
    assert not events(K.RECOVERY_CODES)
    # An administrator deletes the lost phone's authenticator in admin: off, by the admin.
    admin = UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    device = TOTPDevice.objects.get(user=owner)
    client.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]),
        {"post": "yes"},
        REMOTE_ADDR="192.0.2.9",
    )
    off = only(K.TWO_STEP_OFF)
    assert (off.actor, off.subject, off.address) == (admin, owner, "192.0.2.9")


# Exports


def test_a_dashboard_export_says_which_list_which_filters_and_how_many_rows(
    client, manager, account
):
    client.force_login(manager)
    response = client.get(
        reverse("dashboard_records", args=["accounts"]) + "?format=csv&tier=strategic",
        REMOTE_ADDR=ADDRESS,
    )
    rows = response.content.decode("utf-8-sig").strip().count("\n")
    event = only(K.EXPORT)
    assert (event.actor, event.address) == (manager, ADDRESS)
    assert event.details == {
        "list": "accounts",
        "rows": rows,
        "format": "csv",
        "filters": {"tier": "strategic"},
    }


def test_an_admin_export_is_recorded_too(client, admin_user, account):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_account_export"),
        {"format": "0", "resource": "", "accountresource_id": True, "accountresource_name": True},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 200
    event = only(K.EXPORT)
    assert event.actor == admin_user and event.details["rows"] == 1
    assert event.details["format"] == "csv"


# Teams and owners


def test_team_changes_on_the_page_are_recorded_with_who_and_where(client, owner, account):
    SecurityEvent.objects.all().delete()  # the fixture's own team
    colleague = UserFactory(username="kato", last_name="加藤", first_name="翔")
    client.force_login(owner)
    client.post(
        reverse("accounts:team_add", args=[account.pk]),
        {"user": colleague.pk, "role": "sales"},
        REMOTE_ADDR=ADDRESS,
    )
    added = only(K.TEAM_CHANGED)
    assert (added.actor, added.subject, added.account_id, added.address) == (
        owner,
        colleague,
        account.pk,
        ADDRESS,
    )
    assert added.details["added"] is True
    assert security_log.describe(added) == "加藤 翔さんを株式会社サンプルのチームに追加"
    client.post(
        reverse("accounts:team_remove", args=[account.pk, colleague.pk]), REMOTE_ADDR=ADDRESS
    )
    removed = events(K.TEAM_CHANGED)[-1]
    assert removed.details["added"] is False and removed.actor == owner


def test_a_handover_records_the_owner_and_the_team_change(manager, owner, member, account):
    SecurityEvent.objects.all().delete()  # the fixture's own team
    account_services.account_update(account=account, user=manager, data={"owner": member})
    event = only(K.OWNER_CHANGED)
    assert (event.subject, event.account_id) == (member, account.pk)
    assert (event.details["old"], event.details["new"]) == ("佐藤 健", "鈴木 花子")
    # The new owner left the team in the same change.
    (left,) = events(K.TEAM_CHANGED)
    assert left.subject == member and left.details["added"] is False


def test_an_event_goes_with_a_change_that_is_rolled_back(owner, account):
    SecurityEvent.objects.all().delete()  # the fixture's own team
    colleague = UserFactory(username="kato")
    with pytest.raises(RuntimeError), transaction.atomic():
        account_services.team_member_add(
            account=account, member=colleague, role="sales", user=owner
        )
        assert events(K.TEAM_CHANGED)
        raise RuntimeError
    assert not events(K.TEAM_CHANGED)


# Keeping and reading


def test_events_older_than_the_setting_are_pruned(settings, owner):
    settings.SECURITY_LOG_DAYS = 400
    now = timezone.now()
    old = security_log.record(K.SIGNED_IN, actor=owner)
    SecurityEvent.objects.filter(pk=old.pk).update(at=now - dt.timedelta(days=401))
    kept = security_log.record(K.SIGNED_IN, actor=owner)
    SecurityEvent.objects.filter(pk=kept.pk).update(at=now - dt.timedelta(days=399))
    assert prune_security_log() == 1
    assert [e.pk for e in events()] == [kept.pk]


def test_admins_read_the_log_and_nobody_writes_it(client, admin_user, owner):
    sign_in(Client(), "owner", PASSWORD)
    client.force_login(admin_user)
    page = client.get(reverse("admin:kam_securityevent_changelist") + "?kind=signed_in")
    assert page.status_code == 200
    assert ADDRESS in page.content.decode()
    event = SecurityEvent.objects.get(kind=K.SIGNED_IN, actor=owner)
    assert client.get(reverse("admin:kam_securityevent_add")).status_code == 403
    response = client.post(reverse("admin:kam_securityevent_delete", args=[event.pk]))
    assert response.status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_deleting_a_user_on_a_team_with_two_step_leaves_no_dangling_event(owner, member, account):
    TOTPDevice.objects.create(user=member, name="authenticator", confirmed=True)
    pk = member.pk
    member.delete()
    # The foreign keys are checked now rather than at a commit the test never reaches.
    connection.check_constraints()
    assert not account.team_members.exists()
    assert not SecurityEvent.objects.filter(subject_id=pk).exists()


def test_a_hash_upgraded_at_sign_in_is_not_a_password_change(client, owner, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    sign_in(client, "owner", PASSWORD)
    owner.refresh_from_db()
    assert owner.password.startswith("pbkdf2_sha256$")  # upgraded from MD5
    assert not events(K.PASSWORD_CHANGED)
