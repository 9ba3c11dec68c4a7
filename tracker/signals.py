"""accounts cannot import tracker (tracker builds on it), so tracker listens for an
apprenticeship being saved active and gives it its duty progress rows: bookkeeping that
follows from the standard, not a rule of its own."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Apprenticeship

from .services import duty_progress_ensure


@receiver(post_save, sender=Apprenticeship, dispatch_uid="tracker-duty-progress")
def create_duty_progress(sender, instance, raw=False, **kwargs):
    if not raw and instance.status == Apprenticeship.Status.ACTIVE:
        duty_progress_ensure(apprenticeship=instance)
