from django.urls import path

from core import converters  # noqa: F401 (registers the path converters used below)

from . import bulk_assign, bulk_views, epa_views, job_views, partnership_views, views
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
    # The end-point assessment hand-off (accounts/epa_views.py)
    path("apprenticeships/<id:pk>/epa/", epa_views.epa_view, name="epa"),
    path(
        "apprenticeships/<id:pk>/assessors/",
        epa_views.assessor_access_view,
        name="assessor-access",
    ),
    path(
        "apprenticeships/<id:pk>/assessors/invite/",
        epa_views.assessor_invite_view,
        name="assessor-invite",
    ),
    path(
        "assessor-access/<id:pk>/revoke/",
        epa_views.assessor_revoke_view,
        name="assessor-revoke",
    ),
    path("assessor/", epa_views.assessor_home, name="assessor-home"),
    path("assessor/<token:token>/", epa_views.assessor_accept_view, name="assessor-accept"),
    path("organisations/<id:pk>/bulk-enrol/", bulk_views.bulk_enrol, name="bulk-enrol"),
    path(
        "organisations/<id:pk>/bulk-enrol/template.csv",
        bulk_views.bulk_enrol_template,
        name="bulk-enrol-template",
    ),
    path(
        "bulk-enrolments/<id:pk>/",
        bulk_views.bulk_enrol_preview_view,
        name="bulk-enrol-preview",
    ),
    path("apprenticeships/assign/", bulk_assign.bulk_assign, name="bulk-assign"),
    path("jobs/<id:pk>/", job_views.job_detail, name="job"),
    path("jobs/<id:pk>/status/", job_views.job_status, name="job-status"),
    path("jobs/<id:pk>/result/", job_views.job_result, name="job-result"),
]
