"""The live contract value roll-up: kept by triggers, right after every kind of write."""

import datetime as dt
import random
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from accounts.models import LIVE_CONTRACT as LIVE  # what the dashboard calls live
from accounts.models import Account, AccountContractValue, Contract
from tests.factories import AccountFactory, ContractFactory

pytestmark = pytest.mark.django_db


def rollup(account) -> dict[str, Decimal]:
    return {
        r.currency: r.live_value
        for r in AccountContractValue.objects.filter(account=account)
        if r.live_value
    }


def truth(account) -> dict[str, Decimal]:
    return {
        row["currency"]: row["v"]
        for row in Contract.objects.filter(account=account, status__in=LIVE)
        .values("currency")
        .annotate(v=Sum("annual_value"))
        .order_by()
        if row["v"]
    }


def test_live_contracts_add_up_per_currency_and_the_rest_do_not():
    account = AccountFactory()
    ContractFactory(account=account, annual_value=Decimal(100), status="active")
    ContractFactory(account=account, annual_value=Decimal(40), status="in_renewal")
    ContractFactory(account=account, annual_value=Decimal(7), status="active", currency="USD")
    for status in ("draft", "renewed", "expired", "cancelled"):
        ContractFactory(account=account, annual_value=Decimal(1000), status=status)
    assert rollup(account) == {"JPY": Decimal(140), "USD": Decimal(7)}


def test_each_change_of_a_contract_moves_its_value():
    account, other = AccountFactory(), AccountFactory()
    contract = ContractFactory(account=account, annual_value=Decimal(100), status="draft")
    assert rollup(account) == {}

    contract.status = "active"
    contract.save()
    assert rollup(account) == {"JPY": Decimal(100)}

    contract.annual_value = Decimal(250)
    contract.save()
    assert rollup(account) == {"JPY": Decimal(250)}

    contract.currency = "EUR"
    contract.save()
    assert rollup(account) == {"EUR": Decimal(250)}

    contract.account = other
    contract.save()
    assert rollup(account) == {}
    assert rollup(other) == {"EUR": Decimal(250)}

    contract.status = "expired"
    contract.save()
    assert rollup(other) == {}

    contract.status = "active"
    contract.save()
    contract.delete()
    assert rollup(other) == {}


def test_bulk_writes_that_skip_save_are_counted_too():
    account = AccountFactory()
    Contract.objects.bulk_create(
        [
            Contract(
                account=account,
                number=f"BULK-{i}",
                title="一括",
                start_date=dt.date(2026, 4, 1),
                end_date=dt.date(2027, 3, 31),
                annual_value=Decimal(10 * (i + 1)),
            )
            for i in range(4)
        ]
    )
    assert rollup(account) == {"JPY": Decimal(100)}
    Contract.objects.filter(account=account, number__in=["BULK-0", "BULK-1"]).update(
        status="expired"
    )
    assert rollup(account) == {"JPY": Decimal(70)}
    Contract.objects.filter(account=account).update(annual_value=Decimal(5))
    assert rollup(account) == {"JPY": Decimal(10)}
    Contract.objects.filter(account=account).delete()
    assert rollup(account) == {}


def test_deleting_an_account_removes_its_rollup():
    account = AccountFactory()
    ContractFactory(account=account, annual_value=Decimal(100))
    pk = account.pk
    account.delete()
    assert not AccountContractValue.objects.filter(account_id=pk).exists()


def test_matches_the_contracts_after_a_random_history():
    rnd = random.Random(2026)
    accounts = [AccountFactory() for _ in range(3)]
    contracts = []
    for _ in range(120):
        action = rnd.choice(["create", "status", "value", "currency", "move", "delete"])
        if action == "create" or not contracts:
            contracts.append(
                ContractFactory(
                    account=rnd.choice(accounts),
                    annual_value=Decimal(rnd.randrange(0, 1000)),
                    status=rnd.choice(["draft", "active", "in_renewal", "expired"]),
                    currency=rnd.choice(["JPY", "USD"]),
                )
            )
            continue
        contract = rnd.choice(contracts)
        if action == "delete":
            contracts.remove(contract)
            contract.delete()
            continue
        if action == "status":
            contract.status = rnd.choice(["draft", "active", "in_renewal", "expired", "cancelled"])
        elif action == "value":
            contract.annual_value = Decimal(rnd.randrange(0, 1000))
        elif action == "currency":
            contract.currency = rnd.choice(["JPY", "USD", "EUR"])
        else:
            contract.account = rnd.choice(accounts)
        contract.save()
    for account in accounts:
        assert rollup(account) == truth(account)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_to_one_account_both_count():
    """Two transactions add a contract to the same account at once: neither overwrites the
    other's value, because each applies a delta to the roll-up row rather than a sum."""
    account = AccountFactory()
    first_inserted, errors = threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                ContractFactory(account=account, annual_value=Decimal(100))
                first_inserted.set()
                # Hold the transaction open while the second writer runs into it.
                connection.cursor().execute("SELECT pg_sleep(0.5)")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            first_inserted.set()
        finally:
            connection.close()

    def second():
        try:
            first_inserted.wait(5)
            with transaction.atomic():
                ContractFactory(account=account, annual_value=Decimal(23))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert rollup(Account.objects.get(pk=account.pk)) == {"JPY": Decimal(123)}
