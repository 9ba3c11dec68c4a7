from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "People and organisations"

    def ready(self):
        from .bulk_import import run_bulk_enrolment
        from .jobs import register_runner
        from .models import BackgroundJob

        register_runner(BackgroundJob.Kind.BULK_ENROLMENT, run_bulk_enrolment)
