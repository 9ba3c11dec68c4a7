from django.apps import AppConfig


class StandardsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "standards"
    verbose_name = "Apprenticeship standards"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers that stamp edits)
