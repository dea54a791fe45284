"""The app's URLs exactly as in production, plus the floor views under ``/bench-floor/``."""

from django.urls import path

from bench.floor import views
from lead.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    path("bench-floor/hello/", views.hello, name="bench_floor_hello"),
    path("bench-floor/list/", views.minimal_list, name="bench_floor_list"),
    path("bench-floor/insert/", views.one_row_insert, name="bench_floor_insert"),
    *app_urlpatterns,
]
