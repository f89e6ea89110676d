"""Renewal management: what is up for renewal, and the decisions taken on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, DateField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest, Least
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core import rights
from kam.core.models import User

from .models import Contract, ContractStatus

OPEN = [ContractStatus.DRAFT, ContractStatus.ACTIVE, ContractStatus.IN_RENEWAL]
PRICE_REVIEW_EVERY = relativedelta(months=12)


@dataclass
class Bucket:
    key: str
    label: str
    count: int
    value: Decimal


def bucket_bounds(today: dt.date) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    """First and last renewal deadline of each bucket (None: open-ended), both inclusive."""
    d = dt.timedelta
    return {
        "overdue": (None, today - d(days=1)),
        "30": (today, today + d(days=30)),
        "60": (today + d(days=31), today + d(days=60)),
        "90": (today + d(days=61), today + d(days=90)),
        "later": (today + d(days=91), None),
    }


def bucket_filter(key: str, today: dt.date) -> Q:
    low, high = bucket_bounds(today).get(key, (None, None))
    q = Q()
    if low is not None:
        q &= Q(renewal_deadline__gte=low)
    if high is not None:
        q &= Q(renewal_deadline__lte=high)
    return q


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


def pipeline_summary(
    contracts: QuerySet, today: dt.date, months: int = 12
) -> tuple[list[Bucket], list[tuple[dt.date, Decimal]]]:
    """Count and value per deadline bucket, and value per month for the coming `months`.

    One pass over the open contracts, grouped by deadline day; deadlines before this month
    and after the last month shown are folded into one day each, so the rows returned stay
    a few hundred however far the deadlines spread. Values are in the default currency;
    counts include every currency.
    """
    currency = settings.DEFAULT_CURRENCY
    first = today.replace(day=1)
    after = first + relativedelta(months=months)
    bounds = bucket_bounds(today)
    # Deadlines are folded onto one day past the last month shown; that day must also be
    # in the last, open-ended bucket, or a short window would move them into another.
    fold_to = max(after, bounds["later"][0])
    days = (
        contracts.annotate(
            day=Least(
                Greatest(
                    F("renewal_deadline"),
                    Value(first - dt.timedelta(days=1)),
                    output_field=DateField(),
                ),
                Value(fold_to),
                output_field=DateField(),
            )
        )
        .values("day")
        .annotate(n=Count("pk"), v=Sum("annual_value", filter=Q(currency=currency)))
        .order_by()
        .values_list("day", "n", "v")
    )
    counts = dict.fromkeys(BUCKET_LABELS, 0)
    values = {key: Decimal(0) for key in BUCKET_LABELS}
    by_month: dict[dt.date, Decimal] = {}
    for day, n, v in days:
        day = _as_date(day)
        for key, (low, high) in bounds.items():
            if (low is None or day >= low) and (high is None or day <= high):
                counts[key] += n
                values[key] += v or Decimal(0)
                break
        if first <= day < after:
            month = day.replace(day=1)
            by_month[month] = by_month.get(month, Decimal(0)) + (v or Decimal(0))
    buckets = [
        Bucket(key=key, label=str(label), count=counts[key], value=values[key])
        for key, label in BUCKET_LABELS.items()
    ]
    month_rows = []
    for i in range(months):
        month = first + relativedelta(months=i)
        month_rows.append((month, by_month.get(month, Decimal(0))))
    return buckets, month_rows


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def needs_price_review(contract: Contract, today: dt.date) -> bool:
    """No price review in the last 12 months: the articles ask for one at least yearly."""
    last = contract.last_price_review_date
    return last is None or last <= today - PRICE_REVIEW_EVERY


@transaction.atomic
def contract_start_renewal(*, contract: Contract, user: User) -> Contract:
    rights.require(user, rights.Act.EDIT, contract)
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
    rights.require(user, rights.Act.EDIT, contract)
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
    rights.require(user, rights.Act.EDIT, contract)
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
