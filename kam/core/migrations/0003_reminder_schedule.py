"""The reminder schedule, as rows admins can see and change in Django admin.

Created once here rather than from CELERY_BEAT_SCHEDULE, which django-celery-beat would
write back over an admin's changes every time beat starts.
"""

from django.db import migrations

DAILY = [
    ("Reminder sweeps", "kam.run_reminder_sweeps", "6", "30"),
    ("Daily digest mails", "kam.send_daily_digests", "7", "30"),
]


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, hour, minute in DAILY:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Asia/Tokyo",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})
    monday, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="8",
        day_of_week="1",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Tokyo",
    )
    PeriodicTask.objects.get_or_create(
        name="Weekly portfolio digest for managers",
        defaults={"task": "kam.send_manager_digests", "crontab": monday},
    )
    every_15, _ = IntervalSchedule.objects.get_or_create(every=15, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="Retry pending reminder mails",
        defaults={"task": "kam.retry_pending_mails", "interval": every_15},
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(
        task__in=[
            "kam.run_reminder_sweeps",
            "kam.send_daily_digests",
            "kam.send_manager_digests",
            "kam.retry_pending_mails",
        ]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kam", "0002_reminders"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
