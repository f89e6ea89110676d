from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kam.reminders import engine as reminders
from kam.reminders.tasks import run_reminder_sweeps


class Command(BaseCommand):
    help = "Run the reminder sweeps now. With --dry-run, list what would be sent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind",
            choices=sorted(reminders.SWEEPS),
            action="append",
            help="Only this kind (repeatable). Default: every kind.",
        )
        parser.add_argument("--dry-run", action="store_true", help="List, record nothing.")
        parser.add_argument("--date", help="Run as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, **options):
        import datetime as dt

        try:
            today = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from exc
        today = today or timezone.localdate()
        kinds = options["kind"] or list(reminders.SWEEPS)
        if options["dry_run"]:
            total = 0
            for kind in kinds:
                for due in reminders.preview(kind, today=today):
                    total += 1
                    self.stdout.write(
                        f"{due.kind}\t{due.due_date}\tlead {due.lead_days}\t"
                        f"user {due.recipient_id}\t{due.subject}"
                    )
            self.stdout.write(f"{total} reminder(s) would be sent for {today}.")
            return
        if options["kind"]:
            for kind in kinds:
                result = reminders.sweep(kind, today=today)
                self.stdout.write(f"{kind}: {result.due} due, {result.recorded} new")
            self.stdout.write(f"notified: {reminders.notify_recorded()}")
            return
        results = run_reminder_sweeps(today.isoformat())
        for kind, value in results.items():
            self.stdout.write(f"{kind}: {value}")
