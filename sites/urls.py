from django.urls import path

from sites import views

app_name = "sites"

urlpatterns = [
    path("", views.site_home, name="home"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/<uuid:membership_uuid>/role/", views.membership_change, name="membership_change"),
    path("staff/<uuid:membership_uuid>/end/", views.membership_end, name="membership_end"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]
