"""The operations endpoints. core.health.ProbeMiddleware answers these paths before any other
middleware; the patterns are here too so they resolve (and answer the same) without it. They
have no names: their paths are fixed, known to balancers and scrapers, never reversed."""

from django.urls import path

from core import health, metrics

urlpatterns = [
    path("healthz", health.healthz),
    path("readyz", health.readyz),
    path("metrics", metrics.metrics_view),
]
