"""Form pieces every app uses: the service-backed model form and where service errors go."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from .models import User
from .versions import StaleEdit, Versioned

# Dates as the browser's date picker sends and shows them, whatever the language.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def attach_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's refusal on the form: beside the field it names, or above the form."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.error_list)


def version_field() -> forms.IntegerField:
    """The version a form was opened at: sent back with the save (kam.core.versions)."""
    return forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class VersionForm(forms.Form):
    """A form-less write (a delete, a one-click change) that says which version it saw."""

    version = version_field()


def add_versions(form: forms.BaseForm, instance, fields) -> None:
    """Give a form over an existing row the versions of what it edits, as hidden fields."""
    if not isinstance(instance, Versioned) or instance._state.adding:
        return
    for name in instance.versions_for(fields):
        form.fields[name] = version_field()
        form.initial.setdefault(name, getattr(instance, name))


@dataclass
class Theirs:
    """One field of a stale form: what the other person saved, beside what this one typed."""

    label: str
    theirs: str
    yours: str


def shown_value(form: forms.BaseForm, name: str, value) -> str:
    """A value as the reader knows it: the choice's label, the person's name, a local date."""
    field = form.fields[name]
    if value is None or value == "":
        return "—"
    if isinstance(field, forms.ModelMultipleChoiceField):
        return ", ".join(sorted(str(item) for item in value)) or "—"
    if isinstance(field, forms.ModelChoiceField):
        return str(value)
    if isinstance(field, forms.BooleanField):
        return str(_("Yes") if value else _("No"))
    if isinstance(field, forms.ChoiceField):
        labels = {str(key): label for key, label in _flat(field.choices)}
        return str(labels.get(str(value), value))
    return str(formats.localize(value))


def _flat(choices):
    for key, label in choices:
        if isinstance(label, list | tuple):
            yield from _flat(label)
        else:
            yield key, label


def show_stale(form: forms.BaseForm, exc: StaleEdit) -> None:
    """A refused stale save: say who saved what, keep what this person typed, and move the
    form's versions on to what is stored, so that their merged save goes through."""
    form.add_error(None, exc)
    fresh = exc.instance
    if fresh is None or fresh.pk is None:
        return
    data = form.data.copy()
    rows = []
    for name, field in form.fields.items():
        if name in getattr(fresh, "VERSIONS", {}):
            data[form.add_prefix(name)] = getattr(fresh, name)
            continue
        try:
            fresh._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        stored = getattr(fresh, name)
        if isinstance(stored, models.Manager):
            stored = list(stored.all())
        typed = form.cleaned_data.get(name, form.data.get(form.add_prefix(name)))
        if isinstance(typed, models.QuerySet):
            typed = list(typed)
        theirs, yours = shown_value(form, name, stored), shown_value(form, name, typed)
        if theirs != yours:
            rows.append(Theirs(label=str(field.label), theirs=theirs, yours=yours))
    form.data = data
    form.conflict = {"who": exc.who, "when": exc.when, "rows": rows}


def ends_after_start(form: forms.BaseForm, start: str, end: str, message: str) -> dict:
    """A period's end must come after its start; the message goes beside the end."""
    data = form.cleaned_data
    if data.get(start) and data.get(end) and data[end] <= data[start]:
        form.add_error(end, message)
    return data


def error_text(form: forms.BaseForm) -> str:
    """Every message on the form in one line, for controls too small to show them beside."""
    return " ".join(str(message) for errors in form.errors.values() for message in errors)


class FieldsOnlyModelForm(forms.ModelForm):
    """A model form that leaves whole-object validation to the service.

    The service calls full_clean() before saving, and its errors are put back on the form
    with attach_errors(); validating here too would show each message twice, and would change
    the instance before the service decides. `wide_fields` take a whole row of the form grid
    (partials/form_fields.html).
    """

    wide_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        suggest_reading_of(self)
        # Range checks of the model run here too, so that every error shows at the first try
        # rather than only once the rest of the form is valid. A choice list already bounds
        # its values (and compares them as text, before they are converted).
        for name, field in self.fields.items():
            if isinstance(field, forms.ChoiceField):
                continue
            try:
                model_field = self._meta.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            field.validators.extend(
                v
                for v in getattr(model_field, "validators", [])
                if isinstance(v, MinValueValidator | MaxValueValidator)
                and v not in field.validators
            )

        add_versions(self, self.instance, self._meta.fields)

    def _post_clean(self) -> None:
        pass

    def attach_errors(self, exc: ValidationError) -> None:
        attach_errors(self, exc)


class UserSettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["language", "digest_enabled", "email"]


def suggest_reading_of(form: forms.BaseForm, source: str = "name", target: str = "name_kana"):
    """A form with a name and its reading: typing the name fills a blank reading with a
    suggestion (kam.core.readings), which stays editable; a reading already there is kept."""
    if source not in form.fields or target not in form.fields:
        return
    reading_id = form[target].auto_id
    form.fields[source].widget.attrs.update(
        {
            "hx-get": reverse("reading_suggestion"),
            "hx-trigger": "change",
            "hx-target": f"#{reading_id}",
            "hx-swap": "outerHTML",
            "hx-include": f"#{reading_id}",
            "hx-vals": json.dumps(
                {
                    "field": form.add_prefix(target),
                    "id": reading_id,
                    "source": form.add_prefix(source),
                }
            ),
        }
    )
