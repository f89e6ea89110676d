import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from kam.tools import backup


class Command(BaseCommand):
    help = (
        "Backup drill: dump this database with pg_dump, restore it into a fresh database with "
        "pg_restore, and compare the rows of every table. Fails when anything differs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dir", help="Where the dump is written (a temporary folder if not)")
        parser.add_argument(
            "--keep", action="store_true", help="Keep the restored <name>_drill database"
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The backup drill needs PostgreSQL (pg_dump and pg_restore).")
        source = backup.Target.from_settings(connection.settings_dict)
        connection.close()
        with tempfile.TemporaryDirectory() as scratch:
            workdir = Path(options["dir"] or scratch)
            try:
                report = backup.drill(source, workdir, keep=options["keep"])
            except backup.BackupError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"Dumped {report.source} ({report.tables} tables, {report.rows} rows) into "
                f"{report.dump_bytes:,} bytes; restored into {report.restored_into}"
                + ("" if options["keep"] else " (dropped afterwards)")
            )
        if not report.ok:
            for table, (before, after) in report.differences.items():
                self.stderr.write(f"  {table}: {before} rows before, {after} after")
            raise CommandError("The restored database differs from the original.")
        self.stdout.write(self.style.SUCCESS("Every table has the same rows after the restore."))
