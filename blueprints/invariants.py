"""Database triggers for invariants that span tables, on SQLite and PostgreSQL.

A CHECK constraint cannot look at another row, so "a step's lane belongs to the step's
blueprint" is held by triggers. They raise an integrity error, exactly like a constraint.
SQLite drops a table's triggers when Django rebuilds the table, so every migration that alters
these tables ends by running `install` again (it is idempotent); the invariant tests catch a
migration that forgets. Such a migration also starts with `uninstall`: SQLite refuses to rename
a rebuilt table while a trigger on another table refers to it.
"""

from typing import Any

# (table, column, referenced table): NEW.column must point at a row of the same blueprint.
SAME_BLUEPRINT = [
    ("blueprints_step", "lane_id", "blueprints_lane"),
    ("blueprints_step", "phase_id", "blueprints_phase"),
    ("blueprints_link", "source_id", "blueprints_step"),
    ("blueprints_link", "target_id", "blueprints_step"),
]
# Rows never move to another blueprint once created.
FIXED_BLUEPRINT = ["blueprints_phase", "blueprints_lane", "blueprints_step", "blueprints_link"]

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION frontstage_same_blueprint() RETURNS trigger AS $$
DECLARE ref_blueprint bigint;
BEGIN
  EXECUTE format('SELECT blueprint_id FROM %I WHERE id = $1', TG_ARGV[0])
    INTO ref_blueprint USING (to_jsonb(NEW) ->> TG_ARGV[1])::bigint;
  IF ref_blueprint IS DISTINCT FROM NEW.blueprint_id THEN
    RAISE EXCEPTION '%.% must belong to the same blueprint', TG_TABLE_NAME, TG_ARGV[1]
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION frontstage_fixed_blueprint() RETURNS trigger AS $$
BEGIN
  IF NEW.blueprint_id IS DISTINCT FROM OLD.blueprint_id THEN
    RAISE EXCEPTION '% cannot move to another blueprint', TG_TABLE_NAME
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


def _sqlite_statements() -> list[str]:
    statements = []
    for table, column, ref in SAME_BLUEPRINT:
        condition = (
            f"(SELECT blueprint_id FROM {ref} WHERE id = NEW.{column}) IS NOT NEW.blueprint_id"
        )
        message = f"{table}.{column} must belong to the same blueprint"
        for event, suffix in (("INSERT", "ins"), (f"UPDATE OF {column}, blueprint_id", "upd")):
            statements.append(
                f"CREATE TRIGGER {table}_{column}_same_bp_{suffix} BEFORE {event} ON {table} "
                f"FOR EACH ROW WHEN {condition} BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    for table in FIXED_BLUEPRINT:
        statements.append(
            f"CREATE TRIGGER {table}_fixed_bp BEFORE UPDATE OF blueprint_id ON {table} "
            f"FOR EACH ROW WHEN NEW.blueprint_id IS NOT OLD.blueprint_id "
            f"BEGIN SELECT RAISE(ABORT, '{table} cannot move to another blueprint'); END"
        )
    return statements


def _postgresql_statements() -> list[str]:
    statements = [PG_FUNCTIONS]
    for table, column, ref in SAME_BLUEPRINT:
        statements.append(
            f"CREATE TRIGGER {table}_{column}_same_bp BEFORE INSERT OR UPDATE OF {column}, "
            f"blueprint_id ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION frontstage_same_blueprint('{ref}', '{column}')"
        )
    for table in FIXED_BLUEPRINT:
        statements.append(
            f"CREATE TRIGGER {table}_fixed_bp BEFORE UPDATE OF blueprint_id ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION frontstage_fixed_blueprint()"
        )
    return statements


def install(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = _sqlite_statements()
    elif vendor == "postgresql":
        statements = _postgresql_statements()
    else:
        raise NotImplementedError(f"No invariant triggers for {vendor}")
    for statement in _drop_statements(vendor) + statements:
        schema_editor.execute(statement, params=None)


def uninstall(apps: Any, schema_editor: Any) -> None:
    """Drop the triggers: SQLite cannot rebuild a table that another table's trigger names."""
    for statement in _drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def _drop_statements(vendor: str) -> list[str]:
    names = [f"{table}_{column}_same_bp" for table, column, _ in SAME_BLUEPRINT]
    fixed = [f"{table}_fixed_bp" for table in FIXED_BLUEPRINT]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {name}{suffix}"
            for name in names
            for suffix in ("_ins", "_upd")
        ] + [f"DROP TRIGGER IF EXISTS {name}" for name in fixed]
    pairs = [(name, table) for name, (table, _, _) in zip(names, SAME_BLUEPRINT, strict=True)]
    pairs += [(f"{table}_fixed_bp", table) for table in FIXED_BLUEPRINT]
    return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in pairs]
