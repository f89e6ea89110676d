"""Folding: the one rule by which what people type is matched against names.

Japanese is typed in many shapes for one name: しののめ, シノノメ, ｼﾉﾉﾒ, 東雲; ＡＢＣ and abc;
株式会社東雲精機, ㈱東雲精機 and 東雲精機. `fold` brings them to one shape:

1. Unicode NFKC: full-width letters and digits become ASCII, half-width katakana becomes
   full-width, ㈱ becomes (株);
2. hiragana becomes katakana (jaconv), so a reading typed in either matches;
3. case is folded;
4. company suffixes are dropped (株式会社, (株), 有限会社, (有), 合同会社, (同), Inc., Co., Ltd.,
   Corp., LLC, K.K.), and so are spaces and the punctuation between words (・ . , -), so that
   "東雲 精機" and "東雲精機" are one.

Every search box and the duplicate check go through here; the models keep a folded
`search_key` of their names and readings (refreshed on save), which a search matches with
`contains`, served on PostgreSQL by a trigram index.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# After NFKC and case folding.
_JAPANESE_SUFFIXES = re.compile(r"株式会社|有限会社|合同会社|合資会社|合名会社|\((?:株|有|同)\)")
_LATIN_SUFFIXES = re.compile(
    r"(?<![a-z0-9])(?:co\.?,?\s*ltd|inc|corp|corporation|llc|ltd|co|kk|k\.k)\.?(?![a-z0-9])"
)
_SEPARATORS = re.compile(r"[\s・･.,，、。\-‐－_/／'’\"]+")


def fold(text: str | None) -> str:
    """`text` in the one shape searches and duplicate checks compare."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = jaconv.hira2kata(text).casefold()
    text = _JAPANESE_SUFFIXES.sub(" ", text)
    text = _LATIN_SUFFIXES.sub(" ", text)
    return _SEPARATORS.sub("", text)


# The column's width (kam.core.models.Searchable.search_key).
SEARCH_KEY_LENGTH = 500


def record_search_key(record, fields) -> str:
    """The search key of a row (a model instance, or a migration's historical one) from the
    fields it is searched by."""
    return search_key(*(getattr(record, name) for name in fields))[:SEARCH_KEY_LENGTH]


def search_key(*parts: str | None) -> str:
    """The folded parts of a record that a search looks in (its name, its reading), joined
    by a separator no folded text contains, so a match never spans two parts."""
    return "|".join(folded for part in parts if (folded := fold(part)))


def corporate_number_valid(number: str) -> bool:
    """A 法人番号: 13 digits, the first a check digit over the other twelve (the National Tax
    Agency's rule: 9 - (sum of each digit times 1 or 2, alternating from the last, mod 9))."""
    if not re.fullmatch(r"\d{13}", number or ""):
        return False
    base = number[1:]
    total = sum(int(d) * (2 if i % 2 else 1) for i, d in enumerate(reversed(base)))
    return int(number[0]) == 9 - total % 9


def validate_corporate_number(value: str) -> None:
    if value and not corporate_number_valid(value):
        raise ValidationError(
            _("A corporate number is 13 digits whose first digit checks the rest; check it."),
            code="corporate_number",
        )
