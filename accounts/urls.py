from django.urls import path

from core import converters  # noqa: F401 (registers the path converters used below)

from . import partnership_views, views
from .organisation_settings import organisation_settings_view

app_name = "accounts"

urlpatterns = [
    path("get-started/", views.get_started, name="get-started"),
    path("profile/", views.profile, name="profile"),
    path("profile/delete/", views.account_delete, name="account-delete"),
    path("apprenticeships/<id:pk>/edit/", views.apprenticeship_edit, name="apprenticeship-edit"),
    path(
        "apprenticeships/<id:pk>/status/",
        views.apprenticeship_status,
        name="apprenticeship-status",
    ),
    path(
        "apprenticeships/<id:pk>/provider/",
        partnership_views.apprenticeship_provider_view,
        name="apprenticeship-provider",
    ),
    path(
        "apprenticeships/<id:pk>/tutor/",
        partnership_views.apprenticeship_tutor_view,
        name="apprenticeship-tutor",
    ),
    path("organisations/new/", views.organisation_create_view, name="organisation-create"),
    path("organisations/<id:pk>/", views.organisation_detail, name="organisation-detail"),
    path(
        "organisations/<id:pk>/settings/",
        organisation_settings_view,
        name="organisation-settings",
    ),
    path(
        "organisations/<id:pk>/invite-apprentice/",
        views.apprentice_invite_view,
        name="apprentice-invite",
    ),
    path("organisations/<id:pk>/invite-member/", views.member_invite_view, name="member-invite"),
    path(
        "organisations/<id:pk>/partnerships/new/",
        partnership_views.partnership_propose_view,
        name="partnership-propose",
    ),
    path(
        "partnerships/<id:pk>/accept/",
        partnership_views.partnership_accept_view,
        name="partnership-accept",
    ),
    path(
        "partnerships/<id:pk>/end/", partnership_views.partnership_end_view, name="partnership-end"
    ),
    path("invitations/<id:pk>/resend/", views.invitation_resend_view, name="invitation-resend"),
    path("invitations/<id:pk>/revoke/", views.invitation_revoke_view, name="invitation-revoke"),
    path("invite/<token:token>/", views.invitation_accept_view, name="invitation-accept"),
]
