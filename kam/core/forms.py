"""Form pieces every app uses: the service-backed model form and where service errors go."""

from __future__ import annotations

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

from .models import User

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

    def _post_clean(self) -> None:
        pass

    def attach_errors(self, exc: ValidationError) -> None:
        attach_errors(self, exc)


class UserSettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["language", "digest_enabled", "email"]
