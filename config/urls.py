from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Skills Tracker administration"
admin.site.site_title = "Skills Tracker admin"
# One way in, with allauth's limits on failed logins (the admin's own form has none): the admin's
# login page sends anyone not logged in to the site's login page, and refuses non-staff.
admin.site.login = secure_admin_login(admin.site.login)

# The error pages in the site's layout, with a way back (core/errors.py); the 500 page is
# Django's own handler rendering templates/500.html.
handler400 = "core.errors.bad_request"
handler403 = "core.errors.permission_denied"
handler404 = "core.errors.page_not_found"

urlpatterns = [
    path("", include("core.urls")),
    path("standards/", include("standards.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("skillscan.urls")),
    path("", include("tracker.urls")),
    path("", include("progress.urls")),
    path("", include("notify.urls")),
    path("admin/", admin.site.urls),
]
