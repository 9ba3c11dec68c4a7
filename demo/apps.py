from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and benchmarks. It sits at the top of the app graph (it may use every app,
    and no app uses it), like config/."""

    name = "demo"
    verbose_name = "Demo data"
