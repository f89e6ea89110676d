"""Writes to the customer's people and to the engagement strategies of account plans.

Views, forms, admin, API and tasks all go through here; `full_clean()` runs the model's own
checks (the manager at the same customer, no circle in the org chart) before anything is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.duplicates import DUPLICATE_FIELD
from accounts.models import Account
from kam.core import rights
from kam.core.models import Change, User
from kam.core.services import delete_checked, save_fields, service
from plans import reviews
from plans.models import AccountPlan, Comment, CommentOn

from . import selectors
from .models import Stakeholder, StakeholderEngagement

STAKEHOLDER_FIELDS = (
    "name",
    "name_kana",
    "title",
    "department",
    "email",
    "phone",
    "reports_to",
    "buying_role",
    "influence",
    "attitude",
    "relationship_strength",
    "relationship_owner",
    "last_contacted_on",
    "is_active",
    "notes",
)
ENGAGEMENT_FIELDS = ("desired_attitude", "owner", "approach")
# The colleague who holds the relationship with the person.
PEOPLE = ("relationship_owner",)


@service
def stakeholder_create(*, account: Account, data: Mapping[str, Any], user: User) -> Stakeholder:
    """Add a person to the account. Someone who may already be there (the same name in any
    shape, or the same e-mail) is named, and added only once the person confirms."""
    data = dict(data)
    if not data.pop("confirm_duplicates", False):
        found = list(
            selectors.stakeholder_duplicates(
                account=account, name=data.get("name", ""), email=data.get("email", "")
            )[:5]
        )
        if found:
            people = "、".join(
                f"{person.name}（{person.title}）" if person.title else person.name
                for person in found
            )
            raise ValidationError(
                {
                    DUPLICATE_FIELD: _(
                        "Possibly already on this account: %(people)s. Tick the box to add "
                        "this person all the same."
                    )
                    % {"people": people}
                }
            )
    return save_fields(
        Stakeholder(account=account), data, STAKEHOLDER_FIELDS, user=user, people=PEOPLE
    )


@service
def stakeholder_update(
    *, stakeholder: Stakeholder, data: Mapping[str, Any], user: User
) -> Stakeholder:
    # One chart edit per customer at a time: two people each moving someone under the other
    # would pass the circle check separately and build a circle together.
    Account.objects.select_for_update().filter(pk=stakeholder.account_id).first()
    return save_fields(stakeholder, data, STAKEHOLDER_FIELDS, user=user, people=PEOPLE)


@service
def stakeholder_delete(*, stakeholder: Stakeholder, user: User, version: int | None = None) -> None:
    """Their reports move to the top of the chart; their engagement strategies go with them."""
    delete_checked(stakeholder, user=user, version=version)


@service
def engagement_create(
    *, plan: AccountPlan, stakeholder: Stakeholder | None, data: Mapping[str, Any], user: User
) -> StakeholderEngagement:
    engagement = StakeholderEngagement(plan=plan, stakeholder=stakeholder)
    return save_fields(engagement, data, ENGAGEMENT_FIELDS, user=user, people=("owner",))


@service
def engagement_update(
    *, engagement: StakeholderEngagement, data: Mapping[str, Any], user: User
) -> StakeholderEngagement:
    return save_fields(engagement, data, ENGAGEMENT_FIELDS, user=user, people=("owner",))


@service
def engagement_delete(
    *, engagement: StakeholderEngagement, user: User, version: int | None = None
) -> None:
    delete_checked(engagement, user=user, version=version)


# Erasure on request (APPI): what identifies the person goes, from the row, its history and
# every review snapshot; their role, attitude and influence stay as facts about the account.
ERASED_NAME = "—"
PERSONAL_FIELDS = ("name_kana", "title", "department", "email", "phone", "notes")


@service
def stakeholder_erase(*, stakeholder: Stakeholder, user: User) -> Stakeholder:
    """Erase a stakeholder's personal data on their request: a manager's act (docs/privacy.md).

    The row keeps its place on the power map under a blank name; its history and its entries
    in the change log are deleted (they hold the old values) and the review snapshots that name
    them are replaced by redacted copies (plans.reviews.redact_stakeholder).
    """
    rights.require(user, rights.Act.STEWARD, stakeholder)
    stakeholder.name = ERASED_NAME
    for name in PERSONAL_FIELDS:
        setattr(stakeholder, name, "")
    # The version moves on, so that a form opened before cannot save the old name back.
    stakeholder.refresh_search_key()
    Stakeholder.objects.filter(pk=stakeholder.pk).update(
        name=ERASED_NAME,
        version=F("version") + 1,
        search_key=stakeholder.search_key,
        **dict.fromkeys(PERSONAL_FIELDS, ""),
    )
    stakeholder.history.all().delete()
    # The timeline's copies of the old values go too; their engagements lose the name.
    Change.objects.filter(model=Stakeholder._meta.label_lower, object_id=stakeholder.pk).delete()
    engagements = StakeholderEngagement.objects.filter(stakeholder=stakeholder).values("pk")
    Change.objects.filter(
        model=StakeholderEngagement._meta.label_lower, object_id__in=engagements
    ).update(object_repr=ERASED_NAME)
    # Comment threads about an engagement carry the person's name as their subject.
    threads = Comment.objects.filter(on=CommentOn.ENGAGEMENT, on_id__in=engagements)
    thread_ids = list(threads.values_list("pk", flat=True))
    threads.update(on_label=ERASED_NAME)
    Comment.history.filter(id__in=thread_ids).update(on_label=ERASED_NAME)
    for change in Change.objects.filter(model=Comment._meta.label_lower, object_id__in=thread_ids):
        change.object_repr = ERASED_NAME
        change.fields = [
            {**item, "old": None, "new": ERASED_NAME} if item["field"] == "on_label" else item
            for item in change.fields
        ]
        change.save(update_fields=["object_repr", "fields"])
    reviews.redact_stakeholder(stakeholder.pk, stakeholder.account_id)
    return stakeholder
