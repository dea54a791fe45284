"""The floor: what the framework itself costs on this machine, database and middleware.

- ``hello``: a fixed text answer; no database when sent without a session cookie.
- ``minimal_list``: a signed-in 50-row list: the session row and the user row (the
  authentication middleware), then 50 participants of one site ordered by name, rendered with
  a small Django template (cached loader, autoescape, no context processors).
- ``one_row_insert``: a signed-in POST (CSRF checked) that inserts one row and answers 201.

All three run behind the app's full middleware stack, as the app's pages do; they are outside
``/s/<site_slug>/``, so the site guard passes them by.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template import Context, Engine
from django.views.decorators.http import require_POST
from django_scopes import scope

from participants.models import Participant
from sites.models import Site

# Which site the list shows; the benchmark signs in as a case manager there.
SITE_SLUG = os.environ.get("BENCH_FLOOR_SITE", "bernalillo")
ROWS = 50
INSERT_TABLE = "bench_floor_row"  # created by the benchmark, in its throwaway database only

# debug=False gives the cached loader, as the app has in production.
_engine = Engine(dirs=[Path(__file__).resolve().parent / "templates"], debug=False)
_site: Site | None = None


def _floor_site() -> Site:
    """The site row, read once per process: not part of the floor's per-request work."""
    global _site
    if _site is None:
        _site = Site.objects.get(slug=SITE_SLUG)
    return _site


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse("hello\n", content_type="text/plain")


def minimal_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    site = _floor_site()
    with scope(site=site):
        people = list(
            Participant.objects.filter(site=site).order_by("legal_last_name", "legal_first_name")[
                :ROWS
            ]
        )
    template = _engine.get_template("floor/list.html")
    html = template.render(Context({"user": request.user, "people": people}))
    return HttpResponse(html)


@require_POST
def one_row_insert(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {INSERT_TABLE} (user_id, body) VALUES (%s, %s)",  # noqa: S608
            [request.user.pk, request.POST.get("body", "")[:200]],
        )
    return HttpResponse("created\n", status=201, content_type="text/plain")
