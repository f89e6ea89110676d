"""Writes to the customer's people and to the engagement strategies of account plans.

Views, forms, admin, API and tasks all go through here; `full_clean()` runs the model's own
checks (the manager at the same customer, no circle in the org chart) before anything is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from accounts.models import Account
from kam.core.models import User
from kam.core.services import delete_checked, save_fields
from plans.models import AccountPlan

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


@transaction.atomic
def stakeholder_create(*, account: Account, data: Mapping[str, Any], user: User) -> Stakeholder:
    return save_fields(
        Stakeholder(account=account), data, STAKEHOLDER_FIELDS, user=user, people=PEOPLE
    )


@transaction.atomic
def stakeholder_update(
    *, stakeholder: Stakeholder, data: Mapping[str, Any], user: User
) -> Stakeholder:
    # One chart edit per customer at a time: two people each moving someone under the other
    # would pass the circle check separately and build a circle together.
    Account.objects.select_for_update().filter(pk=stakeholder.account_id).first()
    return save_fields(stakeholder, data, STAKEHOLDER_FIELDS, user=user, people=PEOPLE)


@transaction.atomic
def stakeholder_delete(*, stakeholder: Stakeholder, user: User, version: int | None = None) -> None:
    """Their reports move to the top of the chart; their engagement strategies go with them."""
    delete_checked(stakeholder, user=user, version=version)


@transaction.atomic
def engagement_create(
    *, plan: AccountPlan, stakeholder: Stakeholder | None, data: Mapping[str, Any], user: User
) -> StakeholderEngagement:
    engagement = StakeholderEngagement(plan=plan, stakeholder=stakeholder)
    return save_fields(engagement, data, ENGAGEMENT_FIELDS, user=user, people=("owner",))


@transaction.atomic
def engagement_update(
    *, engagement: StakeholderEngagement, data: Mapping[str, Any], user: User
) -> StakeholderEngagement:
    return save_fields(engagement, data, ENGAGEMENT_FIELDS, user=user, people=("owner",))


@transaction.atomic
def engagement_delete(
    *, engagement: StakeholderEngagement, user: User, version: int | None = None
) -> None:
    delete_checked(engagement, user=user, version=version)
