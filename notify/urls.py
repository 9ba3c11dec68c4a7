from django.urls import path

from core import converters  # noqa: F401 (registers the path converters used below)

from . import views

app_name = "notify"

urlpatterns = [
    path("notifications/", views.inbox, name="inbox"),
    path("notifications/read/", views.inbox_read_all, name="inbox-read-all"),
    path("notifications/<id:pk>/open/", views.notification_open, name="notification-open"),
    path("notifications/<id:pk>/read/", views.notification_read, name="notification-read"),
    path("notifications/<id:pk>/unread/", views.notification_unread, name="notification-unread"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
