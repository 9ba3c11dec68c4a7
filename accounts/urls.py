from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("get-started/", views.get_started, name="get-started"),
    path("profile/", views.profile, name="profile"),
    path("profile/delete/", views.account_delete, name="account-delete"),
    path("apprenticeships/<int:pk>/edit/", views.apprenticeship_edit, name="apprenticeship-edit"),
    path(
        "apprenticeships/<int:pk>/status/",
        views.apprenticeship_status,
        name="apprenticeship-status",
    ),
    path("organisations/new/", views.organisation_create_view, name="organisation-create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path(
        "organisations/<int:pk>/invite-apprentice/",
        views.apprentice_invite_view,
        name="apprentice-invite",
    ),
    path("organisations/<int:pk>/invite-member/", views.member_invite_view, name="member-invite"),
    path("invitations/<int:pk>/resend/", views.invitation_resend_view, name="invitation-resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke_view, name="invitation-revoke"),
    path("invite/<str:token>/", views.invitation_accept_view, name="invitation-accept"),
]
