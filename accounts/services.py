"""Writes to key accounts. Views, forms, admin, API and tasks all go through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from kam.core.models import User
from stakeholders.models import Stakeholder

from .health import refresh_health
from .models import (
    Account,
    AccountStatus,
    AccountTeamMember,
    Contract,
    ContractStatus,
    Industry,
    Meeting,
    MeetingKind,
    Opportunity,
    OpportunityKind,
    OpportunityStage,
    Tier,
)

# What people type about an account: the facts, then the five investment scores.
ACCOUNT_FACT_FIELDS = (
    "name",
    "name_kana",
    "industry",
    "website",
    "headquarters",
    "annual_revenue",
    "revenue_currency",
    "employees",
    "tier",
    "status",
    "owner",
    "description",
)
ACCOUNT_SCORE_FIELDS = (
    "score_revenue_size",
    "score_industry_position",
    "score_growth_rate",
    "score_fit",
    "score_relationship",
)
ACCOUNT_EDITABLE_FIELDS = (*ACCOUNT_FACT_FIELDS, *ACCOUNT_SCORE_FIELDS)


def _check_owner(*, user: User, owner: User, current_owner_id: int | None) -> None:
    if not owner.is_active and owner.pk != current_owner_id:
        raise ValidationError({"owner": _("%(name)s can no longer sign in.") % {"name": owner}})
    if user.sees_whole_portfolio:
        return
    allowed = current_owner_id if current_owner_id is not None else user.pk
    if owner.pk != allowed:
        raise ValidationError(
            {
                "owner": _("Only a manager can make someone else the owner of an account.")
                if current_owner_id is None
                else _("Only a manager can hand an account over to another owner.")
            }
        )


@transaction.atomic
def account_create(
    *,
    user: User,
    owner: User,
    name: str,
    name_kana: str = "",
    industry: str = Industry.OTHER,
    website: str = "",
    headquarters: str = "",
    annual_revenue: Decimal | None = None,
    revenue_currency: str = "",
    employees: int | None = None,
    tier: str = Tier.KEY,
    status: str = AccountStatus.ACTIVE,
    description: str = "",
    score_revenue_size: int = 3,
    score_industry_position: int = 3,
    score_growth_rate: int = 3,
    score_fit: int = 3,
    score_relationship: int = 3,
) -> Account:
    """Add a key account. A rep owns what they create; a manager may name any active owner."""
    _check_owner(user=user, owner=owner, current_owner_id=None)
    account = Account(
        owner=owner,
        name=name.strip(),
        name_kana=name_kana.strip(),
        industry=industry,
        website=website,
        headquarters=headquarters,
        annual_revenue=annual_revenue,
        revenue_currency=(revenue_currency or settings.DEFAULT_CURRENCY).upper(),
        employees=employees,
        tier=tier,
        status=status,
        description=description,
        score_revenue_size=score_revenue_size,
        score_industry_position=score_industry_position,
        score_growth_rate=score_growth_rate,
        score_fit=score_fit,
        score_relationship=score_relationship,
    )
    account.full_clean()
    account.save()
    # A new account is scored now rather than at the nightly refresh, so it never shows
    # on the dashboard as "no health score yet".
    refresh_health(timezone.localdate(), Account.objects.filter(pk=account.pk))
    # Priority score, quadrant and health are computed by the database.
    account.refresh_from_db()
    return account


@transaction.atomic
def account_update(*, account: Account, user: User, data: Mapping[str, Any]) -> Account:
    """Change the facts or the investment scores of an account."""
    unknown = set(data) - set(ACCOUNT_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable on an account: {sorted(unknown)}")
    current_owner_id = (
        Account.objects.select_for_update().values_list("owner_id", flat=True).get(pk=account.pk)
    )
    if "owner" in data:
        _check_owner(user=user, owner=data["owner"], current_owner_id=current_owner_id)
    for field, value in data.items():
        setattr(account, field, value)
    if "name" in data:
        account.name = account.name.strip()
    if "revenue_currency" in data:
        account.revenue_currency = (account.revenue_currency or "").upper()
    account.full_clean()
    account.save()
    account.refresh_from_db()
    return account


@transaction.atomic
def team_member_add(*, account: Account, member: User, role: str) -> AccountTeamMember:
    """Put a colleague on the account team; they see and work on the account from then on."""
    if not member.is_active:
        raise ValidationError({"user": _("%(name)s can no longer sign in.") % {"name": member}})
    if AccountTeamMember.objects.filter(account=account, user=member).exists():
        raise ValidationError(
            {"user": _("%(name)s is already on the account team.") % {"name": member}}
        )
    team_member = AccountTeamMember(account=account, user=member, role=role)
    team_member.full_clean()
    team_member.save()
    return team_member


@transaction.atomic
def team_member_remove(*, team_member: AccountTeamMember) -> None:
    """Take a colleague off the team. The owner keeps the account whatever the team is."""
    team_member.delete()


@transaction.atomic
def contract_create(
    *,
    account: Account,
    number: str,
    title: str,
    start_date: dt.date,
    end_date: dt.date,
    annual_value: Decimal,
    currency: str = "",
    auto_renew: bool = False,
    notice_period_days: int = 90,
    status: str = ContractStatus.ACTIVE,
    next_price_review_date: dt.date | None = None,
    sla_terms: str = "",
) -> Contract:
    """Record a contract with the account; its renewal deadline follows from the dates."""
    number = number.strip()
    # The check constraints are the last word; asking first puts a readable message on the
    # field that is wrong instead of naming a constraint.
    if start_date and end_date and end_date <= start_date:
        raise ValidationError({"end_date": _("The end date must be after the start date.")})
    if number and Contract.objects.filter(number=number).exists():
        raise ValidationError({"number": _("A contract with this number already exists.")})
    contract = Contract(
        account=account,
        number=number,
        title=title.strip(),
        start_date=start_date,
        end_date=end_date,
        annual_value=annual_value,
        currency=(currency or settings.DEFAULT_CURRENCY).upper(),
        auto_renew=auto_renew,
        notice_period_days=notice_period_days,
        status=status,
        next_price_review_date=next_price_review_date,
        sla_terms=sla_terms,
    )
    contract.full_clean()
    contract.save()
    contract.refresh_from_db()
    return contract


@transaction.atomic
def opportunity_create(
    *,
    account: Account,
    owner: User,
    title: str,
    amount: Decimal,
    expected_close_date: dt.date,
    kind: str = OpportunityKind.UPSELL,
    stage: str = OpportunityStage.LEAD,
    currency: str = "",
    notes: str = "",
) -> Opportunity:
    opportunity = Opportunity(
        account=account,
        owner=owner,
        title=title.strip(),
        kind=kind,
        stage=stage,
        amount=amount,
        currency=(currency or settings.DEFAULT_CURRENCY).upper(),
        expected_close_date=expected_close_date,
        notes=notes,
    )
    opportunity.full_clean()
    opportunity.save()
    return opportunity


@transaction.atomic
def opportunity_set_stage(*, opportunity: Opportunity, stage: str) -> Opportunity:
    opportunity.stage = stage
    opportunity.full_clean()
    opportunity.save(update_fields=["stage", "updated_at"])
    return opportunity


@transaction.atomic
def meeting_record(
    *,
    account: Account,
    recorded_by: User,
    held_at: dt.datetime,
    subject: str,
    kind: str = MeetingKind.MEETING,
    stakeholders: Iterable[Stakeholder] = (),
    attendees: Iterable[User] = (),
    notes: str = "",
    next_steps: str = "",
) -> Meeting:
    """Log a meeting; the customer attendees' last contact moves to its date when later."""
    stakeholders = list(stakeholders)
    attendees = list(attendees)
    strangers = [s for s in stakeholders if s.account_id != account.pk]
    if strangers:
        raise ValidationError(
            {
                "stakeholders": _("%(names)s do not work at this customer.")
                % {"names": ", ".join(str(s) for s in strangers)}
            }
        )
    meeting = Meeting(
        account=account,
        recorded_by=recorded_by,
        held_at=held_at,
        kind=kind,
        subject=subject.strip(),
        notes=notes,
        next_steps=next_steps,
    )
    meeting.full_clean()
    meeting.save()
    meeting.stakeholders.set(stakeholders)
    meeting.attendees.set(attendees)
    if stakeholders:
        day = timezone.localdate(held_at) if timezone.is_aware(held_at) else held_at.date()
        behind = list(
            Stakeholder.objects.filter(pk__in=[s.pk for s in stakeholders]).filter(
                Q(last_contacted_on__isnull=True) | Q(last_contacted_on__lt=day)
            )
        )
        for person in behind:
            person.last_contacted_on = day
        # Through the history, so the stakeholder's record shows when contact was logged.
        if behind:
            bulk_update_with_history(
                behind, Stakeholder, ["last_contacted_on"], default_user=recorded_by
            )
    return meeting
