"""Names as Japanese teams type them, in the browser: a reading is suggested as the name is
typed, and the accounts list finds a name by its reading typed in hiragana or half-width."""

import pytest
from playwright.sync_api import expect

from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_reading_is_suggested_from_the_name_and_stays_editable(page, login, owner):
    login(owner)
    page.goto("/accounts/new/")
    page.fill("#id_name", "株式会社東雲精機")
    page.press("#id_name", "Tab")
    expect(page.locator("#id_name_kana")).to_have_value("シノノメセイキ")
    page.fill("#id_name_kana", "シノノメ セイキ")
    # Changing the name again keeps what the person wrote.
    page.fill("#id_name", "株式会社東雲精機販売")
    page.press("#id_name", "Tab")
    expect(page.locator("#id_name_kana")).to_have_value("シノノメ セイキ")


@pytest.mark.parametrize("typed", ["しののめ", "ｼﾉﾉﾒ"])
def test_the_accounts_list_finds_a_name_by_its_reading(page, login, owner, typed):
    AccountFactory(owner=owner, name="株式会社東雲精機", name_kana="シノノメセイキ")
    AccountFactory(owner=owner, name="北辰機械株式会社", name_kana="ホクシンキカイ")
    login(owner)
    page.goto("/accounts/")
    page.fill("input[name=q]", typed)
    page.press("input[name=q]", "Enter")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("株式会社東雲精機")
