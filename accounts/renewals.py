"""Renewal management: what is up for renewal, and the decisions taken on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.models import User

from .models import Contract, ContractStatus

OPEN = [ContractStatus.DRAFT, ContractStatus.ACTIVE, ContractStatus.IN_RENEWAL]
PRICE_REVIEW_EVERY = relativedelta(months=12)


@dataclass
class Bucket:
    key: str
    label: str
    count: int
    value: Decimal


def bucket_filter(key: str, today: dt.date) -> Q:
    d = dt.timedelta
    return {
        "overdue": Q(renewal_deadline__lt=today),
        "30": Q(renewal_deadline__gte=today, renewal_deadline__lte=today + d(days=30)),
        "60": Q(renewal_deadline__gt=today + d(days=30), renewal_deadline__lte=today + d(days=60)),
        "90": Q(renewal_deadline__gt=today + d(days=60), renewal_deadline__lte=today + d(days=90)),
        "later": Q(renewal_deadline__gt=today + d(days=90)),
    }.get(key, Q())


BUCKET_LABELS = {
    "overdue": gettext_lazy("Overdue"),
    "30": gettext_lazy("Next 30 days"),
    "60": gettext_lazy("31-60 days"),
    "90": gettext_lazy("61-90 days"),
    "later": gettext_lazy("Later"),
}


def pipeline_contracts(*, user: User, owner: str = "", tier: str = "") -> QuerySet:
    contracts = Contract.objects.visible_to(user).filter(status__in=OPEN)
    if owner.isdigit():
        contracts = contracts.filter(account__owner_id=int(owner))
    if tier:
        contracts = contracts.filter(account__tier=tier)
    return contracts


def pipeline_buckets(contracts: QuerySet, today: dt.date) -> list[Bucket]:
    """Count and value per deadline bucket, in the default currency, in one query."""
    currency = settings.DEFAULT_CURRENCY
    aggregates = {}
    for key in BUCKET_LABELS:
        q = bucket_filter(key, today)
        aggregates[f"n_{key}"] = Count("pk", filter=q)
        aggregates[f"v_{key}"] = Sum("annual_value", filter=q & Q(currency=currency))
    row = contracts.aggregate(**aggregates)
    return [
        Bucket(
            key=key,
            label=str(label),
            count=row[f"n_{key}"],
            value=row[f"v_{key}"] or Decimal(0),
        )
        for key, label in BUCKET_LABELS.items()
    ]


def value_by_month(contracts: QuerySet, today: dt.date, months: int = 12) -> list[tuple]:
    """Annual value whose renewal deadline falls in each of the coming months."""
    start = today.replace(day=1)
    end = start + relativedelta(months=months)
    rows = dict(
        contracts.filter(
            renewal_deadline__gte=start,
            renewal_deadline__lt=end,
            currency=settings.DEFAULT_CURRENCY,
        )
        .annotate(month=TruncMonth("renewal_deadline"))
        .values("month")
        .annotate(value=Sum("annual_value"))
        .values_list("month", "value")
    )
    result = []
    for i in range(months):
        month = start + relativedelta(months=i)
        value = next((v for m, v in rows.items() if _as_date(m) == month), Decimal(0))
        result.append((month, value or Decimal(0)))
    return result


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def needs_price_review(contract: Contract, today: dt.date) -> bool:
    """No price review in the last 12 months: the articles ask for one at least yearly."""
    last = contract.last_price_review_date
    return last is None or last <= today - PRICE_REVIEW_EVERY


@transaction.atomic
def contract_start_renewal(*, contract: Contract, user: User) -> Contract:
    if contract.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
        raise ValidationError(_("Only a draft or active contract can go into renewal."))
    contract.status = ContractStatus.IN_RENEWAL
    contract.save(update_fields=["status", "updated_at"])
    return contract


@transaction.atomic
def contract_renew(
    *,
    contract: Contract,
    user: User,
    number: str,
    start_date: dt.date,
    end_date: dt.date,
    annual_value: Decimal,
    currency: str,
    notice_period_days: int,
    auto_renew: bool,
) -> Contract:
    """Close a contract as renewed and create its successor, linked to it."""
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.status not in OPEN:
        raise ValidationError(_("This contract has already been decided."))
    successor = Contract(
        account_id=locked.account_id,
        number=number,
        title=locked.title,
        start_date=start_date,
        end_date=end_date,
        annual_value=annual_value,
        currency=currency,
        notice_period_days=notice_period_days,
        auto_renew=auto_renew,
        sla_terms=locked.sla_terms,
        status=ContractStatus.ACTIVE,
        last_price_review_date=locked.last_price_review_date,
        next_price_review_date=(start_date + PRICE_REVIEW_EVERY) - dt.timedelta(days=30),
    )
    successor.full_clean()
    if start_date < locked.start_date:
        raise ValidationError(
            {"start_date": _("The renewal cannot start before the contract it renews.")}
        )
    successor.save()
    locked.status = ContractStatus.RENEWED
    locked.successor = successor
    locked.full_clean()
    locked.save(update_fields=["status", "successor", "updated_at"])
    return successor


@transaction.atomic
def contract_close(*, contract: Contract, user: User, outcome: str, reason: str) -> Contract:
    """Record that a contract was lost (expired, not renewed) or cancelled, and why."""
    if outcome not in (ContractStatus.EXPIRED, ContractStatus.CANCELLED):
        raise ValidationError({"outcome": _("Choose lost or cancelled.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, so the team can learn from it.")})
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.status not in OPEN:
        raise ValidationError(_("This contract has already been decided."))
    locked.status = outcome
    locked.closed_reason = reason.strip()
    locked.save(update_fields=["status", "closed_reason", "updated_at"])
    return locked
