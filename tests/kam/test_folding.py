"""Names are found as people type them: one folding rule (kam.core.text) behind every search
box, kept on save and by the bulk loaders."""

import pytest
from django.urls import reverse

from accounts.models import Account
from kam.core.text import fold, search_key
from stakeholders.models import Stakeholder
from tests.factories import AccountFactory, PlanFactory, StakeholderFactory

# What is typed -> the one shape it is compared in.
FOLDING = [
    ("しののめ", "シノノメ"),  # hiragana -> katakana
    ("ｼﾉﾉﾒ", "シノノメ"),  # half-width katakana
    ("シノノメ", "シノノメ"),
    ("東雲", "東雲"),
    ("ＡＢＣ", "abc"),  # full-width letters, case
    ("１２３", "123"),  # full-width digits
    ("株式会社東雲精機", "東雲精機"),  # company suffixes, before or after
    ("東雲精機株式会社", "東雲精機"),
    ("㈱東雲精機", "東雲精機"),
    ("(株)東雲精機", "東雲精機"),
    ("有限会社ミナト", "ミナト"),
    ("合同会社アオバ", "アオバ"),
    ("ABC Co., Ltd.", "abc"),
    ("Acme Inc.", "acme"),
    ("Incubate Corp", "incubate"),  # a word that starts like a suffix stays
    ("東雲 精機", "東雲精機"),  # spaces, full-width too
    ("東雲\u3000精機", "東雲精機"),
    ("ヤマト・ホールディングス", "ヤマトホールディングス"),
    ("コーヒー", "コーヒー"),  # the long vowel mark is part of the word
    ("", ""),
]


@pytest.mark.parametrize(("typed", "folded"), FOLDING)
def test_the_folding_table(typed, folded):
    assert fold(typed) == folded


def test_a_key_keeps_its_parts_apart():
    assert search_key("株式会社東雲精機", "シノノメセイキ") == "東雲精機|シノノメセイキ"
    assert search_key("東雲", "") == "東雲"


@pytest.mark.django_db
def test_the_key_follows_every_save(account):
    account.refresh_from_db()
    assert account.search_key == "サンプル|サンプル"
    account.name = "株式会社東雲精機"
    account.name_kana = "しののめせいき"
    account.save(update_fields=["name", "name_kana"])
    assert Account.objects.get(pk=account.pk).search_key == "東雲精機|シノノメセイキ"


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["しののめ", "ｼﾉﾉﾒ", "シノノメ", "東雲", "㈱東雲", "東雲 精機"])
def test_every_search_box_finds_a_name_as_typed(client, manager, admin_user, typed):
    shinonome = AccountFactory(name="株式会社東雲精機", name_kana="シノノメセイキ")
    AccountFactory(name="北辰機械株式会社", name_kana="ホクシンキカイ")
    plan = PlanFactory(account=shinonome, title="東雲精機 アカウントプラン")
    person = StakeholderFactory(account=shinonome, name="山田 太郎", name_kana="やまだ たろう")
    client.force_login(manager)
    accounts = client.get(reverse("accounts:list"), {"q": typed}).content.decode()
    assert "株式会社東雲精機" in accounts and "北辰機械" not in accounts
    plans = client.get(reverse("plans:list"), {"q": typed}).content.decode()
    assert reverse("plans:detail", args=[plan.pk]) in plans
    client.force_login(admin_user)
    for url in (
        reverse("admin:accounts_account_changelist"),
        reverse("admin:plans_accountplan_changelist"),
        reverse("admin:stakeholders_stakeholder_changelist"),
    ):
        page = client.get(url, {"q": typed}).content.decode()
        assert "東雲" in page, url
    found = client.get(reverse("admin:stakeholders_stakeholder_changelist"), {"q": "ﾔﾏﾀﾞ"})
    assert person.name in found.content.decode()
    assert Stakeholder.objects.get(pk=person.pk).search_key == "山田太郎|ヤマダタロウ"
