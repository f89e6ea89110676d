from django.db import migrations


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="5",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Tokyo",
    )
    PeriodicTask.objects.get_or_create(
        name="Refresh account health",
        defaults={"task": "kam.refresh_account_health", "crontab": crontab},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task="kam.refresh_account_health"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("kam", "0003_reminder_schedule")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
