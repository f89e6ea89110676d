from __future__ import annotations

import datetime as dt

from accounts.querysets import AccountChildQuerySet


class PlanQuerySet(AccountChildQuerySet):
    def review_due(self, on: dt.date) -> PlanQuerySet:
        return self.filter(status__in=["active", "under_review"], next_review_date__lte=on)


class PlanChildQuerySet(AccountChildQuerySet):
    account_path = "plan__account"


class CommentQuerySet(AccountChildQuerySet):
    """Comments hang under their account directly (a plan's, too): one join fewer."""


class MeasurementQuerySet(AccountChildQuerySet):
    account_path = "kpi__plan__account"


class ActionItemQuerySet(PlanChildQuerySet):
    def not_done(self) -> ActionItemQuerySet:
        return self.exclude(status="done")

    def overdue(self, today: dt.date) -> ActionItemQuerySet:
        return self.not_done().filter(due_date__lt=today)


__all__ = [
    "CommentQuerySet",
    "PlanQuerySet",
    "PlanChildQuerySet",
    "MeasurementQuerySet",
    "ActionItemQuerySet",
]
