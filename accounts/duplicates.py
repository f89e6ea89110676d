"""Possible duplicates of an account: one rule for every door that creates accounts.

Two accounts are possibly the same customer when their names fold to the same text
(kam.core.text: 株式会社東雲精機, ㈱東雲精機 and 東雲精機 are one), when their websites are on
the same domain, or when they carry the same corporate number (法人番号). Creating one is
allowed after the person has seen the others: a customer can have two accounts on purpose
(two divisions managed apart), but never by accident.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kam.core.text import fold

from .models import Account


def domain_of(website: str) -> str:
    host = urlparse(website if "://" in (website or "") else f"https://{website}").hostname or ""
    return host.lower().removeprefix("www.")


def account_duplicates(
    *, name: str, website: str = "", corporate_number: str = "", exclude: int | None = None
) -> QuerySet[Account]:
    """Every account that may be the same customer, visible to the user or not."""
    match = Q(pk__in=[])
    folded = fold(name)
    if folded:
        match |= Q(search_key=folded) | Q(search_key__startswith=f"{folded}|")
    domain = domain_of(website)
    if domain:
        match |= Q(website__iregex=rf"^https?://(www\.)?{re.escape(domain)}(/|$)")
    if corporate_number:
        match |= Q(corporate_number=corporate_number)
    found = Account.objects.filter(match)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.order_by("name_kana", "pk")


def seen_by(found: QuerySet[Account], user) -> QuerySet[Account]:
    """The possible duplicates the person may see: only these are named to them; the others
    are counted, so that nobody learns the name of an account that is not theirs."""
    return found.filter(pk__in=Account.objects.visible_to(user).values("pk"))


DUPLICATE_FIELD = "confirm_duplicates"


def refuse_unseen_duplicates(found: QuerySet[Account], *, confirmed: bool) -> None:
    """Refuse to go on until the person has seen the possible duplicates and said so."""
    if not confirmed and found.exists():
        raise ValidationError(
            {
                DUPLICATE_FIELD: _(
                    "This may be an account that already exists. Look at the accounts below; "
                    "to create it all the same, tick the box and save again."
                )
            },
            code="possible_duplicate",
        )
