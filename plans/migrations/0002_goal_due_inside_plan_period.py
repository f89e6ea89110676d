"""A goal's due date must fall inside its plan's period.

The rule spans two tables, so a check constraint cannot hold it: triggers on both tables
refuse a goal outside the period and a plan period that would leave a goal outside.
"""

from django.db import migrations

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION plans_goal_due_inside_period() RETURNS trigger AS $$
    BEGIN
        IF NOT EXISTS (
            SELECT 1 FROM plans_accountplan p
            WHERE p.id = NEW.plan_id AND NEW.due_date BETWEEN p.period_start AND p.period_end
        ) THEN
            RAISE EXCEPTION 'goal_due_inside_plan_period' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER plans_goal_due_inside_period
    BEFORE INSERT OR UPDATE OF due_date, plan_id ON plans_goal
    FOR EACH ROW EXECUTE FUNCTION plans_goal_due_inside_period();
    """,
    """
    CREATE OR REPLACE FUNCTION plans_plan_period_keeps_goals() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM plans_goal g
            WHERE g.plan_id = NEW.id
              AND (g.due_date < NEW.period_start OR g.due_date > NEW.period_end)
        ) THEN
            RAISE EXCEPTION 'goal_due_inside_plan_period' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER plans_plan_period_keeps_goals
    BEFORE UPDATE OF period_start, period_end ON plans_accountplan
    FOR EACH ROW EXECUTE FUNCTION plans_plan_period_keeps_goals();
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS plans_goal_due_inside_period ON plans_goal;",
    "DROP FUNCTION IF EXISTS plans_goal_due_inside_period();",
    "DROP TRIGGER IF EXISTS plans_plan_period_keeps_goals ON plans_accountplan;",
    "DROP FUNCTION IF EXISTS plans_plan_period_keeps_goals();",
]

_GOAL_CHECK = """
    SELECT RAISE(ABORT, 'goal_due_inside_plan_period')
    WHERE NOT EXISTS (
        SELECT 1 FROM plans_accountplan p
        WHERE p.id = NEW.plan_id AND NEW.due_date BETWEEN p.period_start AND p.period_end
    );
"""
SQLITE = [
    f"CREATE TRIGGER plans_goal_due_inside_period_ins BEFORE INSERT ON plans_goal "
    f"BEGIN {_GOAL_CHECK} END;",
    f"CREATE TRIGGER plans_goal_due_inside_period_upd BEFORE UPDATE OF due_date, plan_id "
    f"ON plans_goal BEGIN {_GOAL_CHECK} END;",
    """
    CREATE TRIGGER plans_plan_period_keeps_goals
    BEFORE UPDATE OF period_start, period_end ON plans_accountplan
    BEGIN
        SELECT RAISE(ABORT, 'goal_due_inside_plan_period')
        WHERE EXISTS (
            SELECT 1 FROM plans_goal g
            WHERE g.plan_id = NEW.id
              AND (g.due_date < NEW.period_start OR g.due_date > NEW.period_end)
        );
    END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS plans_goal_due_inside_period_ins;",
    "DROP TRIGGER IF EXISTS plans_goal_due_inside_period_upd;",
    "DROP TRIGGER IF EXISTS plans_plan_period_keeps_goals;",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
