"""Rules that tie a row to another row's parent, held by the database.

Forms check these in clean(); triggers make them hold for admin, imports, bulk inserts and
raw updates too. Each rule is checked from both ends: on the row that points (a KPI naming
a goal) and on the row pointed at when it moves (a goal moved to another plan).

- a stakeholder's manager works at the same customer;
- an engagement's stakeholder belongs to the plan's account;
- a KPI's or an action item's goal belongs to the same plan;
- a contract's successor is a contract of the same account.
"""

from django.db import migrations

# The row that points: (trigger, table, columns whose change is checked, when the rule
# applies, the row(s) it must find). Checked on insert and on update of those columns.
POINTING = [
    (
        "stakeholder_manager_same_account",
        "stakeholders_stakeholder",
        "reports_to_id, account_id",
        "NEW.reports_to_id IS NOT NULL",
        "SELECT 1 FROM stakeholders_stakeholder m"
        " WHERE m.id = NEW.reports_to_id AND m.account_id = NEW.account_id",
    ),
    (
        "engagement_stakeholder_of_plan_account",
        "stakeholders_stakeholderengagement",
        "plan_id, stakeholder_id",
        "TRUE",
        "SELECT 1 FROM plans_accountplan p JOIN stakeholders_stakeholder s"
        " ON s.account_id = p.account_id WHERE p.id = NEW.plan_id AND s.id = NEW.stakeholder_id",
    ),
    (
        "kpi_goal_same_plan",
        "plans_kpi",
        "goal_id, plan_id",
        "NEW.goal_id IS NOT NULL",
        "SELECT 1 FROM plans_goal g WHERE g.id = NEW.goal_id AND g.plan_id = NEW.plan_id",
    ),
    (
        "action_goal_same_plan",
        "plans_actionitem",
        "goal_id, plan_id",
        "NEW.goal_id IS NOT NULL",
        "SELECT 1 FROM plans_goal g WHERE g.id = NEW.goal_id AND g.plan_id = NEW.plan_id",
    ),
    (
        "contract_successor_same_account",
        "accounts_contract",
        "successor_id, account_id",
        "NEW.successor_id IS NOT NULL",
        "SELECT 1 FROM accounts_contract s"
        " WHERE s.id = NEW.successor_id AND s.account_id = NEW.account_id",
    ),
]

# The row pointed at, when it moves: (trigger, table, columns, refused when).
POINTED_AT = [
    (
        "stakeholder_reports_stay_with_account",
        "stakeholders_stakeholder",
        "account_id",
        "EXISTS (SELECT 1 FROM stakeholders_stakeholder r"
        " WHERE r.reports_to_id = NEW.id AND r.account_id <> NEW.account_id)",
    ),
    (
        "stakeholder_engagements_stay_with_account",
        "stakeholders_stakeholder",
        "account_id",
        "EXISTS (SELECT 1 FROM stakeholders_stakeholderengagement e JOIN plans_accountplan p"
        " ON p.id = e.plan_id WHERE e.stakeholder_id = NEW.id AND p.account_id <> NEW.account_id)",
    ),
    (
        "plan_engagements_stay_with_account",
        "plans_accountplan",
        "account_id",
        "EXISTS (SELECT 1 FROM stakeholders_stakeholderengagement e JOIN stakeholders_stakeholder s"
        " ON s.id = e.stakeholder_id WHERE e.plan_id = NEW.id AND s.account_id <> NEW.account_id)",
    ),
    (
        "goal_keeps_kpis_and_actions",
        "plans_goal",
        "plan_id",
        "EXISTS (SELECT 1 FROM plans_kpi k WHERE k.goal_id = NEW.id AND k.plan_id <> NEW.plan_id)"
        " OR EXISTS (SELECT 1 FROM plans_actionitem a"
        " WHERE a.goal_id = NEW.id AND a.plan_id <> NEW.plan_id)",
    ),
    (
        "contract_predecessor_same_account",
        "accounts_contract",
        "account_id",
        "EXISTS (SELECT 1 FROM accounts_contract p"
        " WHERE p.successor_id = NEW.id AND p.account_id <> NEW.account_id)",
    ),
]


def _function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {body} "
        "RETURN NEW; END $$ LANGUAGE plpgsql;"
    )


def _refuse(name: str) -> str:
    return f"RAISE EXCEPTION '{name}' USING ERRCODE = 'check_violation';"


def _postgres():
    # The row pointed at is read FOR SHARE: a concurrent move of it (which locks it for
    # update) then waits for this transaction, or this one waits for the move and reads the
    # moved row, so two writes at once cannot slip past each other's check.
    for name, table, columns, applies, must_find in POINTING:
        yield _function(
            name,
            f"IF {applies} THEN PERFORM {must_find.removeprefix('SELECT ')} FOR SHARE; "
            f"IF NOT FOUND THEN {_refuse(name)} END IF; END IF;",
        )
        yield (
            f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OF {columns} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}();"
        )
    for name, table, columns, refused_when in POINTED_AT:
        yield _function(name, f"IF {refused_when} THEN {_refuse(name)} END IF;")
        yield (
            f"CREATE TRIGGER {name} BEFORE UPDATE OF {columns} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}();"
        )


def _postgres_reverse():
    for name, table, *_rest in POINTING + POINTED_AT:
        yield f"DROP TRIGGER IF EXISTS {name} ON {table};"
        yield f"DROP FUNCTION IF EXISTS {name}();"


def _sqlite():
    # SQLite runs one writer at a time, so a plain check cannot race.
    for name, table, columns, applies, must_find in POINTING:
        body = (
            f"BEGIN SELECT RAISE(ABORT, '{name}') "
            f"WHERE {applies} AND NOT EXISTS ({must_find}); END;"
        )
        yield f"CREATE TRIGGER {name}_ins BEFORE INSERT ON {table} {body}"
        yield f"CREATE TRIGGER {name}_upd BEFORE UPDATE OF {columns} ON {table} {body}"
    for name, table, columns, refused_when in POINTED_AT:
        body = f"BEGIN SELECT RAISE(ABORT, '{name}') WHERE {refused_when}; END;"
        yield f"CREATE TRIGGER {name}_upd BEFORE UPDATE OF {columns} ON {table} {body}"


def _sqlite_reverse():
    for name, *_rest in POINTING + POINTED_AT:
        yield f"DROP TRIGGER IF EXISTS {name}_ins;"
        yield f"DROP TRIGGER IF EXISTS {name}_upd;"


def _existing_violations(schema_editor) -> list[str]:
    """Rows that already break a rule. Django saves every column, so such a row could not
    be saved again once the triggers exist: the migration names them and stops instead."""
    found = []
    with schema_editor.connection.cursor() as cursor:
        for name, table, _columns, applies, must_find in POINTING:
            row_applies = applies.replace("NEW.", "r.")
            row_must_find = must_find.replace("NEW.", "r.")
            cursor.execute(
                f"SELECT r.id FROM {table} r WHERE {row_applies} "
                f"AND NOT EXISTS ({row_must_find}) ORDER BY r.id LIMIT 20"
            )
            ids = [str(pk) for (pk,) in cursor.fetchall()]
            if ids:
                found.append(f"{name}: {table} id {', '.join(ids)}")
    return found


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        make = statements_by_vendor.get(schema_editor.connection.vendor)
        for sql in make() if make else ():
            schema_editor.execute(sql)

    return run


def check_existing_rows(apps, schema_editor):
    found = _existing_violations(schema_editor)
    if found:
        raise RuntimeError(
            "These rows break a rule the database is about to enforce; correct them (in admin "
            "or with a script) and migrate again:\n  " + "\n  ".join(found)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("kam", "0005_hourly_sweeps"),
        ("accounts", "0006_contract_value_rollup"),
        ("plans", "0005_action_open_due"),
        ("stakeholders", "0002_constraint_messages"),
    ]

    operations = [
        migrations.RunPython(check_existing_rows, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"postgresql": _postgres, "sqlite": _sqlite}),
            _run({"postgresql": _postgres_reverse, "sqlite": _sqlite_reverse}),
        )
    ]
