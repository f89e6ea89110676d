"""The floors of the code hold: imports only go down, and every write goes through one flow.

Floors, from the ground up (README, "Architecture"):
- ground, kam/core: the base model, users, notifications, db, htmx and edit helpers;
- domain apps: accounts, plans, stakeholders;
- features above the apps: kam/dashboard, kam/reminders, kam/history;
- project wiring (kam/settings, kam/urls.py, kam/celery.py, wsgi/asgi) and tools (kam/tools),
  which may import anything.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from kam.core import edit
from tests.pages import build_world, http_methods, url_for, url_patterns

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ("accounts", "plans", "stakeholders")
FEATURES = ("kam.dashboard", "kam.reminders", "kam.history")


def floor_of_module(name: str) -> str | None:
    """The floor a module of ours stands on; None for Django and other libraries."""
    top = name.split(".")[0]
    if top in DOMAIN:
        return "domain"
    if top != "kam":
        return None
    if name == "kam.core" or name.startswith("kam.core."):
        return "ground"
    if any(name == f or name.startswith(f + ".") for f in FEATURES):
        return "feature"
    if name == "kam.tools" or name.startswith("kam.tools."):
        return "tools"
    return "wiring"


# What each floor may import, besides libraries.
ALLOWED = {
    "ground": {"ground"},
    "domain": {"ground", "domain"},
    "feature": {"ground", "domain", "feature"},
    "tools": {"ground", "domain", "feature", "tools", "wiring"},
    "wiring": {"ground", "domain", "feature", "tools", "wiring"},
}


def product_modules() -> list[tuple[str, Path]]:
    modules = []
    for top in ("kam", *DOMAIN):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules.append((".".join(parts), path))
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(module: str, path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, wherever the import stands, but for TYPE_CHECKING blocks."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # "from . import views" imports the module kam.core.views.
            found.extend((node.lineno, f"{target}.{alias.name}") for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _our_module(name: str) -> bool:
    return name in sys.modules or any(
        (ROOT / Path(*name.split("."))).with_suffix(suffix).exists() for suffix in (".py", "")
    )


def layer_violations() -> list[str]:
    wrong = []
    for module, path in product_modules():
        floor = floor_of_module(module)
        for line, name in imported_names(module, path):
            target = floor_of_module(name)
            if target is None or not _our_module(name):
                continue
            if target not in ALLOWED[floor]:
                where = f"{path.relative_to(ROOT)}:{line}"
                wrong.append(f"{where}: the {floor} imports {name} ({target})")
    return wrong


def test_imports_only_go_down():
    assert layer_violations() == []


def test_the_layer_check_sees_a_wrong_import(tmp_path, monkeypatch):
    # The check itself: a domain module importing the dashboard is caught, a TYPE_CHECKING
    # import is not, and relative imports are resolved.
    source = (
        "from typing import TYPE_CHECKING\n"
        "from kam.dashboard import figures\n"
        "from .models import Account\n"
        "if TYPE_CHECKING:\n"
        "    from kam.reminders import engine\n"
    )
    path = tmp_path / "probe.py"
    path.write_text(source)
    names = [name for _line, name in imported_names("accounts.probe", path)]
    assert "kam.dashboard" in names and "kam.dashboard.figures" in names
    assert "accounts.models" in names
    assert not any(name.startswith("kam.reminders") for name in names)
    assert floor_of_module("kam.dashboard.figures") == "feature"
    assert "feature" not in ALLOWED[floor_of_module("accounts.probe")]
    assert floor_of_module("kam.core.models") == "ground"
    assert "domain" not in ALLOWED["ground"]


# Every create, edit and delete goes through kam.core.edit.edit_flow.

# Views that write without naming an object under an account: signing in and out, a
# person's password, second step and sessions, and their own language and notifications.
NOT_OBJECT_WRITES = {
    "login",
    "login_two_step",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "password_change",
    "password_change_done",
    "two_step_setup",
    "two_step_codes",
    "two_step_disable",
    "sign_out_everywhere",
    "set_language",
    "notifications_mark_read",
    "notification_open",
}

# The object each write URL names (its `pk`, `plan_pk` or `account_pk`).
WRITE_URL_OBJECTS = {
    "user_settings": None,
    "accounts:create": None,
    "accounts:edit": "account",
    "accounts:team_add": "account",
    "accounts:team_remove": "team_member",
    "accounts:contract_add": "account",
    "accounts:contract_edit": "contract",
    "accounts:contract_price_review": "contract",
    "accounts:opportunity_add": "account",
    "accounts:opportunity_stage": "opportunity",
    "accounts:opportunity_edit": "opportunity",
    "accounts:opportunity_delete": "opportunity",
    "accounts:meeting_add": "account",
    "accounts:meeting_edit": "meeting",
    "accounts:meeting_delete": "meeting",
    "renewals:start": "contract",
    "renewals:renew": "contract",
    "renewals:close": "contract",
    "plans:create": None,
    "plans:edit": "plan",
    "plans:status": "plan",
    "plans:review": "plan",
    "plans:copy_forward": "plan",
    "plans:review_sign_off": "review",
    "plans:value_edit": "plan",
    "plans:profile_edit": "plan",
    "plans:need_create": "plan",
    "plans:need_edit": "need",
    "plans:need_delete": "need",
    "plans:goal_create": "plan",
    "plans:goal_edit": "goal",
    "plans:goal_delete": "goal",
    "plans:kpi_create": "plan",
    "plans:kpi_edit": "kpi",
    "plans:kpi_delete": "kpi",
    "plans:measurement_create": "kpi",
    "plans:measurement_delete": "measurement",
    "plans:competitor_create": "plan",
    "plans:competitor_edit": "competitor",
    "plans:competitor_delete": "competitor",
    "plans:action_create": "plan",
    "plans:action_edit": "action",
    "plans:action_delete": "action",
    "plans:action_status": "action",
    "plans:action_from_meeting": "meeting",
    "stakeholders:create": "account",
    "stakeholders:edit": "stakeholder",
    "stakeholders:delete": "stakeholder",
    "stakeholders:engagement_create": "plan",
    "stakeholders:engagement_edit": "engagement",
    "stakeholders:engagement_delete": "engagement",
    "comments:account_start": "account",
    "comments:plan_start": "plan",
    "comments:reply": "comment",
    "comments:edit": "comment",
    "comments:delete": "comment",
    "comments:resolve": "comment",
    "comments:reopen": "comment",
}


def write_urls() -> list[str]:
    names = []
    for name, pattern in url_patterns():
        methods = http_methods(pattern.callback)
        if name in NOT_OBJECT_WRITES:
            continue
        if methods is None or "POST" in methods:
            names.append(name)
    return sorted(names)


def test_every_write_url_is_known():
    # A new write view is added to WRITE_URL_OBJECTS, and so to the test below.
    assert write_urls() == sorted(WRITE_URL_OBJECTS)


@pytest.fixture
def world(account):
    return build_world(account)


@pytest.fixture
def flows(monkeypatch) -> list[str]:
    """Records each run of edit_flow, wherever a view module imported it."""
    calls: list[str] = []
    original = edit.edit_flow
    url_patterns()  # imports every view module

    def spy(request, **kwargs):
        calls.append(request.path)
        return original(request, **kwargs)

    for module in list(sys.modules.values()):
        if getattr(module, "edit_flow", None) is original:
            monkeypatch.setattr(module, "edit_flow", spy)
    return calls


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(WRITE_URL_OBJECTS))
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_every_write_goes_through_the_edit_flow(client, owner, world, flows, name, htmx):
    url = url_for(name, WRITE_URL_OBJECTS[name], world)
    client.force_login(owner)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(url, {}, **headers)
    assert response.status_code in (200, 302), (name, response.status_code)
    assert flows == [url.split("?")[0]], name
