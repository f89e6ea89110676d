"""Row-level access starts from the user: who may read which account, and all that hangs under it.

Every persona is checked against two accounts: ours (owned by the owner, with the member on its
team) and a stranger's that none of the reps is linked to.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Account, AccountTeamMember, Contract, Meeting, Opportunity
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
from tests.factories import (
    AccountFactory,
    ActionFactory,
    CompetitorFactory,
    ContractFactory,
    EngagementFactory,
    GoalFactory,
    KPIFactory,
    MeasurementFactory,
    MeetingFactory,
    NeedFactory,
    OpportunityFactory,
    PlanFactory,
    ReviewFactory,
    StakeholderFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHILD_MODELS = [
    Contract,
    Opportunity,
    Meeting,
    Stakeholder,
    AccountPlan,
    Goal,
    KPI,
    KPIMeasurement,
    ActionItem,
    CompetitorPosition,
    CustomerNeed,
    PlanReview,
    StakeholderEngagement,
    AccountTeamMember,
]


def populate(account: Account) -> dict[type, set[int]]:
    """One row of every child model under the account (beyond its team), by model."""
    plan = PlanFactory(account=account)
    goal = GoalFactory(plan=plan)
    kpi = KPIFactory(plan=plan, goal=goal)
    stakeholder = StakeholderFactory(account=account)
    rows = [
        ContractFactory(account=account),
        OpportunityFactory(account=account),
        MeetingFactory(account=account),
        stakeholder,
        plan,
        goal,
        kpi,
        MeasurementFactory(kpi=kpi),
        ActionFactory(plan=plan, goal=goal),
        CompetitorFactory(plan=plan),
        NeedFactory(plan=plan),
        ReviewFactory(plan=plan),
        EngagementFactory(plan=plan, stakeholder=stakeholder),
    ]
    ids: dict[type, set[int]] = {}
    for row in rows:
        ids.setdefault(type(row), set()).add(row.pk)
    ids[AccountTeamMember] = set(account.team_members.values_list("pk", flat=True))
    return ids


@pytest.fixture
def stranger_account(db):
    """An account of a rep none of the personas has anything to do with."""
    stranger = AccountFactory(owner=UserFactory(username="stranger"), name="株式会社よそ")
    TeamMemberFactory(account=stranger, user=UserFactory(username="stranger-colleague"))
    return stranger


@pytest.fixture
def rows(account, stranger_account):
    return {"ours": populate(account), "theirs": populate(stranger_account)}


# Accounts


@pytest.mark.parametrize("persona", ["owner", "member"])
def test_rep_sees_the_account_they_own_or_are_on_the_team_of(
    request, persona, account, stranger_account
):
    user = request.getfixturevalue(persona)
    assert list(Account.objects.visible_to(user)) == [account]


def test_outsider_sees_no_account(outsider, account, stranger_account):
    assert not Account.objects.visible_to(outsider).exists()


@pytest.mark.parametrize("persona", ["manager", "admin_user"])
def test_manager_and_admin_see_every_account(request, persona, account, stranger_account):
    user = request.getfixturevalue(persona)
    assert set(Account.objects.visible_to(user)) == {account, stranger_account}


def test_a_superuser_with_the_rep_role_sees_every_account(account, stranger_account):
    root = UserFactory(username="root", is_superuser=True)
    assert set(Account.objects.visible_to(root)) == {account, stranger_account}


@pytest.mark.parametrize("persona", ["owner", "member", "manager", "admin_user"])
def test_an_inactive_user_sees_no_account(request, persona, account):
    user = request.getfixturevalue(persona)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not Account.objects.visible_to(user).exists()


def test_anonymous_sees_no_account(account):
    assert not Account.objects.visible_to(AnonymousUser()).exists()


def test_a_rep_on_the_team_of_an_account_they_own_sees_it_once(owner, account):
    TeamMemberFactory(account=account, user=owner, role="account_manager")
    assert list(Account.objects.visible_to(owner)) == [account]


def test_leaving_the_team_takes_the_account_away(member, account):
    AccountTeamMember.objects.filter(account=account, user=member).delete()
    assert not Account.objects.visible_to(member).exists()


def test_visible_accounts_are_read_in_one_query(
    django_assert_num_queries, owner, account, stranger_account
):
    AccountFactory(owner=owner, name="株式会社ふたつめ")
    TeamMemberFactory(account=stranger_account, user=owner)
    with django_assert_num_queries(1):
        visible = list(Account.objects.visible_to(owner))
    assert len(visible) == 3


# Everything under an account follows the account


def visible_ids(model: type, user) -> set[int]:
    return set(model.objects.visible_to(user).values_list("pk", flat=True))


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("persona", ["owner", "member"])
def test_rep_sees_the_children_of_their_account_only(request, persona, model, rows):
    user = request.getfixturevalue(persona)
    assert rows["ours"][model]
    assert visible_ids(model, user) == rows["ours"][model]


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_outsider_sees_no_children(outsider, model, rows):
    assert visible_ids(model, outsider) == set()


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("persona", ["manager", "admin_user"])
def test_manager_and_admin_see_the_children_of_every_account(request, persona, model, rows):
    user = request.getfixturevalue(persona)
    assert visible_ids(model, user) == rows["ours"][model] | rows["theirs"][model]


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_inactive_and_anonymous_users_see_no_children(owner, model, rows):
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    assert visible_ids(model, owner) == set()
    assert not model.objects.visible_to(AnonymousUser()).exists()


def test_children_visibility_composes_with_other_filters(owner, rows):
    due = Contract.objects.visible_to(owner).filter(renewal_deadline__lte=dt.date(2099, 1, 1))
    assert set(due.values_list("pk", flat=True)) == rows["ours"][Contract]
    assert not Contract.objects.visible_to(owner).filter(pk__in=rows["theirs"][Contract]).exists()
