"""A person already on the account is not added twice by accident: the same name in any
shape, or the same e-mail, is named, and the person is added only once confirmed."""

import pytest
from django.urls import reverse

from stakeholders.models import Stakeholder
from tests.factories import AccountFactory, StakeholderFactory
from tests.stakeholders.test_stakeholder_views import _valid

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def yamada(account):
    return StakeholderFactory(
        account=account,
        name="山田 太郎",
        name_kana="ヤマダ タロウ",
        title="物流部長",
        email="t.yamada@example.jp",
    )


@pytest.mark.parametrize(
    "typed",
    [
        {"name": "山田太郎", "name_kana": ""},
        {"name": "山田　太郎", "name_kana": "やまだ たろう"},
        {"name": "Taro Yamada", "name_kana": "", "email": "T.Yamada@example.jp"},
    ],
)
def test_a_possible_duplicate_is_named_then_added_when_confirmed(
    client, owner, account, yamada, typed
):
    client.force_login(owner)
    url = reverse("stakeholders:create", args=[account.pk])
    page = client.post(url, _valid(**typed), **HTMX)
    body = page.content.decode()
    assert page.status_code == 200
    assert "山田 太郎（物流部長）" in body
    assert 'type="checkbox" name="confirm_duplicates"' in body
    assert Stakeholder.objects.filter(account=account).count() == 1
    client.post(url, _valid(**typed, confirm_duplicates="on"), **HTMX)
    assert Stakeholder.objects.filter(account=account).count() == 2


def test_someone_else_is_added_at_once_without_a_tick_box(client, owner, account, yamada):
    client.force_login(owner)
    form = client.get(reverse("stakeholders:create", args=[account.pk])).content.decode()
    assert 'type="hidden" name="confirm_duplicates"' in form
    client.post(reverse("stakeholders:create", args=[account.pk]), _valid(), **HTMX)
    assert Stakeholder.objects.filter(account=account).count() == 2


def test_the_same_name_at_another_customer_is_no_duplicate(client, owner, yamada):
    other = AccountFactory(owner=owner, name="北辰機械株式会社")
    client.force_login(owner)
    url = reverse("stakeholders:create", args=[other.pk])
    client.post(url, _valid(name="山田 太郎", email="t.yamada@example.jp"), **HTMX)
    assert Stakeholder.objects.filter(account=other, name="山田 太郎").exists()
