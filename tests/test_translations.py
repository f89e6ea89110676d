"""The Japanese catalogue: complete, placeholder-safe, compiled and in step with the code.

Japanese is the default language, so an untranslated or broken entry is what most users see.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext, pgettext
from django.utils.translation.reloader import translation_file_changed

from accounts.models import Tier
from stakeholders.models import BuyingRole

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
JA_PO = LOCALE_DIR / "ja" / "LC_MESSAGES" / "django.po"
TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"

# %(name)s, %(avg)+.1f, %s, %d ("%%" is a literal percent sign and is removed first), and
# {{ name }} as written inside {% blocktranslate %}.
PLACEHOLDER = re.compile(
    r"%\(\w+\)[-+ #0]*\d*(?:\.\d+)?[a-zA-Z]|%(?:\d+|\.\d+)?[sdifr]|\{\{\s*[\w.]+\s*\}\}"
)
NAMED = re.compile(r"%\((\w+)\)")
# {% translate "Text" %} / {% trans 'Text' as var %}: literal msgids without a context.
TEMPLATE_TRANSLATE = re.compile(
    r"""\{%\s*trans(?:late)?\s+(?P<q>["'])(?P<msgid>(?:(?!(?P=q)).)+)(?P=q)(?P<rest>[^%]*)%\}"""
)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def msgstr_of(entry: polib.POEntry) -> str:
    return entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr


def label(entry: polib.POEntry) -> str:
    ctx = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{ctx}{entry.msgid!r}"


@pytest.fixture(scope="module")
def ja_po() -> polib.POFile:
    return polib.pofile(str(JA_PO))


@pytest.fixture(scope="module")
def compiled():
    """Compile the catalogues (.mo files are not in git) and drop Django's cached ones."""
    call_command("compiletranslations", verbosity=0)
    translation_file_changed(sender=None, file_path=JA_PO.with_suffix(".mo"))
    yield
    translation_file_changed(sender=None, file_path=JA_PO.with_suffix(".mo"))


def test_header_declares_japanese_without_plurals(ja_po):
    assert ja_po.metadata["Language"] == "ja"
    assert ja_po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert not ja_po.metadata_is_fuzzy


def test_every_entry_is_translated(ja_po):
    untranslated = [label(e) for e in ja_po.untranslated_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:20]}"


def test_no_fuzzy_entries(ja_po):
    fuzzy = [label(e) for e in ja_po.fuzzy_entries()]
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy[:20]}"


def test_plural_entries_fill_the_single_japanese_form(ja_po):
    plural = [e for e in ja_po if e.msgid_plural]
    assert plural
    for entry in plural:
        assert set(entry.msgstr_plural) <= {0}, label(entry)


def test_placeholders_are_kept(ja_po):
    broken = []
    for entry in ja_po.translated_entries():
        source = entry.msgid_plural or entry.msgid
        if placeholders(msgstr_of(entry)) != placeholders(source):
            broken.append(label(entry))
    assert not broken, f"placeholders differ: {broken}"


def test_python_format_entries_can_be_formatted(ja_po):
    """A stray single "%" in a translation would raise when Django interpolates it."""
    for entry in ja_po.translated_entries():
        if "python-format" not in entry.flags:
            continue
        source = entry.msgid_plural or entry.msgid
        names = set(NAMED.findall(source))
        if not names:
            continue
        values = dict.fromkeys(names, 1)
        assert msgstr_of(entry) % values, label(entry)


def test_catalogue_keeps_html_tags(ja_po):
    tag = re.compile(r"</?[a-zA-Z][^>]*>")
    for entry in ja_po.translated_entries():
        source = entry.msgid_plural or entry.msgid
        assert sorted(tag.findall(msgstr_of(entry))) == sorted(tag.findall(source)), label(entry)


@pytest.mark.parametrize(
    ("english", "japanese"),
    [
        ("Accounts", "アカウント"),
        ("Key accounts", "キーアカウント"),
        ("My day", "マイデイ"),
        ("Renewal pipeline", "更新パイプライン"),
        ("Log out", "ログアウト"),
        ("Save", "保存"),
        ("Due", "期限"),
    ],
)
def test_key_strings_come_out_in_japanese(compiled, english, japanese):
    with translation.override("ja"):
        assert gettext(english) == japanese
    with translation.override("en"):
        assert gettext(english) == english


def test_domain_senses_win_over_django_builtin_strings(compiled):
    """The tier "Key" and the buying role "User" are not Django's generic words here."""
    with translation.override("ja"):
        assert str(Tier.KEY.label) == "重点"
        assert str(Tier.STRATEGIC.label) == "戦略"
        assert str(BuyingRole.USER.label) == "利用者"
        assert pgettext("list separator", ", ") == "、"
    with translation.override("en"):
        assert str(Tier.KEY.label) == "Key"


def test_plural_forms_use_the_single_japanese_form(compiled):
    with translation.override("ja"):
        for n in (0, 1, 5):
            text = translation.ngettext("%(counter)s account", "%(counter)s accounts", n)
            assert text % {"counter": n} == f"{n}件のアカウント"


@pytest.mark.parametrize(
    "msgid",
    [
        "Renewal pipeline",
        "Portfolio dashboard",
        "Mark all read",
        "Open the power map",
        "Investment priority matrix",
        "Print view",
    ],
)
def test_template_strings_are_in_the_catalogue(ja_po, msgid):
    assert ja_po.find(msgid) is not None, f"{msgid!r} missing: run makemessages"


def test_literal_template_strings_are_all_in_the_catalogue(ja_po):
    """Every {% translate "..." %} without a context has an entry: makemessages was run."""
    known = {e.msgid for e in ja_po if not e.msgctxt}
    missing = set()
    for path in TEMPLATES_DIR.rglob("*.html"):
        for match in TEMPLATE_TRANSLATE.finditer(path.read_text(encoding="utf-8")):
            if "context" in match["rest"] or match["msgid"] in known:
                continue
            missing.add(f"{path.relative_to(TEMPLATES_DIR)}: {match['msgid']!r}")
    assert not missing, f"not in the catalogue, run makemessages: {sorted(missing)}"
