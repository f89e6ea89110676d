import pytest
from django.urls import reverse

from kam.core.models import Notification, ReminderKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def notify(user, title="更新期限が近づいています", url="/"):
    return Notification.objects.create(
        recipient=user, kind=ReminderKind.RENEWAL_DUE, title=title, url=url
    )


def test_anonymous_goes_to_login(client):
    assert client.get(reverse("notifications")).status_code == 302


def test_unread_count_shows_in_the_header(client, owner):
    notify(owner)
    notify(owner)
    client.force_login(owner)
    body = client.get(reverse("notifications")).content.decode()
    assert 'data-testid="unread-count">2<' in body


def test_list_shows_only_my_notifications(client, owner, outsider):
    notify(owner, title="私の通知")
    notify(outsider, title="他人の通知")
    client.force_login(owner)
    body = client.get(reverse("notifications")).content.decode()
    assert "私の通知" in body
    assert "他人の通知" not in body


def test_htmx_dropdown_is_a_fragment_of_unread(client, owner):
    read = notify(owner, title="READ-NOTIFICATION")
    notify(owner, title="UNREAD-NOTIFICATION")
    Notification.objects.filter(pk=read.pk).update(read_at="2026-11-01T00:00:00Z")
    client.force_login(owner)
    body = client.get(reverse("notifications") + "?show=unread", **HX).content.decode()
    assert "<html" not in body
    assert "UNREAD-NOTIFICATION" in body
    assert "READ-NOTIFICATION" not in body.replace("UNREAD-NOTIFICATION", "")


def test_open_marks_read_and_goes_to_the_item(client, owner):
    n = notify(owner, url="/renewals/")
    client.force_login(owner)
    response = client.post(reverse("notification_open", args=[n.pk]))
    assert response["Location"] == "/renewals/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_cannot_open_someone_elses_notification(client, owner, outsider):
    n = notify(outsider)
    client.force_login(owner)
    assert client.post(reverse("notification_open", args=[n.pk])).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read_touches_only_mine(client, owner, outsider):
    notify(owner)
    theirs = notify(outsider)
    client.force_login(owner)
    response = client.post(reverse("notifications_mark_read") + "?show=all", **HX)
    assert response.status_code == 200
    assert not Notification.objects.filter(recipient=owner, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_settings_turn_the_digest_off(client, owner):
    client.force_login(owner)
    response = client.post(reverse("user_settings"), {"language": "ja", "email": "new@example.com"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.digest_enabled is False
    assert owner.email == "new@example.com"


def test_settings_bad_email_is_refused_and_nothing_changes(client):
    user = UserFactory(email="keep@example.com")
    client.force_login(user)
    response = client.post(
        reverse("user_settings"),
        {"language": "ja", "email": "not-an-email", "digest_enabled": "on"},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    user.refresh_from_db()
    assert user.email == "keep@example.com"
