"""Forms of the plan pages. They check the fields; the services check the whole object."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from kam.core.forms import DATE, FieldsOnlyModelForm, VersionForm, ends_after_start, version_field

from .models import COMMENT_MAX_LENGTH, AccountPlan, CommentOn, CustomerNeed, Goal, PlanStatus
from .services import (
    GOAL_FIELDS,
    NEED_FIELDS,
    PLAN_BASIC_FIELDS,
    PLAN_PROFILE_FIELDS,
    PLAN_VALUE_FIELDS,
)


def _short(day) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


class PlanForm(FieldsOnlyModelForm):
    wide_fields = ("title",)

    class Meta:
        model = AccountPlan
        fields = list(PLAN_BASIC_FIELDS)
        widgets = {"period_start": DATE, "period_end": DATE, "next_review_date": DATE}
        help_texts = {
            "next_review_date": _("Leave empty to review one cadence from today."),
            "status": _("An account can have one active plan at a time."),
        }
        error_messages = {"title": {"required": _("Give the plan a title.")}}

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if owners is not None:
            self.fields["owner"].queryset = owners
        self.fields["owner"].empty_label = None

    def clean(self):
        super().clean()
        message = _("The period must end after it starts.")
        return ends_after_start(self, "period_start", "period_end", message)


class PlanEditForm(PlanForm):
    """The basics of an existing plan; its status has its own control on the page."""

    class Meta(PlanForm.Meta):
        fields = [f for f in PlanForm.Meta.fields if f != "status"]


class PlanStatusForm(VersionForm):
    status = forms.ChoiceField(label=_("Status"), choices=PlanStatus.choices)


class ValuePropositionForm(FieldsOnlyModelForm):
    class Meta:
        model = AccountPlan
        fields = list(PLAN_VALUE_FIELDS)
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in fields}


class CustomerProfileForm(FieldsOnlyModelForm):
    class Meta:
        model = AccountPlan
        fields = list(PLAN_PROFILE_FIELDS)
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in fields}


class ReviewForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What went well, what did not, what changed at the customer."),
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the team agreed to change in the plan."),
    )


class NeedForm(FieldsOnlyModelForm):
    wide_fields = ("title", "description", "root_cause")

    class Meta:
        model = CustomerNeed
        fields = list(NEED_FIELDS)
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "root_cause": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "title": {"required": _("Say in a few words what the customer needs.")},
        }


class GoalForm(FieldsOnlyModelForm):
    """A SMART goal, letter by letter; the template groups the fields under each letter."""

    SMART_GROUPS = (
        ("S", _("Specific"), ("statement", "category")),
        ("M", _("Measurable"), ("metric", "unit", "baseline", "target", "current_value")),
        ("A", _("Achievable"), ("achievable_because",)),
        ("R", _("Relevant"), ("need",)),
        ("T", _("Time-bound"), ("due_date", "status")),
    )

    class Meta:
        model = Goal
        fields = list(GOAL_FIELDS)
        widgets = {
            "achievable_because": forms.Textarea(attrs={"rows": 2}),
            "due_date": DATE,
        }
        help_texts = {
            "unit": _("e.g. JPY, deals, points, %."),
            "baseline": _("Where it stands today."),
            "target": _("The value that means the goal is met."),
            "current_value": _("The latest known value; progress is measured from it."),
            "need": _("The customer need this goal answers."),
        }
        error_messages = {
            "statement": {"required": _("State what exactly will be achieved.")},
            "metric": {"required": _("Say what will be measured, e.g. annual order value.")},
            "target": {"required": _("A SMART goal needs a measurable target.")},
            "achievable_because": {
                "required": _("Say why the target is realistic: resources, past results.")
            },
            "due_date": {"required": _("A SMART goal needs a due date.")},
        }

    def __init__(self, *args, plan: AccountPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        needs = CustomerNeed.objects.filter(plan=plan).order_by("priority", "id")
        self.fields["need"].queryset = needs
        self.fields["need"].empty_label = _("Not linked to a need")
        if not needs.exists():
            self.fields["need"].help_text = _(
                "No customer needs recorded yet: add them above, then link the goal."
            )
        self.fields["due_date"].help_text = _("Inside the plan period: %(start)s to %(end)s.") % {
            "start": _short(plan.period_start),
            "end": _short(plan.period_end),
        }

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        plan = self.plan
        if due and not plan.period_start <= due <= plan.period_end:
            # Same wording as Goal.clean, with the dates in the reader's format.
            raise ValidationError(
                _("The due date must fall inside the plan period (%(start)s to %(end)s).")
                % {"start": _short(plan.period_start), "end": _short(plan.period_end)}
            )
        return due

    def clean(self):
        data = super().clean()
        target, baseline = data.get("target"), data.get("baseline")
        if target is not None and baseline is not None and target == baseline:
            self.add_error("target", _("The target must differ from the baseline."))
        return data

    def groups(self):
        """(letter, name, bound fields) for the template."""
        return [
            (letter, name, [self[f] for f in names]) for letter, name, names in self.SMART_GROUPS
        ]


class CopyForwardForm(VersionForm):
    """The new period's plan: its title, period and owner; the rest comes from the old one."""

    title = forms.CharField(
        label=_("Plan title"),
        max_length=200,
        error_messages={"required": _("Give the plan a title.")},
    )
    period_start = forms.DateField(label=_("Period start"), widget=DATE)
    period_end = forms.DateField(label=_("Period end"), widget=DATE)
    owner = forms.ModelChoiceField(label=_("Plan owner"), queryset=None, empty_label=None)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners

    def clean(self):
        super().clean()
        message = _("The period must end after it starts.")
        return ends_after_start(self, "period_start", "period_end", message)


class SignOffForm(forms.Form):
    """A manager's answer to a submitted review: approve it, or ask for changes (say which)."""

    APPROVE = "approve"
    CHANGES = "changes"

    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Approve")), (CHANGES, _("Ask for changes"))],
        widget=forms.HiddenInput,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when asking for changes: say what should change."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.CHANGES and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what should change."))
        return data


class CommentForm(forms.Form):
    """A comment or a reply: plain text, line breaks and links kept, @ to mention."""

    body = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "data-mentions": "1"}),
    )


class CommentStartForm(CommentForm):
    """A new thread; on a plan, about the plan or one of its items."""

    about = forms.ChoiceField(label=_("About"), required=False)

    def __init__(self, *args, subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        if subjects is None:
            del self.fields["about"]
            return
        self.fields["about"].required = True
        self.fields["about"].choices = subject_choices(subjects)


class CommentEditForm(CommentForm):
    version = version_field()


def subject_choices(subjects) -> list:
    """The plan first, then its items grouped by kind (an optgroup each)."""
    groups: dict[str, list] = {}
    choices: list = []
    for subject in subjects:
        key = f"{subject.on}:{subject.on_id}"
        if subject.on == CommentOn.PLAN:
            choices.append((key, _("The plan as a whole")))
        else:
            groups.setdefault(CommentOn(subject.on).label, []).append(
                (key, Truncator(subject.label).chars(60))
            )
    return choices + [(str(label).capitalize(), items) for label, items in groups.items()]
