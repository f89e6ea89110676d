"""Readings suggested from names written in kanji: right for the names people type every day,
and only ever a suggestion (the form shows it in the reading field, where it can be changed).
"""

import pytest
from django.urls import reverse

from accounts.forms import AccountForm
from kam.core.models import User
from kam.core.readings import suggest_reading

# Real-world company and person names with the reading a Japanese sales team uses.
READINGS = [
    ("株式会社東雲精機", "シノノメセイキ"),
    ("北辰機械株式会社", "ホクシンキカイ"),
    ("三河オートパーツ", "ミカワオートパーツ"),
    ("緑風エナジー", "リョクフウエナジー"),
    ("若葉損害保険", "ワカバソンガイホケン"),
    ("朝凪化成", "アサナギカセイ"),
    ("トヨタ自動車株式会社", "トヨタジドウシャ"),
    ("株式会社日立製作所", "ヒタチセイサクショ"),
    ("三菱商事", "ミツビシショウジ"),
    ("東京海上日動", "トウキョウカイジョウニチドウ"),
    ("大和ハウス工業", "ダイワハウスコウギョウ"),
    ("住友不動産", "スミトモフドウサン"),
    ("味の素", "アジノモト"),
    ("資生堂", "シセイドウ"),
    ("山田 太郎", "ヤマダ タロウ"),
    ("佐藤　健", "サトウ ケン"),
    ("鈴木 花子", "スズキ ハナコ"),
    ("高橋 誠", "タカハシ マコト"),
    ("渡辺 美咲", "ワタナベ ミサキ"),
    ("伊藤 翔", "イトウ ショウ"),
    ("小林 大輔", "コバヤシ ダイスケ"),
]


@pytest.mark.parametrize(("name", "reading"), READINGS)
def test_readings_of_real_names(name, reading):
    assert suggest_reading(name) == reading


def test_what_it_cannot_read_it_leaves_to_the_person():
    # Read, but not as a team would (they say ニホンデンキ, ヒナ): the field stays editable.
    assert suggest_reading("日本電気") == "ニッポンデンキ"
    # Latin letters have no reading to suggest.
    assert suggest_reading("ABC株式会社") == ""
    assert suggest_reading("") == ""
    assert suggest_reading("しののめ") == "シノノメ"


@pytest.mark.django_db
def test_a_blank_reading_is_filled_and_a_typed_one_kept(client, owner):
    client.force_login(owner)
    url = reverse("reading_suggestion")
    blank = client.get(url, {"name": "株式会社東雲精機", "name_kana": "", "field": "name_kana"})
    assert blank.status_code == 200
    assert 'value="シノノメセイキ"' in blank.content.decode()
    assert 'id="id_name_kana"' in blank.content.decode()
    typed = client.get(
        url, {"name": "株式会社東雲精機", "name_kana": "シノノメ", "field": "name_kana"}
    )
    assert 'value="シノノメ"' in typed.content.decode()
    assert client.get(url, {"field": "<script>"}).status_code == 400
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_the_name_field_asks_for_the_reading():
    attrs = AccountForm(owners=User.objects.none()).fields["name"].widget.attrs
    assert attrs["hx-get"] == reverse("reading_suggestion")
    assert attrs["hx-target"] == "#id_name_kana"
