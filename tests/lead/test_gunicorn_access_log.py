"""The production web server's access log (deploy/gunicorn.conf.py) never holds an invitation's
code, nor query strings (a search by name): a real gunicorn with that configuration serves a few
requests and its log is read back."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
INVITEE = "0b0e0c0d-1111-4222-8333-444455556666"
CODE = "cdv2x4-0123456789abcdef0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (local test server)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _test_database_url() -> str:
    """This run's test database, for the server process (it sees only committed rows)."""
    db = connection.settings_dict
    host = quote(str(db["HOST"] or "127.0.0.1"), safe="")
    return f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def test_the_access_log_drops_invitation_codes_and_query_strings(tmp_path):
    port = _free_port()
    log = tmp_path / "access.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "LEAD_"))}
    env["DATABASE_URL"] = _test_database_url()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lead.wsgi",
            "--config",
            "deploy/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
            "--error-logfile",
            str(tmp_path / "error.log"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.5)
        # An invitation link of the old form, with the code in the path.
        assert _get(f"{base}/invite/{INVITEE}/{CODE}/") == 404
        assert _get(f"{base}/invite/{INVITEE}/") == 400  # no such invitee
        _get(f"{base}/s/taos/participants/?q=Whitehorse")
    finally:
        server.terminate()
        server.wait(timeout=30)

    text = log.read_text()
    assert f"/invite/{INVITEE}/[redacted]" in text
    assert f"/invite/{INVITEE}/ " in text
    assert CODE not in text
    assert "Whitehorse" not in text
