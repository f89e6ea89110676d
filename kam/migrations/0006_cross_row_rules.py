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

# (trigger, table, columns whose change is checked, check on inserts too, refused when)
RULES = [
    (
        "stakeholder_manager_same_account",
        "stakeholders_stakeholder",
        "reports_to_id, account_id",
        True,
        "NEW.reports_to_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM stakeholders_stakeholder m"
        " WHERE m.id = NEW.reports_to_id AND m.account_id = NEW.account_id)",
    ),
    (
        "stakeholder_reports_stay_with_account",
        "stakeholders_stakeholder",
        "account_id",
        False,
        "EXISTS (SELECT 1 FROM stakeholders_stakeholder r"
        " WHERE r.reports_to_id = NEW.id AND r.account_id <> NEW.account_id)",
    ),
    (
        "engagement_stakeholder_of_plan_account",
        "stakeholders_stakeholderengagement",
        "plan_id, stakeholder_id",
        True,
        "NOT EXISTS (SELECT 1 FROM plans_accountplan p JOIN stakeholders_stakeholder s"
        " ON s.account_id = p.account_id WHERE p.id = NEW.plan_id AND s.id = NEW.stakeholder_id)",
    ),
    (
        "stakeholder_engagements_stay_with_account",
        "stakeholders_stakeholder",
        "account_id",
        False,
        "EXISTS (SELECT 1 FROM stakeholders_stakeholderengagement e JOIN plans_accountplan p"
        " ON p.id = e.plan_id WHERE e.stakeholder_id = NEW.id AND p.account_id <> NEW.account_id)",
    ),
    (
        "plan_engagements_stay_with_account",
        "plans_accountplan",
        "account_id",
        False,
        "EXISTS (SELECT 1 FROM stakeholders_stakeholderengagement e JOIN stakeholders_stakeholder s"
        " ON s.id = e.stakeholder_id WHERE e.plan_id = NEW.id AND s.account_id <> NEW.account_id)",
    ),
    (
        "kpi_goal_same_plan",
        "plans_kpi",
        "goal_id, plan_id",
        True,
        "NEW.goal_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM plans_goal g"
        " WHERE g.id = NEW.goal_id AND g.plan_id = NEW.plan_id)",
    ),
    (
        "action_goal_same_plan",
        "plans_actionitem",
        "goal_id, plan_id",
        True,
        "NEW.goal_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM plans_goal g"
        " WHERE g.id = NEW.goal_id AND g.plan_id = NEW.plan_id)",
    ),
    (
        "goal_keeps_kpis_and_actions",
        "plans_goal",
        "plan_id",
        False,
        "EXISTS (SELECT 1 FROM plans_kpi k WHERE k.goal_id = NEW.id AND k.plan_id <> NEW.plan_id)"
        " OR EXISTS (SELECT 1 FROM plans_actionitem a"
        " WHERE a.goal_id = NEW.id AND a.plan_id <> NEW.plan_id)",
    ),
    (
        "contract_successor_same_account",
        "accounts_contract",
        "successor_id, account_id",
        True,
        "NEW.successor_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM accounts_contract s"
        " WHERE s.id = NEW.successor_id AND s.account_id = NEW.account_id)",
    ),
    (
        "contract_predecessor_same_account",
        "accounts_contract",
        "account_id",
        False,
        "EXISTS (SELECT 1 FROM accounts_contract p"
        " WHERE p.successor_id = NEW.id AND p.account_id <> NEW.account_id)",
    ),
]


def _postgres(rules):
    for name, table, columns, on_insert, refused_when in rules:
        events = f"{'INSERT OR ' if on_insert else ''}UPDATE OF {columns}"
        yield (
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
            f"IF {refused_when} THEN "
            f"RAISE EXCEPTION '{name}' USING ERRCODE = 'check_violation'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql;"
        )
        yield (
            f"CREATE TRIGGER {name} BEFORE {events} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}();"
        )


def _postgres_reverse(rules):
    for name, table, *_rest in rules:
        yield f"DROP TRIGGER IF EXISTS {name} ON {table};"
        yield f"DROP FUNCTION IF EXISTS {name}();"


def _sqlite(rules):
    for name, table, columns, on_insert, refused_when in rules:
        body = f"BEGIN SELECT RAISE(ABORT, '{name}') WHERE {refused_when}; END;"
        if on_insert:
            yield f"CREATE TRIGGER {name}_ins BEFORE INSERT ON {table} {body}"
        yield f"CREATE TRIGGER {name}_upd BEFORE UPDATE OF {columns} ON {table} {body}"


def _sqlite_reverse(rules):
    for name, *_rest in rules:
        yield f"DROP TRIGGER IF EXISTS {name}_ins;"
        yield f"DROP TRIGGER IF EXISTS {name}_upd;"


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        make = statements_by_vendor.get(schema_editor.connection.vendor)
        for sql in make(RULES) if make else ():
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("kam", "0005_hourly_sweeps"),
        ("accounts", "0006_contract_value_rollup"),
        ("plans", "0005_action_open_due"),
        ("stakeholders", "0002_constraint_messages"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": _postgres, "sqlite": _sqlite}),
            _run({"postgresql": _postgres_reverse, "sqlite": _sqlite_reverse}),
        )
    ]
