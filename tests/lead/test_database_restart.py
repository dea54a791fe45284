"""After PostgreSQL restarts, nobody sees an error once the database is back.

Web processes keep their database connection open between requests (``CONN_MAX_AGE``). A
restart kills it; without a health check each process would serve one error on the dead
connection before reconnecting. Requests here go through Django's WSGI handler with its request
signals, as under gunicorn (the test client switches off exactly the connection housekeeping
under test), and the restart is a real one for this connection: its server process is ended.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import RequestFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data_restored"),
]


def _serve(path: str) -> int:
    """One GET as a WSGI server makes it; the status code."""
    statuses: list[str] = []
    environ = RequestFactory().get(path).environ
    response = WSGIHandler()(environ, lambda status, headers, *exc: statuses.append(status))
    try:
        b"".join(response)
    finally:
        response.close()  # request_finished: the server's end of the request
    return int(statuses[0].split()[0])


def _end_server_process(pid: int) -> None:
    """What a PostgreSQL restart does to this connection: its backend process goes away."""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(100):
                cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone() is None:
                    return
                time.sleep(0.05)
    finally:
        other.close()
    raise AssertionError(f"backend {pid} did not end")


def test_connections_are_health_checked_before_reuse():
    assert django_settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_a_request_after_the_database_connection_died_is_served_without_an_error(
    monkeypatch, site_a
):
    # Persistent connections, as production has them (the embedded database's default is 0).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()
    assert _serve("/healthz") == 200
    assert _serve("/refer/taos/") == 200
    pid = connection.connection.info.backend_pid  # kept open for the next request

    _end_server_process(pid)

    assert _serve("/refer/taos/") == 200
    assert _serve("/healthz") == 200
    assert connection.connection.info.backend_pid != pid
