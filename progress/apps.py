from django.apps import AppConfig


class ProgressConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "progress"
    verbose_name = "Progress"

    def ready(self):
        from accounts.models import Apprenticeship
        from accounts.status import register_guard

        from . import tally
        from .selectors import gateway_guard

        # The dashboard's stored figures follow every write, in its transaction.
        tally.connect()

        # Gateway only when its checklist holds, checked again inside the status change.
        register_guard(Apprenticeship.Status.GATEWAY, gateway_guard)

        # The portfolio's PDF and zip, built as background jobs (accounts.jobs).
        from accounts.jobs import register_runner

        from .portfolio_files import RUNNERS

        for kind, runner in RUNNERS.items():
            register_runner(kind, runner)
