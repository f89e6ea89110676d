"""Shared fixtures. The personas are the same in every access test:

- owner: the rep who owns the account
- member: a rep on the account team
- outsider: a rep with no link to the account (must get 404)
- manager: sees the whole portfolio
- admin: runs the system through Django admin
"""

import pytest

from kam.core.models import Role
from tests.factories import AccountFactory, TeamMemberFactory, UserFactory


@pytest.fixture
def owner(db):
    return UserFactory(username="owner", last_name="佐藤", first_name="健")


@pytest.fixture
def member(db):
    return UserFactory(username="member", last_name="鈴木", first_name="花子")


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider", last_name="高橋", first_name="誠")


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=Role.MANAGER, last_name="田中", first_name="部長")


@pytest.fixture
def admin_user(db):
    return UserFactory(
        username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True, last_name="管理"
    )


@pytest.fixture
def account(owner, member):
    account = AccountFactory(owner=owner, name="株式会社サンプル", name_kana="サンプル")
    TeamMemberFactory(account=account, user=member, role="customer_success")
    return account
