from django.urls import path
from django.views.generic import TemplateView

from . import views

app_name = "progress"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="welcome"),
    path("home/", views.start, name="start"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.csv", views.dashboard_csv, name="dashboard-csv"),
    path("evidence/to-review/", views.evidence_queue, name="evidence-queue"),
    path("apprenticeships/<int:pk>/", views.apprenticeship_home, name="apprenticeship-home"),
    path("apprenticeships/<int:pk>/gateway/", views.gateway, name="gateway"),
    path("apprenticeships/<int:pk>/gateway/mark/", views.gateway_mark, name="gateway-mark"),
    path("apprenticeships/<int:pk>/portfolio/", views.portfolio_view, name="portfolio"),
    path("apprenticeships/<int:pk>/portfolio.csv", views.portfolio_csv, name="portfolio-csv"),
]
