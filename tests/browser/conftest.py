"""Browser tests: headless Debian Chromium against Django's live server.

The database problem: ``live_server`` needs transactional tests, and Django empties every table
after a transactional test (the rows the data migrations created included). (A trigger makes the access log refuse the
TRUNCATE that flush runs; see ``_transactional_tests_leave_the_database_as_migrated``.) The
browser tests therefore use ``serialized_rollback=True`` (see ``BROWSER_DB``): each starts from the snapshot
Django takes right after migrating (the six sites, content types, permissions). After the last
browser test of a module the snapshot is loaded once more, so the tests that run later still
find the sites (``site_a`` does ``Site.objects.get(slug="taos")``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management.sql import emit_post_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connections
from django_scopes import scopes_disabled

# Playwright's sync API runs an event loop in the test thread; the ORM must still work there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# Every browser test: transactional (the live server runs in another thread) and restored from
# the post-migration snapshot.
BROWSER_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Reports Content-Security-Policy violations as console errors; Playwright's init scripts run
# outside the page's CSP, so this cannot be blocked by the policy it watches.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(
    `CSP violation (Content Security Policy): ${e.violatedDirective} blocked ` +
    `${e.blockedURI || "inline"} at ${e.sourceFile || document.location.href}:${e.lineNumber}`
  );
});
"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium: Playwright's own browser download does not work on this machine."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# lead/migrations/0003 makes the access log refuse TRUNCATE, and Django's flush after a
# transactional test is a TRUNCATE of every table. For the browser modules only, the test
# database lets the flush through; the row-level UPDATE/DELETE trigger stays on throughout.
ACCESS_LOG_TRUNCATE_TRIGGER = "lead_access_log_no_truncate"


def _access_log_truncate_trigger(enable: bool) -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE lead_accesslogentry {'ENABLE' if enable else 'DISABLE'} "
            f"TRIGGER {ACCESS_LOG_TRUNCATE_TRIGGER}"
        )


@pytest.fixture(scope="module", autouse=True)
def _transactional_tests_leave_the_database_as_migrated(
    django_db_setup, django_db_blocker
) -> Iterator[None]:
    """Let the flushes between browser tests run, and put back afterwards what they removed.

    Module scope: torn down after the last test's flush, before any other module's test runs.
    """
    with django_db_blocker.unblock():
        _access_log_truncate_trigger(enable=False)
    yield
    with django_db_blocker.unblock(), scopes_disabled():
        try:
            restore_migration_data()
        finally:
            _access_log_truncate_trigger(enable=True)


def restore_migration_data() -> None:
    from sites.models import Site

    connection = connections[DEFAULT_DB_ALIAS]
    if Site.objects.filter(slug="taos").exists():
        return
    snapshot = getattr(connection, "_test_serialized_contents", None)
    if snapshot:
        connection.creation.deserialize_db_from_string(snapshot)
        return
    # No snapshot (no test asked for serialized_rollback): recreate what migrations make.
    emit_post_migrate_signal(verbosity=0, interactive=False, db=DEFAULT_DB_ALIAS)
    import_module("sites.migrations.0002_the_six_new_mexico_sites").create_sites(
        django_apps, None
    )


class ConsoleWatch:
    """Console errors, CSP violations and uncaught exceptions seen by one browser context."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.page_errors: list[str] = []

    def on_console(self, message) -> None:
        if message.type in {"error", "warning"}:
            self.messages.append(f"{message.type}: {message.text} ({message.location})")

    def on_page_error(self, error) -> None:
        self.page_errors.append(str(error))

    @property
    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "content security policy" in m.lower()]

    def assert_clean(self) -> None:
        assert self.csp_violations == [], self.csp_violations
        assert self.page_errors == [], self.page_errors


@pytest.fixture
def open_page(browser) -> Iterator[Callable]:
    """``open_page(viewport)`` -> (page, watch): a fresh context (own cookies) per call."""
    contexts = []

    def _open(viewport: dict, **context_args):
        context = browser.new_context(viewport=viewport, **context_args)
        context.set_default_timeout(5_000)
        context.add_init_script(CSP_REPORTER)
        contexts.append(context)
        page = context.new_page()
        watch = ConsoleWatch()
        page.on("console", watch.on_console)
        page.on("pageerror", watch.on_page_error)
        return page, watch

    yield _open
    for context in contexts:
        context.close()
