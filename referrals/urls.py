from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_queue, name="queue"),
    path("new/", views.referral_start, name="start"),
    path("new/<slug:pathway>/", views.referral_create, name="create"),
    path("mine/", views.my_referrals, name="mine"),
    path("settings/", views.referral_settings, name="settings"),
    path("settings/checklist/", views.checklist_add, name="checklist_add"),
    path("settings/checklist/<uuid:item_uuid>/", views.checklist_item, name="checklist_item"),
    path("<uuid:referral_uuid>/", views.referral_detail, name="detail"),
    path("<uuid:referral_uuid>/submitted/", views.referral_submitted, name="submitted"),
    path("<uuid:referral_uuid>/screening/", views.referral_screen, name="screen"),
    path("<uuid:referral_uuid>/decision/", views.referral_decide, name="decide"),
    path("<uuid:referral_uuid>/assign/", views.referral_assign, name="assign"),
    path("<uuid:referral_uuid>/attempts/", views.referral_attempt, name="attempt"),
    path("<uuid:referral_uuid>/outcome/", views.referral_close, name="close"),
    path("<uuid:referral_uuid>/resume/", views.referral_resume, name="resume"),
    path("<uuid:referral_uuid>/prosecutor/", views.referral_prosecutor, name="prosecutor"),
    path(
        "<uuid:referral_uuid>/duplicates/<uuid:other_uuid>/",
        views.referral_duplicate,
        name="duplicate",
    ),
]
