"""No lost edits: every editable row carries a version that changes with every user edit.

A form (or an admin page, an import row, an API call) says which version it was opened at;
the save compares and sets it in the same UPDATE (`... SET version = n + 1 WHERE id = .. AND
version = n`), so of two people who opened the same form, the second to save is refused
(`StaleEdit`) instead of silently wiping the first. The refusal says what the other person
saved, who and when, and the page keeps what this person typed so they can merge it.

- Only saves count. The derived writes (the nightly health score, the contract value
  roll-up, a KPI's latest value from its measurements) are UPDATE statements that do not go
  through `save()`, so they never make an open form stale.
- A row may have several versions, one for each set of fields that is saved together
  (`VERSIONS`): a plan's basics, its value proposition and its customer profile are three
  forms, and two people editing two of them do not conflict. A save that names its fields
  (`update_fields`) moves the versions of those fields; a whole-row save (Django admin) moves
  them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

# The fields a version covers: a tuple of names, or ALL for every field people edit.
ALL = None


class StaleEdit(ValidationError):
    """Someone else saved the row since this writer opened it."""

    def __init__(self, instance: models.Model, field: str, current: int, *, deleting=False):
        self.instance = instance
        self.version_field = field
        self.current = current
        change = last_change(instance)
        self.who = change.who if change else None
        self.when = change.when if change else None
        message = (stale_delete_message if deleting else stale_message)(self.who, self.when)
        super().__init__(message, code="stale")


class Gone(ValidationError):
    """The row was deleted since this writer opened it."""

    def __init__(self):
        super().__init__(
            _("Someone deleted this after you opened it, so your change was not saved."),
            code="gone",
        )


@dataclass
class Change:
    who: Any
    when: dt.datetime


def last_change(instance: models.Model) -> Change | None:
    """Who saved the row last, and when, from its history (when the model keeps one)."""
    history = getattr(instance, "history", None)
    if history is None:
        return None
    record = history.order_by("-history_date", "-history_id").select_related("history_user").first()
    if record is None:
        return None
    return Change(who=record.history_user, when=record.history_date)


def _said(who, when, named, anonymous) -> str:
    """The refusal naming who saved and when (from the history), or without them."""
    if who is None or when is None:
        return str(anonymous)
    when = formats.date_format(timezone.localtime(when), "SHORT_DATETIME_FORMAT")
    return named % {"who": who, "when": when}


def stale_message(who, when) -> str:
    return _said(
        who,
        when,
        _(
            "%(who)s saved this on %(when)s, after you opened it. Their version is shown "
            "below; what you typed is kept in the form. Merge the two and save again."
        ),
        _(
            "Someone saved this after you opened it. Their version is shown below; what you "
            "typed is kept in the form. Merge the two and save again."
        ),
    )


def stale_delete_message(who, when) -> str:
    return _said(
        who,
        when,
        _(
            "%(who)s changed this on %(when)s, after you opened it, so it was not deleted. "
            "Look at what they saved, and delete it again if it should still go."
        ),
        _(
            "Someone changed this after you opened it, so it was not deleted. Look at what "
            "they saved, and delete it again if it should still go."
        ),
    )


class Versioned(models.Model):
    """A row that refuses stale saves. Subclasses name their version fields in VERSIONS."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    # version field -> the fields it covers (ALL: every field but the versions themselves).
    VERSIONS: ClassVar[dict[str, tuple[str, ...] | None]] = {"version": ALL}

    class Meta:
        abstract = True

    def save(self, *args, update_fields=None, **kwargs):
        if self._state.adding or self.pk is None:
            return super().save(*args, update_fields=update_fields, **kwargs)
        moved = self.versions_for(update_fields)
        expected = self._expected or {}
        self._expected = None
        unchecked = [name for name in moved if name not in expected]
        if unchecked:
            # No version given (a whole-row save in admin, an internal write): lock the row
            # and move its versions on from what is stored, never from a stale copy.
            current = (
                type(self)
                ._base_manager.select_for_update()
                .filter(pk=self.pk)
                .values(*unchecked)
                .first()
                or {}
            )
            for name in unchecked:
                setattr(self, name, current.get(name, getattr(self, name)) + 1)
        self._compare = {name: expected[name] for name in moved if name in expected}
        for name, seen in self._compare.items():
            setattr(self, name, seen + 1)
        if update_fields is not None:
            update_fields = [*update_fields, *(n for n in moved if n not in update_fields)]
        try:
            return super().save(*args, update_fields=update_fields, **kwargs)
        finally:
            self._compare = None

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        compare = self._compare or {}
        if compare:
            base_qs = base_qs.filter(**compare)
        updated = super()._do_update(base_qs, using, pk_val, values, update_fields, True)
        if compare and not updated:
            for name, seen in compare.items():
                setattr(self, name, seen)
            self._raise_stale(compare)
        return updated

    # What the writer saw, set by expect(); read by the next save() or delete check.
    _expected: dict[str, int] | None = None
    _compare: dict[str, int] | None = None

    def expect(self, versions: dict[str, int | None] | None) -> Versioned:
        """Make the next save compare these versions (those given as None are not compared)."""
        self._expected = {k: int(v) for k, v in (versions or {}).items() if v is not None}
        return self

    def versions_for(self, fields: Iterable[str] | None) -> list[str]:
        """The version fields that a save of these fields moves (None: a whole-row save)."""
        if fields is None:
            return list(self.VERSIONS)
        fields = set(fields) - set(self.VERSIONS) - {"updated_at"}
        return [
            name
            for name, covered in self.VERSIONS.items()
            if fields and (covered is ALL or fields & set(covered))
        ]

    def check_version(
        self, versions: dict[str, int | None] | None, *, deleting: bool = True
    ) -> None:
        """Before a delete (or another write that does not save the row itself): refuse when
        the row moved on since the writer saw it. The row is locked, so that nobody saves it
        between this check and the write."""
        given = {k: int(v) for k, v in (versions or {}).items() if v is not None}
        if not given:
            return
        current = (
            type(self)._base_manager.select_for_update().filter(pk=self.pk).values(*given).first()
        )
        if current is not None and any(current[k] != v for k, v in given.items()):
            self._raise_stale(given, deleting=deleting)

    def _raise_stale(self, seen: dict[str, int], *, deleting: bool = False) -> None:
        fresh = type(self)._base_manager.filter(pk=self.pk).first()
        if fresh is None:
            raise Gone
        name = next(iter(seen))
        raise StaleEdit(fresh, name, getattr(fresh, name), deleting=deleting)
