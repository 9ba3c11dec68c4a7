from django.apps import AppConfig


class SkillscanConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "skillscan"
    verbose_name = "Skills scans"
