"""The timeline of an account, a plan or a stakeholder, read from the change log.

Each change (kam.core.changes) names its record by model and id and keeps raw values; here
they become what the reader knows: the kind of record and each field by its name in the
reader's language, choices by their labels, people and related records by their names
(looked up once per page), dates in the local format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kam.core.models import Change, User

PAGE_SIZE = 20
# Long texts are cut in the list; the whole text is one click away.
SHORT = 80


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    long: bool = False


@dataclass
class Entry:
    change: Change
    kind: str
    who: str
    fields: list[FieldChange] = field(default_factory=list)


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def kind_label(label: str) -> str:
    model = _model(label)
    return capfirst(str(model._meta.verbose_name)) if model else label


def _related_names(changes: list[Change]) -> dict[tuple[str, Any], str]:
    """The names of the records the changed foreign keys point at: one query per model."""
    wanted: dict[type[models.Model], set] = {}
    for change in changes:
        model = _model(change.model)
        if model is None:
            continue
        for item in change.fields:
            try:
                model_field = model._meta.get_field(item["field"])
            except FieldDoesNotExist:
                continue
            if model_field.is_relation and model_field.many_to_one:
                target = model_field.related_model
                wanted.setdefault(target, set()).update(
                    value for value in (item["old"], item["new"]) if value is not None
                )
    names = {}
    for target, ids in wanted.items():
        for pk, row in target._base_manager.in_bulk(list(ids)).items():
            names[(target._meta.label_lower, pk)] = str(row)
    return names


def _shown(model_field, value, names) -> str:
    if value is None or value == "":
        return "—"
    if model_field is None:
        return str(value)
    if model_field.is_relation:
        target = model_field.related_model._meta.label_lower
        return names.get((target, value), _("(deleted, #%(id)s)") % {"id": value})
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("Yes") if value else _("No")
    if isinstance(model_field, models.DateTimeField):
        moment = dt.datetime.fromisoformat(value)
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(model_field, models.DateField):
        return formats.date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    if isinstance(model_field, models.DecimalField):
        try:
            return formats.number_format(Decimal(value), use_l10n=True, force_grouping=True)
        except InvalidOperation:
            return str(value)
    return str(value)


def present(changes: list[Change]) -> list[Entry]:
    names = _related_names(changes)
    entries = []
    for change in changes:
        model = _model(change.model)
        entry = Entry(
            change=change,
            kind=kind_label(change.model),
            who=str(change.user) if change.user_id else _("The system"),
        )
        for item in change.fields:
            try:
                model_field = model._meta.get_field(item["field"]) if model else None
            except FieldDoesNotExist:
                model_field = None
            label = capfirst(str(model_field.verbose_name)) if model_field else item["field"]
            old, new = (
                _shown(model_field, item["old"], names),
                _shown(model_field, item["new"], names),
            )
            entry.fields.append(FieldChange(label, old, new, long=max(len(old), len(new)) > SHORT))
        entries.append(entry)
    return entries


@dataclass
class Timeline:
    page: Page
    entries: list[Entry]
    people: list[User]
    kinds: list[tuple[str, str]]
    person: str
    kind: str


def timeline(changes: QuerySet[Change], *, page: str | None, person: str, kind: str) -> Timeline:
    """A page of changes, newest first, filtered by who made them and the kind of record."""
    people = User.objects.filter(
        pk__in=changes.order_by().exclude(user=None).values("user_id").distinct()
    ).order_by("name_kana", "last_name", "first_name")
    kinds = sorted(
        (
            (label, kind_label(label))
            for label in changes.order_by().values_list("model", flat=True).distinct()
        ),
        key=lambda pair: pair[1],
    )
    filtered = changes
    if person.isdigit():
        filtered = filtered.filter(user_id=int(person))
    if kind in dict(kinds):
        filtered = filtered.filter(model=kind)
    paged = Paginator(filtered.select_related("user").order_by("-at", "-id"), PAGE_SIZE)
    current = paged.get_page(page)
    return Timeline(
        page=current,
        entries=present(list(current.object_list)),
        people=list(people),
        kinds=kinds,
        person=person,
        kind=kind,
    )
