import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.models import Account, AccountTeamMember, Contract, Meeting, Opportunity
from kam.core.models import Role, User
from plans.models import (
    KPI,
    AccountPlan,
    ActionItem,
    CompetitorPosition,
    CustomerNeed,
    Goal,
    KPIMeasurement,
    PlanReview,
)
from stakeholders.models import Stakeholder, StakeholderEngagement


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "太郎"
    last_name = factory.Sequence(lambda n: f"営業{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.REP
    password = factory.django.Password("pass-word-123")


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"株式会社テスト{n}")
    name_kana = factory.Sequence(lambda n: f"テスト{n}")
    owner = factory.SubFactory(UserFactory)


class TeamMemberFactory(DjangoModelFactory):
    class Meta:
        model = AccountTeamMember

    account = factory.SubFactory(AccountFactory)
    user = factory.SubFactory(UserFactory)
    role = "sales"


class ContractFactory(DjangoModelFactory):
    class Meta:
        model = Contract

    account = factory.SubFactory(AccountFactory)
    number = factory.Sequence(lambda n: f"C-{n:06d}")
    title = "保守契約"
    start_date = dt.date(2026, 4, 1)
    end_date = dt.date(2027, 3, 31)
    annual_value = Decimal("12000000")
    notice_period_days = 90


class OpportunityFactory(DjangoModelFactory):
    class Meta:
        model = Opportunity

    account = factory.SubFactory(AccountFactory)
    title = "追加ライセンス"
    amount = Decimal("3000000")
    expected_close_date = dt.date(2026, 12, 15)
    owner = factory.LazyAttribute(lambda o: o.account.owner)


class MeetingFactory(DjangoModelFactory):
    class Meta:
        model = Meeting

    account = factory.SubFactory(AccountFactory)
    held_at = factory.LazyFunction(lambda: dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC))
    subject = "定例会"


class StakeholderFactory(DjangoModelFactory):
    class Meta:
        model = Stakeholder

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"山田 {n}")
    title = "部長"


class PlanFactory(DjangoModelFactory):
    class Meta:
        model = AccountPlan

    account = factory.SubFactory(AccountFactory)
    title = "アカウントプラン 2026年度"
    period_start = dt.date(2026, 4, 1)
    period_end = dt.date(2027, 3, 31)
    owner = factory.LazyAttribute(lambda p: p.account.owner)
    status = "active"


class NeedFactory(DjangoModelFactory):
    class Meta:
        model = CustomerNeed

    plan = factory.SubFactory(PlanFactory)
    title = "在庫コストの削減"


class GoalFactory(DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.SubFactory(PlanFactory)
    statement = "年間受注額を1.2億円にする"
    metric = "年間受注額"
    unit = "円"
    baseline = Decimal("100000000")
    target = Decimal("120000000")
    achievable_because = "既存部門での採用実績がある"
    due_date = dt.date(2027, 3, 31)


class KPIFactory(DjangoModelFactory):
    class Meta:
        model = KPI

    plan = factory.SubFactory(PlanFactory)
    name = factory.Sequence(lambda n: f"売上 {n}")
    kind = "revenue"
    target = Decimal("100")


class MeasurementFactory(DjangoModelFactory):
    class Meta:
        model = KPIMeasurement

    kpi = factory.SubFactory(KPIFactory)
    measured_on = dt.date(2026, 6, 30)
    value = Decimal("50")


class CompetitorFactory(DjangoModelFactory):
    class Meta:
        model = CompetitorPosition

    plan = factory.SubFactory(PlanFactory)
    competitor = factory.Sequence(lambda n: f"競合{n}社")


class ActionFactory(DjangoModelFactory):
    class Meta:
        model = ActionItem

    plan = factory.SubFactory(PlanFactory)
    title = "役員面談の設定"
    owner = factory.LazyAttribute(lambda a: a.plan.owner)
    due_date = dt.date(2026, 12, 1)


class ReviewFactory(DjangoModelFactory):
    class Meta:
        model = PlanReview

    plan = factory.SubFactory(PlanFactory)
    reviewed_on = dt.date(2026, 10, 1)
    reviewer = factory.LazyAttribute(lambda r: r.plan.owner)


class EngagementFactory(DjangoModelFactory):
    class Meta:
        model = StakeholderEngagement

    plan = factory.SubFactory(PlanFactory)
    stakeholder = factory.LazyAttribute(lambda e: StakeholderFactory(account=e.plan.account))
