from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self):
        # In every process that loads Django, the web's and the Celery worker's alike, so task
        # outcomes are counted where the tasks run.
        if settings.METRICS_ENABLED:
            from core import metrics

            metrics.connect_task_signals()
