from django.urls import path

from participants import intake_views, views

app_name = "participants"

urlpatterns = [
    path("", views.participant_list, name="list"),
    path("caseload/", views.my_caseload, name="caseload"),
    path("caseloads/", views.caseloads, name="caseloads"),
    path("access-log/", views.site_access_log, name="site_access_log"),
    path("intake/", intake_views.intake_walk_in, name="intake_walk_in"),
    path("intake/<uuid:referral_uuid>/", intake_views.intake_from_referral, name="intake"),
    path(
        "matches/<uuid:referral_uuid>/<uuid:participant_uuid>/",
        intake_views.referral_match_review,
        name="referral_match",
    ),
    path("<uuid:participant_uuid>/", views.participant_detail, name="detail"),
    path("<uuid:participant_uuid>/edit/", views.participant_edit, name="edit"),
    path("<uuid:participant_uuid>/print/", views.participant_print, name="print"),
    path("<uuid:participant_uuid>/assign/", views.participant_assign, name="assign"),
    path("<uuid:participant_uuid>/restrict/", views.participant_restrict, name="restrict"),
    path("<uuid:participant_uuid>/access-log/", views.participant_access_log, name="access_log"),
    path("<uuid:participant_uuid>/consents/new/", intake_views.consent_new, name="consent_new"),
    path(
        "<uuid:participant_uuid>/consents/<uuid:consent_uuid>/revoke/",
        intake_views.consent_revoke,
        name="consent_revoke",
    ),
    path("<uuid:participant_uuid>/plan/new/", intake_views.goal_new, name="goal_new"),
    path(
        "<uuid:participant_uuid>/plan/<uuid:goal_uuid>/",
        intake_views.goal_update,
        name="goal_update",
    ),
]
