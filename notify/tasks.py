"""Background tasks of notifications, on the schedule of Celery beat (CELERY_BEAT_SCHEDULE):
the reminders and the digests (`manage.py send_reminders` does the reminders from cron)."""

from celery import shared_task

from . import digest, reminders


@shared_task
def send_reminders():
    result = reminders.send_reminders()
    return {"reminders": result.reminders, "people": result.people, "emails": result.emails}


@shared_task
def send_digests():
    return digest.send_digests()
