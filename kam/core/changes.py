"""The change log every timeline reads: one row per save or delete, field by field.

django-simple-history keeps a history table per model. When it writes a history record, the
receiver below writes one `Change` with the account (and plan) the row belongs to and the
fields that changed, old and new, so that the timeline of an account or a plan is one
indexed read. Models say where they belong through `account_for_rights` and
`plan_for_rights` (kam.core.rights); rows that belong to no account are not logged.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from simple_history.models import HistoricalRecords

from . import rights
from .models import Change, ChangeAction

# Never shown: identity, bookkeeping, versions and what the database computes.
HIDDEN = {"id", "created_at", "updated_at", "version", "value_version", "profile_version"}
ACTIONS = {"+": ChangeAction.CREATED, "~": ChangeAction.CHANGED, "-": ChangeAction.DELETED}


@contextmanager
def acting(user):
    """Record `user` as who made the writes inside, whichever door they came through (a page,
    admin, an import, a task, the API): the history otherwise knows only a page's signed-in
    user. The services run inside it (kam.core.services.service)."""
    if user is None or not getattr(user, "is_authenticated", False):
        yield
        return
    context = HistoricalRecords.context
    before = getattr(context, "request", None)
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if before is None:
            del context.request
        else:
            context.request = before


def plain(value: Any) -> Any:
    """A value as JSON keeps it: decimals as text, dates as ISO text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _shown_fields(model) -> list[str]:
    """What people edit: not identity, bookkeeping or versions, nor the columns the system
    computes (generated, or not editable: health, roll-ups)."""
    hidden = HIDDEN | set(getattr(model, "VERSIONS", ())) | set(getattr(model, "OFF_TIMELINE", ()))
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.name not in hidden and field.editable and not field.generated
    ]


def _where(instance) -> tuple[int, int | None] | None:
    try:
        account = instance.account_for_rights
        plan = getattr(instance, "plan_for_rights", None)
    except (AttributeError, ObjectDoesNotExist):
        return None
    if account is None or account.pk is None:
        return None
    return account.pk, getattr(plan, "pk", None)


def _changed_fields(history_instance, model) -> list[dict]:
    previous = history_instance.prev_record
    if previous is None:
        return []
    # Fields the history leaves out (excluded_fields) cannot be compared.
    kept = {field.name for field in history_instance._meta.fields}
    names = [name for name in _shown_fields(model) if name in kept]
    delta = history_instance.diff_against(previous, included_fields=names)
    return [
        {"field": change.field, "old": plain(change.old), "new": plain(change.new)}
        for change in delta.changes
    ]


def _created_fields(instance, model) -> list[dict]:
    """What a new row was given: its filled-in fields."""
    fields = []
    for name in _shown_fields(model):
        field = model._meta.get_field(name)
        value = getattr(instance, field.attname)
        if value in (None, "", False):
            continue
        fields.append({"field": name, "old": None, "new": plain(value)})
    return fields


def record_change(sender, instance, history_instance, history_user=None, **kwargs) -> None:
    """Receiver of simple_history's post_create_historical_record (connected in apps.py)."""
    where = _where(instance)
    if where is None:
        return
    model = type(instance)
    action = ACTIONS.get(history_instance.history_type, ChangeAction.CHANGED)
    if action == ChangeAction.CHANGED:
        fields = _changed_fields(history_instance, model)
        if not fields:
            return
    elif action == ChangeAction.CREATED:
        fields = _created_fields(instance, model)
    else:
        fields = []
    Change.objects.create(
        account_id=where[0],
        plan_id=where[1],
        model=model._meta.label_lower,
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        action=action,
        user_id=getattr(history_user, "pk", None),
        at=history_instance.history_date,
        fields=fields,
        manager_edit=history_instance.history_change_reason == rights.MANAGER_EDIT,
    )
