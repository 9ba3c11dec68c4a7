from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Skills Tracker administration"
admin.site.site_title = "Skills Tracker admin"

urlpatterns = [
    path("standards/", include("standards.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("skillscan.urls")),
    path("", include("tracker.urls")),
    path("", include("progress.urls")),
    path("admin/", admin.site.urls),
]
