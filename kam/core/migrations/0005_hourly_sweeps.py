"""Sweep and digest every hour instead of once a day.

Sweeps are idempotent, so running them hourly only means a contract entered at 10:00 with
a deadline in five days is mailed within the hour, not the next morning. The digest task
sends each person at most one digest a day, at the first run after DIGEST_HOUR. Schedules an
admin has already changed are left as they are.
"""

from django.db import migrations

CHANGES = [
    ("Reminder sweeps", ("30", "6"), ("5", "*")),
    ("Daily digest mails", ("30", "7"), ("35", "*")),
]


def hourly(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (old_minute, old_hour), (minute, hour) in CHANGES:
        task = PeriodicTask.objects.filter(
            name=name, crontab__minute=old_minute, crontab__hour=old_hour
        ).first()
        if task is None:
            continue
        task.crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Asia/Tokyo",
        )
        task.save()


class Migration(migrations.Migration):
    dependencies = [("kam", "0004_health_schedule")]

    operations = [migrations.RunPython(hourly, migrations.RunPython.noop)]
