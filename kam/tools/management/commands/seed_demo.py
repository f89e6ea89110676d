from django.core.management.base import BaseCommand

from accounts.models import Account
from kam.tools import demo


class Command(BaseCommand):
    help = (
        "Load the demo portfolio: about 40 fictional key accounts with stakeholders, contracts, "
        "opportunities, meetings and account plans, and one demo user per role (password "
        f"{demo.PASSWORD}). Accounts that exist already are left as they are, so it is safe "
        "to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if any key account exists (for start-up scripts).",
        )

    def handle(self, *args, **options):
        if options["if_empty"] and Account.objects.exists():
            self.stdout.write("Key accounts exist already; demo data not loaded.")
            return
        result = demo.demo_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {result.created} accounts created, {result.skipped} already there."
            )
        )
        width = max(len(label) for label in result.counts)
        for label, count in result.counts.items():
            self.stdout.write(f"  {label:<{width}}  {count:>6}")
        self.stdout.write(
            "Demo logins (password "
            + demo.PASSWORD
            + "): "
            + ", ".join(user.username for user in demo.DEMO_USERS)
        )
