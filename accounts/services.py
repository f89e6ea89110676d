"""Writes to key accounts. Views, forms, admin, API and tasks all go through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from kam.core import rights
from kam.core.models import User
from kam.core.services import assign_fields, delete_checked, save_fields, service, split_versions
from stakeholders.models import Stakeholder

from . import duplicates
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
    "corporate_number",
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


def _check_new_owner(*, user: User, owner: User) -> None:
    rights.check_assignable(owner, field="owner")
    if owner.pk != user.pk and not user.sees_whole_portfolio:
        raise ValidationError(
            {"owner": _("Only a manager can make someone else the owner of an account.")}
        )


@service
def account_create(
    *,
    user: User,
    owner: User,
    name: str,
    name_kana: str = "",
    industry: str = Industry.OTHER,
    website: str = "",
    corporate_number: str = "",
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
    confirm_duplicates: bool = False,
) -> Account:
    """Add a key account. A rep owns what they create; a manager may name any active owner.
    An account that may already exist (accounts.duplicates) is created only once the person
    has seen the others and confirmed."""
    _check_new_owner(user=user, owner=owner)
    duplicates.refuse_unseen_duplicates(
        duplicates.account_duplicates(
            name=name, website=website, corporate_number=corporate_number
        ),
        confirmed=confirm_duplicates,
    )
    account = Account(
        owner=owner,
        name=name.strip(),
        name_kana=name_kana.strip(),
        industry=industry,
        website=website,
        corporate_number=corporate_number,
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


@service
def account_update(*, account: Account, user: User, data: Mapping[str, Any]) -> Account:
    """Change the facts or the investment scores of an account; handing it to another owner is
    a manager's act, and takes the new owner off the team (an owner is never on it)."""
    data, versions = split_versions(account, data)
    rights.require(user, rights.Act.EDIT, account)
    new_owner = data.get("owner")
    handed_over = new_owner is not None and new_owner.pk != account.owner_id
    if handed_over:
        if not user.sees_whole_portfolio:
            raise ValidationError(
                {"owner": _("Only a manager can hand an account over to another owner.")}
            )
        rights.require(user, rights.Act.STEWARD, account)
        rights.check_assignable(new_owner, field="owner")
    assign_fields(account, data, ACCOUNT_EDITABLE_FIELDS)
    if "name" in data:
        account.name = account.name.strip()
    if "revenue_currency" in data:
        account.revenue_currency = (account.revenue_currency or "").upper()
    account.full_clean()
    account.expect(versions).save(update_fields=[*data, "updated_at"])
    if handed_over:
        AccountTeamMember.objects.filter(account=account, user=new_owner).delete()
        rights.forget(user)
    account.refresh_from_db()
    return account


@service
def team_member_add(*, account: Account, member: User, role: str, user: User) -> AccountTeamMember:
    """Put a colleague on the account team; they see and work on the account from then on."""
    rights.require(user, rights.Act.TEAM, account)
    rights.check_assignable(member, field="user")
    if member.pk == account.owner_id:
        raise ValidationError(
            {"user": _("%(name)s owns the account and is not on its team.") % {"name": member}}
        )
    already = _("%(name)s is already on the account team.") % {"name": member}
    if AccountTeamMember.objects.filter(account=account, user=member).exists():
        raise ValidationError({"user": already})
    team_member = AccountTeamMember(account=account, user=member, role=role)
    team_member.full_clean()
    try:
        # Two people adding the same colleague at once: the unique key decides.
        with transaction.atomic():
            team_member.save()
    except IntegrityError:
        raise ValidationError({"user": already}) from None
    return team_member


@service
def team_member_remove(*, account: Account, member: User, user: User) -> bool:
    """Take a colleague off the team. The owner keeps the account whatever the team is.

    Removing someone already off the team (a colleague did it a moment ago) changes nothing
    and says so: False.
    """
    rights.require(user, rights.Act.TEAM, account)
    row = AccountTeamMember.objects.select_for_update().filter(account=account, user=member).first()
    if row is None:
        return False
    row.delete()
    rights.forget(user)
    return True


@service
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
    user: User,
) -> Contract:
    """Record a contract with the account; its renewal deadline follows from the dates."""
    rights.require(user, rights.Act.EDIT, account)
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


@service
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
    user: User,
) -> Opportunity:
    rights.require(user, rights.Act.EDIT, account)
    rights.check_assignable(owner, field="owner")
    opportunity = Opportunity(
        created_by=user,
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


@service
def opportunity_set_stage(
    *, opportunity: Opportunity, stage: str, user: User, version: int | None = None
) -> Opportunity:
    rights.require(user, rights.Act.EDIT, opportunity)
    opportunity.stage = stage
    opportunity.full_clean()
    opportunity.expect({"version": version}).save(update_fields=["stage", "updated_at"])
    return opportunity


@service
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
    rights.require(recorded_by, rights.Act.EDIT, account)
    stakeholders = list(stakeholders)
    attendees = list(attendees)
    _check_meeting_people(account, stakeholders, attendees)
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
    _touch_last_contact(stakeholders, held_at, by=recorded_by)
    return meeting


def _check_meeting_people(account: Account, stakeholders, attendees, keep=()) -> None:
    for person in attendees:
        if person.pk not in keep:
            rights.check_assignable(person, field="attendees")
    strangers = [s for s in stakeholders if s.account_id != account.pk]
    if strangers:
        raise ValidationError(
            {
                "stakeholders": _("%(names)s do not work at this customer.")
                % {"names": ", ".join(str(s) for s in strangers)}
            }
        )


def _touch_last_contact(stakeholders, held_at: dt.datetime, *, by: User) -> None:
    """The customer attendees' last contact moves to the meeting's day when that is later.

    A derived write: it does not move the stakeholders' versions, so nobody's open form of
    the person goes stale because a meeting was logged.
    """
    if not stakeholders:
        return
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
        bulk_update_with_history(behind, Stakeholder, ["last_contacted_on"], default_user=by)


MEETING_FIELDS = ("held_at", "kind", "subject", "notes", "next_steps")


@service
def meeting_update(*, meeting: Meeting, data: Mapping[str, Any], user: User) -> Meeting:
    """Correct a logged meeting: when, what, who was there, and what happens next."""
    data, versions = split_versions(meeting, data)
    data = dict(data)
    rights.require(user, rights.Act.EDIT, meeting)
    stakeholders = data.pop("stakeholders", None)
    attendees = data.pop("attendees", None)
    keep = set(meeting.attendees.values_list("pk", flat=True))
    _check_meeting_people(meeting.account, stakeholders or (), attendees or (), keep)
    assign_fields(meeting, data, MEETING_FIELDS)
    if "subject" in data:
        meeting.subject = meeting.subject.strip()
    meeting.full_clean()
    fields = list(data)
    if stakeholders is not None or attendees is not None:
        # Who was there is part of the meeting's version: compare it even when only the
        # people changed.
        fields = fields or ["subject"]
    meeting.expect(versions).save(update_fields=[*fields, "updated_at"])
    if stakeholders is not None:
        meeting.stakeholders.set(stakeholders)
        _touch_last_contact(list(stakeholders), meeting.held_at, by=user)
    if attendees is not None:
        meeting.attendees.set(attendees)
    return meeting


@service
def meeting_delete(*, meeting: Meeting, user: User, version: int | None = None) -> None:
    delete_checked(meeting, user=user, version=version)


OPPORTUNITY_FIELDS = (
    "title",
    "kind",
    "stage",
    "amount",
    "currency",
    "expected_close_date",
    "owner",
    "notes",
)


@service
def opportunity_update(
    *, opportunity: Opportunity, data: Mapping[str, Any], user: User
) -> Opportunity:
    data = dict(data)
    if "title" in data:
        data["title"] = data["title"].strip()
    if "currency" in data:
        data["currency"] = (data["currency"] or settings.DEFAULT_CURRENCY).upper()
    return save_fields(opportunity, data, OPPORTUNITY_FIELDS, user=user, people=("owner",))


@service
def opportunity_delete(*, opportunity: Opportunity, user: User, version: int | None = None) -> None:
    delete_checked(opportunity, user=user, version=version)


# What an edit of a contract may change. Its status moves through the renewal actions
# (accounts.renewals), and a finished price review has its own record below.
CONTRACT_FIELDS = (
    "number",
    "title",
    "start_date",
    "end_date",
    "annual_value",
    "currency",
    "notice_period_days",
    "auto_renew",
    "next_price_review_date",
    "sla_terms",
)


@service
def contract_update(*, contract: Contract, data: Mapping[str, Any], user: User) -> Contract:
    """Correct a contract's terms; its renewal deadline follows from the new dates."""
    data = dict(data)
    if "number" in data:
        data["number"] = data["number"].strip()
        taken = Contract.objects.filter(number=data["number"]).exclude(pk=contract.pk)
        if data["number"] and taken.exists():
            raise ValidationError({"number": _("A contract with this number already exists.")})
    if "title" in data:
        data["title"] = data["title"].strip()
    if "currency" in data:
        data["currency"] = (data["currency"] or settings.DEFAULT_CURRENCY).upper()
    start = data.get("start_date", contract.start_date)
    end = data.get("end_date", contract.end_date)
    if start and end and end <= start:
        raise ValidationError({"end_date": _("The end date must be after the start date.")})
    return save_fields(contract, data, CONTRACT_FIELDS, user=user, refresh=True)


@service
def contract_record_price_review(
    *,
    contract: Contract,
    user: User,
    reviewed_on: dt.date,
    annual_value: Decimal,
    next_review_date: dt.date,
    version: int | None = None,
) -> Contract:
    """Record a finished price review: the day, the price agreed, and when to look again.

    The price-review reminders follow the next review date (kam.reminders.engine reads it on
    every sweep), so the ones for the review just done stop and new ones come before the next.
    """
    if next_review_date <= reviewed_on:
        raise ValidationError({"next_review_date": _("The next review must come after this one.")})
    if reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": _("A review cannot be recorded before it happens.")})
    data = {
        "last_price_review_date": reviewed_on,
        "annual_value": annual_value,
        "next_price_review_date": next_review_date,
        "version": version,
    }
    return save_fields(
        contract,
        data,
        ("last_price_review_date", "annual_value", "next_price_review_date"),
        user=user,
        refresh=True,
    )
