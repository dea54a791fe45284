from django.contrib import admin
from django.urls import include, path

from lead import views
from referrals import views as referral_views
from sites import views as sites_views

urlpatterns = [
    path("", sites_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("invite/<uuid:user_uuid>/", views.invitation_accept, name="invitation_accept"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("state/", sites_views.state_home, name="state_home"),
    path("refer/<slug:site_slug>/", referral_views.community_referral, name="public_referral"),
    path(
        "refer/<slug:site_slug>/thanks/",
        referral_views.community_referral_thanks,
        name="public_referral_thanks",
    ),
    path("s/<slug:site_slug>/referrals/", include("referrals.urls")),
    path("s/<slug:site_slug>/participants/", include("participants.urls")),
    path("s/<slug:site_slug>/", include("casenotes.urls")),
    path("s/<slug:site_slug>/", include("sites.urls")),
    path("admin/", admin.site.urls),
]
