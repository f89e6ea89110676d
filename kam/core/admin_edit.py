"""How Django admin writes: through the same rights and versions as the pages.

`EditRulesAdmin` goes first in the bases of every ModelAdmin of a row people edit:

- the change form carries the versions it was opened at, as hidden fields; saving compares
  them under a row lock, inside the admin's transaction, so a stale save is refused on the
  form (with who saved, when, and their value beside each field that differs) and the form
  keeps what was typed, with its versions moved on so that a merged save goes through;
- saving asks kam.core.rights like a page does (`admin_act` says which act a save is), and a
  refusal shows on the form; deleting asks for the DELETE right, and the delete button only
  shows to whoever has it.

Inline rows are saved whole and do not compare versions: their own change pages do.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q

from . import rights
from .forms import shown_value, version_field
from .models import Searchable
from .text import fold
from .versions import StaleEdit, Versioned


class EditRulesForm(forms.ModelForm):
    """Base of an admin change form: versions and rights checked in clean()."""

    # Set on the class that get_form() makes for one request.
    edit_user = None
    edit_act = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.instance, Versioned) and self.instance.pk:
            for name in self.instance.VERSIONS:
                if name in self.fields:
                    self.initial.setdefault(name, getattr(self.instance, name))

    def clean(self):
        cleaned = super().clean()
        if isinstance(self.instance, Versioned) and self.instance.pk:
            self._compare_versions(self.instance, cleaned)
        return cleaned

    def _post_clean(self):
        # The rights are asked of the row as stored and as it would be saved (moved to another
        # plan, say), once the form has put the typed values on it.
        stored = None
        if self.instance.pk:
            stored = type(self.instance)._base_manager.filter(pk=self.instance.pk).first()
        super()._post_clean()
        user, act = self.edit_user, self.edit_act
        if user is None or act is None or self.errors:
            return
        acts = act(self) if callable(act) else act
        for act in (acts,) if isinstance(acts, rights.Act) else acts:
            for row in (stored, self.instance):
                try:
                    reason = None if row is None else rights.refusal(user, act, row)
                except AttributeError:
                    # Not placed yet (its plan or account was not chosen): the form says so.
                    continue
                if reason is not None:
                    self.add_error(None, ValidationError(reason, code="refused"))
                    return

    def _compare_versions(self, instance: Versioned, cleaned: dict) -> None:
        names = [n for n in instance.VERSIONS if n in self.fields]
        seen = {n: cleaned.get(n) for n in names if cleaned.get(n) is not None}
        if not seen:
            return
        # Locked until the admin's transaction ends, so nobody saves between here and there.
        current = (
            type(instance)._base_manager.select_for_update().filter(pk=instance.pk).values(*seen)
        ).first()
        if current is None or all(current[n] == v for n, v in seen.items()):
            return
        fresh = type(instance)._base_manager.get(pk=instance.pk)
        stale = StaleEdit(fresh, next(iter(seen)), current[next(iter(seen))])
        data = self.data.copy()
        for name in names:
            data[self.add_prefix(name)] = getattr(fresh, name)
        for name in self.fields:
            if name in names or name not in self.changed_data:
                continue
            try:
                stored = getattr(fresh, name)
            except (AttributeError, ValueError):
                continue
            if isinstance(stored, models.Manager):
                stored = list(stored.all())
            theirs = shown_value(self, name, stored)
            if theirs != shown_value(self, name, cleaned.get(name)):
                self.add_error(name, ValidationError(_saved_by(stale, theirs), code="stale"))
        self.data = data
        raise stale


def _saved_by(stale: StaleEdit, value: str) -> str:
    from django.utils.translation import gettext as _

    who = stale.who if stale.who is not None else _("Someone else")
    return _("%(who)s saved: %(value)s") % {"who": who, "value": value}


def _without(fields, names) -> tuple:
    """A fieldset's fields (names, or tuples of names on one line) without `names`."""
    kept = []
    for field in fields:
        if isinstance(field, list | tuple):
            line = tuple(f for f in field if f not in names)
            if line:
                kept.append(line)
        elif field not in names:
            kept.append(field)
    return tuple(kept)


def edit_rules_form(model: type[models.Model], base: type[forms.ModelForm]) -> type:
    """The admin's form class for a model, with a hidden field for each of its versions."""
    attrs = {}
    if issubclass(model, Versioned):
        attrs = {name: version_field() for name in model.VERSIONS}
    bases = (base,) if issubclass(base, EditRulesForm) else (EditRulesForm, base)
    return type(f"{model.__name__}EditRulesForm", bases, attrs)


class EditRulesAdmin:
    """Mix in first: the change form compares versions and asks the rights."""

    # What deleting a row is in the rights table (deleting a plan is a manager's act).
    delete_act = rights.Act.DELETE

    def get_search_results(self, request, queryset, search_term):
        """The admin's search also finds names as people type them (kam.core.text.fold):
        しののめ or ｼﾉﾉﾒ finds 東雲精機 by its reading, wherever a search field names a
        searchable record's name or reading."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        folded = fold(search_term)
        paths = _folded_paths(self.model, getattr(self, "search_fields", ()))
        if folded and paths:
            matches = Q()
            for path in paths:
                matches |= Q(**{f"{path}__contains": folded})
            found = found | queryset.filter(matches)
        return found, duplicates

    def admin_act(self, form: forms.ModelForm) -> rights.Act | tuple[rights.Act, ...]:
        """Which act (or acts) a save is; the plan and account admins tell a manager's acts
        apart (kam.core.rights.steward_acts)."""
        return rights.Act.EDIT

    def _versions(self) -> tuple[str, ...]:
        return tuple(getattr(self.model, "VERSIONS", ()))

    def get_queryset(self, request):
        # Admin lists and change pages show what the pages would: another rep's accounts do
        # not exist for a staff rep here either.
        queryset = super().get_queryset(request)
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(request.user)
        return queryset

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = edit_rules_form(self.model, kwargs.get("form", self.form))
        # The versions are the form's own fields; the model's are not editable, and naming
        # them to the model form factory would be refused.
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:
            kwargs["fields"] = [f for f in kwargs["fields"] if f not in self._versions()]
        form = super().get_form(request, obj, change=change, **kwargs)
        form.edit_user = request.user
        form.edit_act = staticmethod(self.admin_act)
        return form

    def get_fieldsets(self, request, obj=None):
        versions = self._versions()
        fieldsets = [
            (name, {**options, "fields": _without(options["fields"], versions)})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if obj is not None and versions:
            # Hidden, and sent back with the save (the admin's stylesheet hides .hidden).
            fieldsets.append((None, {"fields": versions, "classes": ("hidden",)}))
        return fieldsets

    def save_model(self, request, obj, form, change):
        if change and isinstance(obj, Versioned):
            obj.expect({name: form.cleaned_data.get(name) for name in obj.VERSIONS})
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None or not hasattr(obj, "account_for_rights"):
            return allowed
        return rights.allowed(request.user, self.delete_act, obj)

    def delete_model(self, request, obj):
        if hasattr(obj, "account_for_rights"):
            rights.require(request.user, self.delete_act, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            if hasattr(obj, "account_for_rights"):
                rights.require(request.user, self.delete_act, obj)
        super().delete_queryset(request, queryset)


def _folded_paths(model, search_fields) -> list[str]:
    """The search_key paths behind search fields that name a searchable record's name."""
    paths = set()
    for entry in search_fields:
        parts = entry.lstrip("^=@").split("__")
        target = model
        try:
            for part in parts[:-1]:
                target = target._meta.get_field(part).related_model
        except (FieldDoesNotExist, AttributeError):
            continue
        if target is not None and issubclass(target, Searchable) and parts[-1] in target.SEARCHED:
            paths.add("__".join([*parts[:-1], "search_key"]))
    return sorted(paths)
