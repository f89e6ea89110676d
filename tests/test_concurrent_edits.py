"""Two people at the same record: the second to save is refused, and nothing is lost.

Every form is filled in the way a browser fills it: the page is opened, the form's fields are
read from its HTML (the hidden versions included), one field is changed and the form is sent
back. Of two people who opened the same form, the first save goes through; the second gets the
form back with who saved, what they saved beside what was typed, and the typed value kept, and
saves after merging. The same holds for a delete after an edit, for Django admin and for
spreadsheet imports; the derived writes (health, roll-ups, latest KPI values, last contact)
never make an open form stale.
"""

from __future__ import annotations

import datetime as dt
import html
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import tablib
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Account, AccountContractValue, AccountTeamMember
from accounts.resources import AccountResource, ContractResource
from accounts.tasks import refresh_account_health
from kam.core.models import Role
from stakeholders.resources import StakeholderResource
from tests.factories import UserFactory
from tests.pages import build_world

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def fixed_today():
    with time_machine.travel(dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC), tick=False):
        yield


def login(client, user):
    # English pages, so that the assertions read the English source strings.
    user.language = "en"
    user.save(update_fields=["language"])
    client.force_login(user)
    return client


# Reading a form as the browser sends it


@dataclass
class HtmlForm:
    action: str
    attrs: dict
    fields: list[tuple[str, str]]
    names: set[str] = field(default_factory=set)  # every control, ticked or not

    def data(self, **changes) -> dict[str, list[str]]:
        """What submitting the form sends, with `changes` typed over it."""
        data: dict[str, list[str]] = {}
        for name, value in self.fields:
            data.setdefault(name, []).append(value)
        for name, value in changes.items():
            assert name in self.names, f"the form has no field {name}: {sorted(self.names)}"
            data[name] = value if isinstance(value, list) else [value]
        return data

    def value(self, name: str) -> str:
        values = [v for n, v in self.fields if n == name]
        assert len(values) == 1, f"{name}: {values}"
        return values[0]


class _FormReader(HTMLParser):
    """The forms of a page and the values their fields would submit."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = HtmlForm(action=attrs.get("action", ""), attrs=attrs, fields=[])
            self.forms.append(self._form)
        if self._form is None or "disabled" in attrs:
            return
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image", "file"):
                return
            self._form.names.add(attrs["name"])
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._form.fields.append((attrs["name"], attrs.get("value", "on")))
                return
            self._form.fields.append((attrs["name"], attrs.get("value", "")))
        elif tag == "select" and attrs.get("name"):
            self._form.names.add(attrs["name"])
            self._select = {"name": attrs["name"], "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {
                "value": attrs.get("value"),
                "selected": "selected" in attrs,
                "text": "",
            }
            self._select["options"].append(self._option)
        elif tag == "textarea" and attrs.get("name"):
            self._form.names.add(attrs["name"])
            self._textarea = {"name": attrs["name"], "text": ""}

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and options and not self._select["multiple"]:
                chosen = options[:1]
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"]
                self._form.fields.append((self._select["name"], value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea["text"]
            # A browser drops the line break that follows <textarea>.
            if text.startswith("\r\n"):
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            self._form.fields.append((self._textarea["name"], text))
            self._textarea = None
        elif tag == "form":
            self._form = None


def page_forms(response) -> list[HtmlForm]:
    reader = _FormReader()
    reader.feed(response.content.decode())
    return reader.forms


def form_posting_to(response, url: str) -> HtmlForm:
    """The one form of the page that posts to `url`."""
    found = [f for f in page_forms(response) if f.action == url]
    assert len(found) == 1, f"{len(found)} forms post to {url}: {response.content.decode()}"
    return found[0]


def conflict_table(response) -> str:
    """The text of the table that shows what the other person saved beside what was typed."""
    page = response.content.decode()
    start = page.find('data-testid="conflict"')
    assert start != -1, "no conflict table on the page"
    return html.unescape(page[start : page.index("</table>", start)])


# The people: A and B open the same form; A saves first.


@pytest.fixture
def world(account):
    return build_world(account)


def read(obj, name: str):
    """What is stored now."""
    return getattr(type(obj)._base_manager.get(pk=obj.pk), name)


@dataclass(frozen=True)
class EditCase:
    obj: str  # the key of the object in build_world()
    url_name: str
    field: str
    first: str  # what A saves
    second: str  # what B types


EDITS = {
    "account": EditCase("account", "accounts:edit", "headquarters", "大阪市北区", "名古屋市中村区"),
    "contract": EditCase(
        "contract", "accounts:contract_edit", "title", "保守契約（改定版）", "保守契約（延長）"
    ),
    "opportunity": EditCase(
        "opportunity",
        "accounts:opportunity_edit",
        "title",
        "追加ライセンス50本",
        "追加ライセンス80本",
    ),
    "meeting": EditCase("meeting", "accounts:meeting_edit", "subject", "役員定例", "月次定例"),
    "plan": EditCase("plan", "plans:edit", "title", "FY2026 拡大プラン", "FY2026 維持プラン"),
    "plan-value": EditCase(
        "plan", "plans:value_edit", "value_what", "在庫回転の改善", "調達コストの削減"
    ),
    "plan-profile": EditCase(
        "plan", "plans:profile_edit", "profile_culture", "合議制で慎重", "トップダウンで迅速"
    ),
    "need": EditCase("need", "plans:need_edit", "title", "物流費の削減", "欠品の削減"),
    "goal": EditCase(
        "goal", "plans:goal_edit", "statement", "受注額を1.3億円にする", "受注額を1.5億円にする"
    ),
    "kpi": EditCase("kpi", "plans:kpi_edit", "name", "月次受注額", "四半期受注額"),
    "competitor": EditCase(
        "competitor", "plans:competitor_edit", "products", "クラウド在庫管理", "オンプレERP"
    ),
    "action": EditCase("action", "plans:action_edit", "title", "CFOとの面談", "CIOとの面談"),
    "stakeholder": EditCase(
        "stakeholder", "stakeholders:edit", "department", "経営企画部", "情報システム部"
    ),
    "engagement": EditCase(
        "engagement",
        "stakeholders:engagement_edit",
        "approach",
        "月次で進捗を報告",
        "四半期ごとに役員説明",
    ),
}


def versions(form: HtmlForm) -> dict[str, str]:
    return {name: value for name, value in form.fields if name.endswith("version")}


def stored_versions(obj, form: HtmlForm) -> dict[str, str]:
    fresh = type(obj)._base_manager.get(pk=obj.pk)
    names = versions(form)
    assert names, "the form carries no version"
    return {name: str(getattr(fresh, name)) for name in names}


def without_token(form: HtmlForm) -> dict:
    data = form.data()
    data.pop("csrfmiddlewaretoken", None)
    return data


def open_form(client, url: str, headers: dict) -> HtmlForm:
    page = client.get(url, **headers)
    assert page.status_code == 200
    return form_posting_to(page, url)


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize("kind", list(EDITS))
def test_second_save_of_the_same_field_is_refused_and_merges(
    client, owner, member, world, kind, headers
):
    case = EDITS[kind]
    obj = world[case.obj]
    url = reverse(case.url_name, args=[obj.pk])
    first, second = client, Client()
    login(first, owner)
    login(second, member)
    form_a = open_form(first, url, headers)
    form_b = open_form(second, url, headers)
    # Both forms carry the version they were opened at, hidden, and nothing else differs.
    assert versions(form_a) == versions(form_b) == stored_versions(obj, form_a)
    assert without_token(form_a) == without_token(form_b)

    saved = first.post(url, form_a.data(**{case.field: case.first}), **headers)
    assert saved.status_code in (200, 302)
    assert read(obj, case.field) == case.first

    refused = second.post(url, form_b.data(**{case.field: case.second}), **headers)

    assert refused.status_code == 200
    assert read(obj, case.field) == case.first, "the first save was overwritten"
    text = html.unescape(refused.content.decode())
    who = str(type(owner).objects.get(pk=owner.pk))
    assert f"{who} saved this on " in text
    assert "after you opened it" in text
    table = conflict_table(refused)
    assert f"{who} saved" in table
    assert case.first in table and case.second in table
    merged = form_posting_to(refused, url)
    assert merged.value(case.field) == case.second, "what B typed was not kept"
    assert versions(merged) == stored_versions(obj, merged), "the form kept the stale version"

    # B merges (here: keeps their own value) and saves with the version the page now carries.
    again = second.post(url, merged.data(), **headers)
    assert again.status_code in (200, 302)
    assert 'data-testid="conflict"' not in again.content.decode()
    assert read(obj, case.field) == case.second


# A delete after an edit: the delete button says which version of the row its page showed.


@dataclass(frozen=True)
class DeleteCase:
    obj: str
    page: str  # the page with the delete button, and the key of the object it names
    page_obj: str
    delete: str
    edit: str | None  # the EDITS case A saves with; None: A corrects it in Django admin


DELETES = {
    "opportunity": DeleteCase(
        "opportunity",
        "accounts:opportunities",
        "account",
        "accounts:opportunity_delete",
        "opportunity",
    ),
    "meeting": DeleteCase(
        "meeting", "accounts:meetings", "account", "accounts:meeting_delete", "meeting"
    ),
    "need": DeleteCase("need", "plans:needs", "plan", "plans:need_delete", "need"),
    "goal": DeleteCase("goal", "plans:goals", "plan", "plans:goal_delete", "goal"),
    "kpi": DeleteCase("kpi", "plans:kpis", "plan", "plans:kpi_delete", "kpi"),
    "measurement": DeleteCase(
        "measurement", "plans:kpis", "plan", "plans:measurement_delete", None
    ),
    "competitor": DeleteCase(
        "competitor", "plans:competitors", "plan", "plans:competitor_delete", "competitor"
    ),
    "action": DeleteCase("action", "plans:action_plan", "plan", "plans:action_delete", "action"),
    "stakeholder": DeleteCase(
        "stakeholder", "stakeholders:edit", "stakeholder", "stakeholders:delete", "stakeholder"
    ),
    "engagement": DeleteCase(
        "engagement",
        "stakeholders:engagement_edit",
        "engagement",
        "stakeholders:engagement_delete",
        "engagement",
    ),
}


def exists(obj) -> bool:
    return type(obj)._base_manager.filter(pk=obj.pk).exists()


def second_admin():
    return UserFactory(
        username="admin2",
        role=Role.ADMIN,
        is_staff=True,
        is_superuser=True,
        first_name="次郎",
        last_name="管理",
    )


def admin_change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def admin_form(response, obj) -> HtmlForm:
    """The change form of an admin page."""
    name = f"{obj._meta.model_name}_form"
    found = [f for f in page_forms(response) if f.attrs.get("id") == name]
    assert len(found) == 1, response.content.decode()
    return found[0]


def admin_save(client, obj, form: HtmlForm, **changes):
    return client.post(admin_change_url(obj), {**form.data(**changes), "_save": "Save"})


def edit_through_the_page(client, obj, case: EditCase, value: str) -> None:
    url = reverse(case.url_name, args=[obj.pk])
    response = client.post(url, open_form(client, url, {}).data(**{case.field: value}))
    assert response.status_code == 302, response.content.decode()


def location(response) -> str:
    return response["Location"].split("#")[0]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
@pytest.mark.parametrize("kind", list(DELETES))
def test_delete_of_a_row_edited_since_the_page_was_opened_is_refused(
    client, owner, manager, admin_user, world, kind, headers
):
    case = DELETES[kind]
    obj = world[case.obj]
    page_url = reverse(case.page, args=[world[case.page_obj].pk])
    delete_url = reverse(case.delete, args=[obj.pk])
    deleter, editor = client, Client()
    login(deleter, manager)
    delete_form = form_posting_to(deleter.get(page_url), delete_url)
    assert delete_form.value("version") == str(read(obj, "version"))

    if case.edit is None:
        login(editor, admin_user)
        page = editor.get(admin_change_url(obj))
        saved = admin_save(editor, obj, admin_form(page, obj), note="再計測の結果")
        assert saved.status_code == 302
        who = admin_user
    else:
        login(editor, owner)
        edit = EDITS[case.edit]
        edit_through_the_page(editor, world[edit.obj], edit, edit.first)
        who = owner
    who = str(type(who).objects.get(pk=who.pk))

    refused = deleter.post(delete_url, delete_form.data(), **headers)

    assert exists(obj), "deleted although it changed after the page was opened"
    if headers:
        assert refused.status_code == 200
        assert refused["HX-Refresh"] == "true"
        shown = deleter.get(page_url)  # what the browser reloads
    else:
        assert refused.status_code == 302
        shown = deleter.get(location(refused))
    assert f"{who} changed this on " in html.unescape(shown.content.decode())

    # The page shows what is stored now; a delete from it goes through.
    fresh = form_posting_to(deleter.get(page_url), delete_url)
    assert fresh.value("version") == str(read(obj, "version"))
    deleted = deleter.post(delete_url, fresh.data(), **headers)
    assert deleted.status_code in (200, 302)
    assert not exists(obj)


# Two people on two different forms of the same plan do not conflict.


def test_the_three_forms_of_a_plan_save_side_by_side(owner, member, manager, world):
    plan = world["plan"]
    people = {
        "plans:edit": (owner, "title", "FY2026 拡大プラン"),
        "plans:value_edit": (member, "value_what", "在庫回転の改善"),
        "plans:profile_edit": (manager, "profile_culture", "合議制で慎重"),
    }
    opened = {}
    for url_name, (person, _column, _value) in people.items():
        client = login(Client(), person)
        url = reverse(url_name, args=[plan.pk])
        opened[url_name] = (client, url, open_form(client, url, {}))

    for url_name, (client, url, form) in opened.items():
        _person, column, value = people[url_name]
        response = client.post(url, form.data(**{column: value}))
        assert response.status_code == 302, response.content.decode()

    plan.refresh_from_db()
    assert (plan.title, plan.value_what, plan.profile_culture) == (
        "FY2026 拡大プラン",
        "在庫回転の改善",
        "合議制で慎重",
    )
    assert (plan.version, plan.value_version, plan.profile_version) == (2, 2, 2)


# Through Django admin


ADMIN_EDITS = {
    "account": ("headquarters", "大阪市北区", "名古屋市中村区"),
    "contract": ("title", "保守契約（改定版）", "保守契約（延長）"),
    "opportunity": ("title", "追加ライセンス50本", "追加ライセンス80本"),
    "meeting": ("subject", "役員定例", "月次定例"),
    "plan": ("value_what", "在庫回転の改善", "調達コストの削減"),
    "need": ("title", "物流費の削減", "欠品の削減"),
    "goal": ("statement", "受注額を1.3億円にする", "受注額を1.5億円にする"),
    "kpi": ("name", "月次受注額", "四半期受注額"),
    "measurement": ("note", "速報値", "確定値"),
    "competitor": ("products", "クラウド在庫管理", "オンプレERP"),
    "action": ("title", "CFOとの面談", "CIOとの面談"),
    "stakeholder": ("department", "経営企画部", "情報システム部"),
    "engagement": ("approach", "月次で進捗を報告", "四半期ごとに役員説明"),
}


@pytest.mark.parametrize("kind", list(ADMIN_EDITS))
def test_second_admin_save_is_refused_and_keeps_what_was_typed(client, admin_user, world, kind):
    column, first_value, second_value = ADMIN_EDITS[kind]
    obj = world[kind]
    other = second_admin()
    first, second = client, Client()
    login(first, admin_user)
    login(second, other)
    url = admin_change_url(obj)
    form_a = admin_form(first.get(url), obj)
    form_b = admin_form(second.get(url), obj)
    assert versions(form_a) == versions(form_b) == stored_versions(obj, form_a)

    saved = admin_save(first, obj, form_a, **{column: first_value})
    assert saved.status_code == 302, saved.content.decode()
    assert read(obj, column) == first_value

    refused = admin_save(second, obj, form_b, **{column: second_value})

    assert refused.status_code == 200
    assert read(obj, column) == first_value, "the first save was overwritten"
    who = str(type(admin_user).objects.get(pk=admin_user.pk))
    text = html.unescape(refused.content.decode())
    assert 'class="errornote"' in text
    assert f"{who} saved this on " in text
    assert f"{who} saved: {first_value}" in text
    kept = admin_form(refused, obj)
    assert kept.value(column) == second_value, "what was typed was not kept"
    assert versions(kept) == stored_versions(obj, kept)

    merged = admin_save(second, obj, kept)
    assert merged.status_code == 302, merged.content.decode()
    assert read(obj, column) == second_value


# Through a spreadsheet: an exported file says which version each row was read at.


@dataclass(frozen=True)
class ImportCase:
    app_model: str  # admin URL prefix
    resource: str
    key: str  # the column the row is known by
    column: str  # what the file changes
    value: str


RESOURCES = {
    "accountresource": AccountResource,
    "contractresource": ContractResource,
    "stakeholderresource": StakeholderResource,
}
IMPORTS = {
    "account": ImportCase("accounts_account", "accountresource", "name", "description", "重点顧客"),
    "contract": ImportCase(
        "accounts_contract", "contractresource", "number", "sla_terms", "平日9時から18時"
    ),
    "stakeholder": ImportCase(
        "stakeholders_stakeholder", "stakeholderresource", "name", "notes", "予算の決裁者"
    ),
}


def export_rows(client, case: ImportCase) -> tablib.Dataset:
    """The file the admin export page gives, every column ticked."""
    resource = RESOURCES[case.resource]()
    fields = {f"{case.resource}_{name}": "on" for name in resource.get_export_order()}
    response = client.post(
        reverse(f"admin:{case.app_model}_export"), {"resource": "0", "format": "0", **fields}
    )
    assert response.status_code == 200
    return tablib.Dataset().load(response.content.decode("utf-8-sig"), format="csv")


def with_change(dataset: tablib.Dataset, case: ImportCase, key: str) -> bytes:
    """The file with one cell of the row known by `key` typed over, as CSV."""
    [index] = [i for i, row in enumerate(dataset.dict) if row[case.key] == key]
    rows = dataset.dict
    rows[index][case.column] = case.value
    changed = tablib.Dataset(headers=dataset.headers)
    for row in rows:
        changed.append([row[h] for h in dataset.headers])
    return changed.export("csv").encode("utf-8-sig")


def upload(client, case: ImportCase, content: bytes):
    return client.post(
        reverse(f"admin:{case.app_model}_import"),
        {"resource": "0", "format": "0", "import_file": SimpleUploadedFile("rows.csv", content)},
    )


@pytest.mark.parametrize("kind", list(IMPORTS))
def test_import_of_a_row_saved_since_the_export_is_refused(client, owner, admin_user, world, kind):
    case = IMPORTS[kind]
    obj = world[kind]
    key = getattr(obj, case.key)
    login(client, admin_user)
    exported = export_rows(client, case)
    [row] = [r for r in exported.dict if r[case.key] == key]
    assert row["version"] == str(obj.version)

    # Meanwhile the owner corrects the row on its page.
    edit = EDITS[kind]
    edit_through_the_page(login(Client(), owner), obj, edit, edit.first)
    before = type(obj)._base_manager.filter(pk=obj.pk).values().get()

    preview = upload(client, case, with_change(exported, case, key))

    assert preview.status_code == 200
    assert "confirm_form" not in preview.context, "a stale file may not be confirmed"
    who = str(type(owner).objects.get(pk=owner.pk))
    assert f"{who} saved this on " in html.unescape(preview.content.decode())
    assert type(obj)._base_manager.filter(pk=obj.pk).values().get() == before
    assert read(obj, edit.field) == edit.first

    # Exported again, the same change goes in, and the owner's correction stays.
    fresh = upload(client, case, with_change(export_rows(client, case), case, key))
    assert "confirm_form" in fresh.context, fresh.content.decode()
    confirm = fresh.context["confirm_form"]
    done = client.post(reverse(f"admin:{case.app_model}_process_import"), confirm.initial)
    assert done.status_code == 302
    assert read(obj, case.column) == case.value
    assert read(obj, edit.field) == edit.first
    assert read(obj, "version") == before["version"] + 1


# Derived writes are not edits: a form open meanwhile still saves.


def live_value(account) -> Decimal:
    row = AccountContractValue.objects.filter(account=account, currency="JPY").first()
    return row.live_value if row else Decimal(0)


def test_background_writes_leave_open_forms_saveable(client, owner, member, world):
    account, kpi, person = world["account"], world["kpi"], world["stakeholder"]
    login(client, owner)
    opened = {}
    for obj, case in (
        (account, EDITS["account"]),
        (kpi, EDITS["kpi"]),
        (person, EDITS["stakeholder"]),
    ):
        url = reverse(case.url_name, args=[obj.pk])
        opened[case.url_name] = (obj, case, url, open_form(client, url, {}))
    colleague = login(Client(), member)

    # The nightly health score.
    assert read(account, "health_computed_at") is None
    assert refresh_account_health() == Account.objects.count()
    assert read(account, "health_computed_at") is not None

    # A contract added: the account's contract value rolls up.
    before = live_value(account)
    url = reverse("accounts:contract_add", args=[account.pk])
    contract = open_form(colleague, url, {}).data(
        number="C-2026-900",
        title="追加保守",
        start_date="2026-04-01",
        end_date="2027-03-31",
        annual_value="5000000",
    )
    assert colleague.post(url, contract).status_code == 302
    assert live_value(account) == before + 5000000

    # A measurement recorded: the KPI's latest value follows it.
    url = reverse("plans:measurement_create", args=[kpi.pk])
    page = colleague.get(reverse("plans:kpis", args=[kpi.plan_id]))
    measured = form_posting_to(page, url).data(measured_on="2026-11-20", value="85")
    assert colleague.post(url, measured).status_code == 302
    assert read(kpi, "latest_value") == 85

    # A meeting with the person logged: their last contact moves to its day.
    url = reverse("accounts:meeting_add", args=[account.pk])
    meeting = open_form(colleague, url, {}).data(subject="定例会", stakeholders=[str(person.pk)])
    assert colleague.post(url, meeting).status_code == 302
    assert read(person, "last_contacted_on") == dt.date(2026, 11, 20)

    for obj, case, url, form in opened.values():
        assert versions(form) == stored_versions(obj, form), f"{case.url_name} went stale"
        response = client.post(url, form.data(**{case.field: case.first}))
        assert response.status_code == 302, response.content.decode()
        assert read(obj, case.field) == case.first
    # What the background wrote is still there.
    assert read(account, "health_computed_at") is not None
    assert read(kpi, "latest_value") == 85
    assert read(person, "last_contacted_on") == dt.date(2026, 11, 20)


@pytest.mark.parametrize("typed", ["2026-11-18", ""], ids=["earlier-day", "cleared"])
def test_a_last_contact_changed_in_the_form_is_saved(client, owner, world, typed):
    """Only a last contact left as the form showed it is kept from being written back."""
    person = world["stakeholder"]
    person.last_contacted_on = dt.date(2026, 11, 20)
    person.save()
    login(client, owner)
    url = reverse("stakeholders:edit", args=[person.pk])
    form = open_form(client, url, {})
    assert form.value("last_contacted_on") == "2026-11-20"

    response = client.post(url, form.data(last_contacted_on=typed))

    assert response.status_code == 302, response.content.decode()
    assert read(person, "last_contacted_on") == (dt.date.fromisoformat(typed) if typed else None)


# The account team


@pytest.fixture
def colleague(db):
    return UserFactory(username="colleague", last_name="伊藤", first_name="翔")


def team_form(response) -> HtmlForm:
    [form] = [f for f in page_forms(response) if f.attrs.get("data-testid") == "team-add"]
    return form


def test_the_same_colleague_added_twice_is_on_the_team_once(
    client, owner, manager, account, colleague
):
    team_url = reverse("accounts:team", args=[account.pk])
    add_url = reverse("accounts:team_add", args=[account.pk])
    other = login(Client(), manager)
    login(client, owner)
    form_a, form_b = team_form(client.get(team_url)), team_form(other.get(team_url))

    added = client.post(add_url, form_a.data(user=str(colleague.pk), role="sales"))
    assert added.status_code == 302
    refused = other.post(add_url, form_b.data(user=str(colleague.pk), role="sales"), **HTMX)

    assert refused.status_code == 200
    assert "Choose a colleague who is not on the team yet." in refused.content.decode()
    assert AccountTeamMember.objects.filter(account=account, user=colleague).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_adds_passing_the_checks_at_once_are_decided_by_the_database(
    client, manager, account, colleague, monkeypatch
):
    """The other add commits between this one's checks and its insert."""
    checked = AccountTeamMember.full_clean

    def and_meanwhile(self, *args, **kwargs):
        checked(self, *args, **kwargs)

        def other_add():
            try:
                AccountTeamMember.objects.create(
                    account_id=self.account_id, user_id=self.user_id, role="sales"
                )
            finally:
                connection.close()

        thread = threading.Thread(target=other_add)
        thread.start()
        thread.join()

    monkeypatch.setattr(AccountTeamMember, "full_clean", and_meanwhile)
    login(client, manager)
    form = team_form(client.get(reverse("accounts:team", args=[account.pk])))

    response = client.post(
        reverse("accounts:team_add", args=[account.pk]),
        form.data(user=str(colleague.pk), role="customer_success"),
        **HTMX,
    )

    assert response.status_code == 200
    name = str(type(colleague).objects.get(pk=colleague.pk))
    assert f"{name} is already on the account team." in html.unescape(response.content.decode())
    [row] = AccountTeamMember.objects.filter(account=account, user=colleague)
    assert row.role == "sales"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_removing_someone_already_removed_changes_nothing_and_says_so(
    client, owner, manager, member, account, headers
):
    team_url = reverse("accounts:team", args=[account.pk])
    remove_url = reverse("accounts:team_remove", args=[account.pk, member.pk])
    other = login(Client(), manager)
    login(client, owner)
    form_a = form_posting_to(client.get(team_url), remove_url)
    form_b = form_posting_to(other.get(team_url), remove_url)
    name = str(type(member).objects.get(pk=member.pk))

    removed = client.post(remove_url, form_a.data())
    assert removed.status_code == 302
    assert f"{name} left the account team." in client.get(location(removed)).content.decode()
    assert not AccountTeamMember.objects.filter(account=account, user=member).exists()

    again = other.post(remove_url, form_b.data(), **headers)

    if headers:
        assert again.status_code == 200
        shown = again.content.decode()
    else:
        assert again.status_code == 302
        shown = other.get(location(again)).content.decode()
    assert f"{name} was no longer on the account team." in shown
    assert f"{name} left the account team." not in shown
    assert not AccountTeamMember.objects.filter(account=account).exists()
