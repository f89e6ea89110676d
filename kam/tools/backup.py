"""Backup and restore with PostgreSQL's own tools, and the drill that proves a backup restores.

- `dump`: `pg_dump --format=custom` of the whole database (schema, data, triggers, the
  Celery beat schedule and the security log), one compressed file.
- `restore`: `pg_restore` of such a file into a new, empty database.
- `drill`: dump the database, restore it into a fresh one, and compare the rows of every
  table; the drill database is dropped afterwards unless asked to keep it.

The procedure in words, for when it is done by hand, is in docs/backup.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import psycopg
from psycopg import sql


@dataclass(frozen=True)
class Target:
    """Where a database is: enough for the PostgreSQL tools and for psycopg."""

    host: str
    port: int
    user: str
    password: str
    name: str

    @classmethod
    def from_settings(cls, settings_dict: dict) -> Target:
        return cls(
            host=settings_dict.get("HOST") or "127.0.0.1",
            port=int(settings_dict.get("PORT") or 5432),
            user=settings_dict.get("USER") or "postgres",
            password=settings_dict.get("PASSWORD") or "",
            name=settings_dict["NAME"],
        )

    @classmethod
    def from_url(cls, url: str) -> Target:
        parts = urlparse(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
            name=parts.path.lstrip("/"),
        )

    def named(self, name: str) -> Target:
        return Target(self.host, self.port, self.user, self.password, name)

    def env(self) -> dict:
        """libpq's environment for the command-line tools: the password never on a command
        line, where other users of the machine could read it."""
        env = {**os.environ, "PGHOST": self.host, "PGPORT": str(self.port), "PGUSER": self.user}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, name: str | None = None, **kwargs) -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=name or self.name,
            **kwargs,
        )


class BackupError(RuntimeError):
    pass


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} not found: install PostgreSQL's client tools (postgresql-client)"
        )
    return found


def _run(command: list[str], target: Target) -> None:
    done = subprocess.run(command, env=target.env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def dump(target: Target, path: Path) -> Path:
    """The whole database into one compressed file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(path), target.name],
        target,
    )
    return path


def create_empty(target: Target) -> None:
    """A new, empty database (an existing one of that name is dropped first)."""
    with target.connect("postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target.name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.name)))


def drop(target: Target) -> None:
    with target.connect("postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target.name))
        )


def restore(path: Path, target: Target) -> None:
    """A dump into a new, empty database; stops at the first error."""
    create_empty(target)
    _run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            target.name,
            str(path),
        ],
        target,
    )


def row_counts(target: Target) -> dict[str, int]:
    """Rows in every table of the public schema."""
    with target.connect() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }


@dataclass
class DrillReport:
    source: str
    restored_into: str
    dump_file: Path
    dump_bytes: int
    tables: int
    rows: int
    differences: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.differences


def drill(source: Target, workdir: Path, *, keep: bool = False) -> DrillReport:
    """Dump, restore into `<name>_drill`, compare every table's rows."""
    path = dump(source, workdir / f"{source.name}.dump")
    restored = source.named(f"{source.name}_drill")
    restore(path, restored)
    before, after = row_counts(source), row_counts(restored)
    differences = {
        table: (before.get(table), after.get(table))
        for table in sorted(set(before) | set(after))
        if before.get(table) != after.get(table)
    }
    if not keep:
        drop(restored)
    return DrillReport(
        source=source.name,
        restored_into=restored.name,
        dump_file=path,
        dump_bytes=path.stat().st_size,
        tables=len(before),
        rows=sum(before.values()),
        differences=differences,
    )
