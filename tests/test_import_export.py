"""Spreadsheet import and export: a file goes in whole or not at all, and a bad row is named."""

import datetime as dt
from decimal import Decimal

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Account, Contract
from accounts.resources import AccountResource, ContractResource
from stakeholders.models import Stakeholder
from stakeholders.resources import StakeholderResource
from tests.factories import AccountFactory, ContractFactory, StakeholderFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT_HEADER = "name,name_kana,industry,tier,status,owner,score_revenue_size,score_fit\n"
CONTRACT_HEADER = "number,account,title,start_date,end_date,annual_value,currency,status\n"
STAKEHOLDER_HEADER = "account,name,name_kana,title,buying_role,influence,attitude,reports_to\n"


def _dataset(csv_text: str) -> tablib.Dataset:
    return tablib.Dataset().load(csv_text, format="csv")


def _snapshot(model, *fields):
    return sorted(model.objects.values_list("pk", *fields))


@pytest.fixture
def rep(db):
    return UserFactory(username="sato")


@pytest.fixture
def existing_account(rep):
    return AccountFactory(
        name="既存商事株式会社", name_kana="キゾンショウジ", owner=rep, tier="key"
    )


# --- accounts through the resource ----------------------------------------------------------


def test_good_accounts_file_creates_every_account(rep):
    result = AccountResource().import_data(
        _dataset(
            ACCOUNT_HEADER
            + "東都電機株式会社,トウトデンキ,electronics,strategic,active,sato,5,4\n"
            + "北星食品株式会社,ホクセイショクヒン,food,growth,prospect,sato,2,3\n"
        ),
        dry_run=False,
        raise_errors=False,
    )

    assert not result.has_errors()
    assert not result.has_validation_errors()
    accounts = {a.name: a for a in Account.objects.all()}
    assert set(accounts) == {"東都電機株式会社", "北星食品株式会社"}
    touto = accounts["東都電機株式会社"]
    assert (touto.name_kana, touto.tier, touto.owner, touto.score_revenue_size) == (
        "トウトデンキ",
        "strategic",
        rep,
        5,
    )
    # Derived in the database from the imported scores.
    assert touto.priority_score == (5 + 3 + 3 + 4 + 3 - 5) * 5


def test_reimporting_an_account_by_name_updates_it(existing_account):
    result = AccountResource().import_data(
        _dataset(
            ACCOUNT_HEADER + "既存商事株式会社,キゾンショウジ,retail,strategic,at_risk,sato,4,4\n"
        ),
        dry_run=False,
    )

    assert not result.has_errors() and not result.has_validation_errors()
    assert Account.objects.count() == 1
    existing_account.refresh_from_db()
    assert (existing_account.tier, existing_account.status) == ("strategic", "at_risk")


@pytest.mark.parametrize(
    ("bad_row", "field", "reason"),
    [
        ("西海造船株式会社,サイカイゾウセン,other,platinum,active,sato,3,3", "tier", "platinum"),
        (
            "西海造船株式会社,サイカイゾウセン,other,key,active,sato,6,3",
            "score_revenue_size",
            "less than or equal to 5",
        ),
        (
            "西海造船株式会社,サイカイゾウセン,other,key,active,nobody,3,3",
            "owner",
            "No user has username “nobody”.",
        ),
    ],
    ids=["unknown tier", "score of 6", "unknown owner"],
)
def test_one_bad_account_row_is_reported_and_nothing_is_saved(
    settings, existing_account, bad_row, field, reason
):
    settings.LANGUAGE_CODE = "en"
    before = _snapshot(Account, "name", "tier", "status", "owner_id", "updated_at")

    result = AccountResource().import_data(
        _dataset(
            ACCOUNT_HEADER
            + "既存商事株式会社,キゾンショウジ,retail,strategic,at_risk,sato,4,4\n"
            + "南風物産株式会社,ナンプウブッサン,retail,key,active,sato,3,3\n"
            + bad_row
            + "\n"
        ),
        dry_run=False,
        raise_errors=False,
    )

    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 3
    assert reason in " ".join(invalid.field_specific_errors[field])
    assert _snapshot(Account, "name", "tier", "status", "owner_id", "updated_at") == before


# --- contracts through the resource ---------------------------------------------------------


def test_good_contracts_file_creates_and_reimport_updates_by_number(existing_account):
    ContractFactory(account=existing_account, number="K-2026-001", title="旧タイトル")

    result = ContractResource().import_data(
        _dataset(
            CONTRACT_HEADER
            + "K-2026-001,既存商事株式会社,保守契約,2026-04-01,2027-03-31,12000000,JPY,active\n"
            + "K-2026-002,既存商事株式会社,ライセンス,2026-07-01,2027-06-30,3500000.50,USD,draft\n"
        ),
        dry_run=False,
    )

    assert not result.has_errors() and not result.has_validation_errors()
    contracts = {c.number: c for c in Contract.objects.all()}
    assert set(contracts) == {"K-2026-001", "K-2026-002"}
    assert contracts["K-2026-001"].title == "保守契約"
    new = contracts["K-2026-002"]
    assert (new.account, new.annual_value, new.currency) == (
        existing_account,
        Decimal("3500000.50"),
        "USD",
    )
    assert new.renewal_deadline == dt.date(2027, 6, 30) - dt.timedelta(days=90)


@pytest.mark.parametrize(
    ("bad_row", "field", "reason"),
    [
        (
            "K-9,既存商事株式会社,逆転契約,2027-04-01,2026-04-01,100,JPY,active",
            "end_date",
            "The end date must be after the start date.",
        ),
        (
            "K-9,存在しない株式会社,契約,2026-04-01,2027-03-31,100,JPY,active",
            "account",
            "No key account has company name “存在しない株式会社”.",
        ),
        ("K-9,既存商事株式会社,契約,2026-04-01,2027-03-31,100,yen,active", "currency", "ISO"),
    ],
    ids=["ends before it starts", "unknown account", "bad currency"],
)
def test_one_bad_contract_row_is_reported_and_nothing_is_saved(
    settings, existing_account, bad_row, field, reason
):
    settings.LANGUAGE_CODE = "en"
    ContractFactory(account=existing_account, number="K-1", title="保守契約")
    before = _snapshot(Contract, "number", "title", "end_date", "updated_at")

    result = ContractResource().import_data(
        _dataset(
            CONTRACT_HEADER
            + "K-1,既存商事株式会社,改定後の保守契約,2026-04-01,2028-03-31,100,JPY,active\n"
            + bad_row
            + "\n"
            + "K-2,既存商事株式会社,追加契約,2026-04-01,2027-03-31,100,JPY,active\n"
        ),
        dry_run=False,
        raise_errors=False,
    )

    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert reason in " ".join(invalid.field_specific_errors[field])
    assert _snapshot(Contract, "number", "title", "end_date", "updated_at") == before


# --- stakeholders through the resource ------------------------------------------------------


def test_stakeholders_report_to_the_named_person_at_their_own_account(existing_account):
    other = AccountFactory(name="別会社株式会社")
    StakeholderFactory(account=other, name="田中 部長")

    result = StakeholderResource().import_data(
        _dataset(
            STAKEHOLDER_HEADER
            + "既存商事株式会社,田中 部長,タナカ ブチョウ,購買部長,decision_maker,5,1,\n"
            + "既存商事株式会社,鈴木 課長,スズキ カチョウ,購買課長,influencer,3,0,田中 部長\n"
        ),
        dry_run=False,
    )

    assert not result.has_errors() and not result.has_validation_errors()
    boss = Stakeholder.objects.get(account=existing_account, name="田中 部長")
    report = Stakeholder.objects.get(account=existing_account, name="鈴木 課長")
    assert report.reports_to == boss
    assert boss.influence == 5


def test_one_bad_stakeholder_row_is_reported_and_nothing_is_saved(settings, existing_account):
    settings.LANGUAGE_CODE = "en"
    StakeholderFactory(account=existing_account, name="田中 部長", influence=4)
    before = _snapshot(Stakeholder, "name", "influence", "updated_at")

    result = StakeholderResource().import_data(
        _dataset(
            STAKEHOLDER_HEADER
            + "既存商事株式会社,田中 部長,タナカ,購買部長,decision_maker,5,1,\n"
            + "既存商事株式会社,佐々木 主任,ササキ,主任,user,3,0,田中 部長\n"
            + "既存商事株式会社,山本 専務,ヤマモト,専務,economic_buyer,6,0,\n"
        ),
        dry_run=False,
        raise_errors=False,
    )

    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 3
    assert "less than or equal to 5" in " ".join(invalid.field_specific_errors["influence"])
    assert _snapshot(Stakeholder, "name", "influence", "updated_at") == before


def test_unknown_manager_is_a_row_error_not_a_crash(settings, existing_account):
    settings.LANGUAGE_CODE = "en"

    result = StakeholderResource().import_data(
        _dataset(
            STAKEHOLDER_HEADER
            + "既存商事株式会社,鈴木 課長,スズキ,購買課長,influencer,3,0,いない人\n"
        ),
        dry_run=False,
    )

    [invalid] = result.invalid_rows
    assert invalid.number == 1
    assert "“いない人”" in " ".join(invalid.field_specific_errors["reports_to"])
    assert not Stakeholder.objects.exists()


# --- the admin import and export pages ------------------------------------------------------


@pytest.fixture
def admin_client(client, admin_user):
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)
    return client


def _upload(admin_client, url_name: str, content: bytes, name: str = "import.csv", fmt="0"):
    return admin_client.post(
        reverse(url_name),
        {"resource": "0", "format": fmt, "import_file": SimpleUploadedFile(name, content)},
    )


def test_admin_import_with_a_bad_row_shows_it_and_saves_nothing(admin_client, existing_account):
    before = _snapshot(Account, "name", "tier", "updated_at")
    content = (
        ACCOUNT_HEADER
        + "既存商事株式会社,キゾンショウジ,retail,strategic,at_risk,sato,4,4\n"
        + "西海造船株式会社,サイカイゾウセン,other,platinum,active,sato,3,3\n"
    ).encode("utf-8-sig")

    response = _upload(admin_client, "admin:accounts_account_import", content)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Some rows failed to validate" in page
    [invalid] = response.context["result"].invalid_rows
    assert invalid.number == 2
    assert "Value &#x27;platinum&#x27; is not a valid choice." in page
    assert "confirm_form" not in response.context
    assert _snapshot(Account, "name", "tier", "updated_at") == before


def test_admin_import_of_contract_ending_before_start_shows_the_reason(
    admin_client, existing_account
):
    content = (
        CONTRACT_HEADER + "K-9,既存商事株式会社,逆転契約,2027-04-01,2026-04-01,100,JPY,active\n"
    ).encode()

    response = _upload(admin_client, "admin:accounts_contract_import", content)

    assert "The end date must be after the start date." in response.content.decode()
    assert not Contract.objects.exists()


def test_admin_import_of_stakeholder_with_influence_6_is_refused(admin_client, existing_account):
    content = (
        STAKEHOLDER_HEADER + "既存商事株式会社,山本 専務,ヤマモト,専務,economic_buyer,6,0,\n"
    ).encode()

    response = _upload(admin_client, "admin:stakeholders_stakeholder_import", content)

    assert "Some rows failed to validate" in response.content.decode()
    assert not Stakeholder.objects.exists()


def _confirm(admin_client, response, url_name: str):
    confirm = response.context["confirm_form"]
    return admin_client.post(reverse(url_name), confirm.initial)


def test_admin_import_of_a_good_file_saves_it_after_confirmation(admin_client, rep):
    content = (
        ACCOUNT_HEADER + "東都電機株式会社,トウトデンキ,electronics,strategic,active,sato,5,4\n"
    ).encode("utf-8-sig")

    preview = _upload(admin_client, "admin:accounts_account_import", content)
    assert not Account.objects.exists(), "the preview is a dry run"
    response = _confirm(admin_client, preview, "admin:accounts_account_process_import")

    assert response.status_code == 302
    account = Account.objects.get()
    assert (account.name, account.owner) == ("東都電機株式会社", rep)


def test_admin_import_reads_shift_jis_csv_from_excel(admin_client, rep):
    content = (
        ACCOUNT_HEADER + "東都電機株式会社,トウトデンキ,electronics,strategic,active,sato,5,4\n"
    ).encode("cp932")

    preview = _upload(admin_client, "admin:accounts_account_import", content)
    _confirm(admin_client, preview, "admin:accounts_account_process_import")

    assert Account.objects.get().name_kana == "トウトデンキ"


def test_admin_import_reads_excel_workbooks(admin_client, rep):
    dataset = tablib.Dataset(headers=["name", "name_kana", "tier", "owner", "score_fit"])
    dataset.append(["東都電機株式会社", "トウトデンキ", "strategic", "sato", 4])
    content = dataset.export("xlsx")

    preview = _upload(admin_client, "admin:accounts_account_import", content, "a.xlsx", fmt="1")
    _confirm(admin_client, preview, "admin:accounts_account_process_import")

    account = Account.objects.get()
    assert (account.name, account.score_fit) == ("東都電機株式会社", 4)


def test_admin_export_of_accounts_is_csv_with_the_names(admin_client, existing_account):
    AccountFactory(name="北星食品株式会社")
    fields = {f"accountresource_{name}": "on" for name in AccountResource().get_export_order()}

    response = admin_client.post(
        reverse("admin:accounts_account_export"), {"resource": "0", "format": "0", **fields}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    # The byte order mark makes Excel read the file as UTF-8 rather than Shift_JIS.
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("name,name_kana,industry,tier,status,owner")
    assert "既存商事株式会社" in text
    assert "北星食品株式会社" in text
    assert ",sato," in text


def test_account_name_shared_by_two_accounts_is_a_row_error_not_a_guess(settings, rep):
    settings.LANGUAGE_CODE = "en"
    AccountFactory(name="同名商事株式会社", tier="key")
    AccountFactory(name="同名商事株式会社", tier="key")

    result = AccountResource().import_data(
        _dataset(ACCOUNT_HEADER + "同名商事株式会社,ドウメイ,retail,strategic,active,sato,3,3\n"),
        dry_run=False,
    )

    [(number, [error])] = result.row_errors()
    assert number == 1
    assert "More than one key account matches name “同名商事株式会社”" in str(error.error)
    assert set(Account.objects.values_list("tier", flat=True)) == {"key"}
