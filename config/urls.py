from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from tracker.views import apprenticeship_home, dashboard_router

admin.site.site_header = "Skills Tracker administration"
admin.site.site_title = "Skills Tracker admin"

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("standards/", include("standards.urls")),
    path("accounts/", include("allauth.urls")),
    # An apprenticeship's home page draws on several apps, so it is wired here, at the top:
    # the app furthest along the dependency chain serves it.
    path("apprenticeships/<int:pk>/", apprenticeship_home, name="apprenticeship-home"),
    path("home/", dashboard_router, name="dashboard"),
    path("", include("accounts.urls")),
    path("", include("skillscan.urls")),
    path("", include("tracker.urls")),
    path("admin/", admin.site.urls),
]
