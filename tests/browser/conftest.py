"""Browser tests: headless Debian Chromium against Django's live server.

The database problem. ``live_server`` needs transactional tests, and after each one Django
empties every table with ``flush`` (a TRUNCATE). That removes the six sites the data migration
created, which ``site_a``/``site_b`` and every later test expect to find. Three things to know:

* ``serialized_rollback=True`` does not help here: Playwright's sync API marks an event loop as
  running in the test thread, so Django's ``connections`` (an asgiref ``Local``) hands the tests
  a different connection object from the one ``setup_databases`` stored its snapshot on. Django
  then neither restores the snapshot nor skips ``post_migrate``; the marker would only cost time.
* Plain ``transaction=True`` works: the flush re-runs ``post_migrate`` (content types,
  permissions), and the fixtures below re-create the sites with the data migration's own
  function, before each browser test and once more after the last one of each module.
* lead/migrations/0003 makes the access log refuse TRUNCATE, so the flush would fail. While a
  browser module runs, that one statement-level trigger is disabled in the *test* database; the
  row-level UPDATE/DELETE trigger stays on, and the TRUNCATE trigger is back on before any test
  from another module runs.
"""

from __future__ import annotations

import contextlib
import os
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython
from playwright.sync_api import expect

from tests.reference_data import DATA_MIGRATIONS

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

# Generous for a loaded machine; a passing run waits far less.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# Every browser test: the live server runs in another thread, so the data must be committed.
BROWSER_DB = pytest.mark.django_db(transaction=True)


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


def _unknown_data_migrations() -> list[str]:
    """The project's own migrations with RunPython that DATA_MIGRATIONS does not list."""
    project = Path(settings.BASE_DIR).resolve()
    own_apps = {
        app.label
        for app in django_apps.get_app_configs()
        if Path(app.path).resolve().is_relative_to(project)
        and "site-packages" not in Path(app.path).parts
    }
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return sorted(
        f"{app}.{name}"
        for (app, name), migration in loader.disk_migrations.items()
        if app in own_apps
        and (app, name) not in DATA_MIGRATIONS
        and any(isinstance(op, RunPython) for op in migration.operations)
    )


@pytest.fixture(scope="module", autouse=True)
def _flushes_leave_the_database_as_migrated(flushable_database) -> None:
    """Browser tests are transactional: ``flushable_database`` (tests/conftest.py) lets the
    flushes run and puts back what they removed. Warn if a new data migration is not covered."""
    unknown = _unknown_data_migrations()
    if unknown:
        warnings.warn(
            f"tests/reference_data.py does not restore the rows of {unknown} after a flush: "
            "add them to restore_reference_data()",
            stacklevel=1,
        )


@pytest.fixture(autouse=True)
def _migration_data(reference_data_restored) -> None:
    """Each browser test starts with the sites in place (a previous flush removed them)."""


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def open_page(request, browser, artifacts_dir) -> Iterator[Callable]:
    """``open_page(viewport)`` -> (page, watch): a fresh context (own cookies) per call.

    When the test fails, each page's last state is saved as ``failed-<test>-<n>.png``.
    """
    contexts = []

    def _open(viewport: dict, **context_args):
        context = browser.new_context(viewport=viewport, **context_args)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_REPORTER)
        contexts.append(context)
        page = context.new_page()
        watch = ConsoleWatch()
        page.on("console", watch.on_console)
        page.on("pageerror", watch.on_page_error)
        return page, watch

    yield _open
    report = getattr(request.node, "report_call", None)
    failed = report is None or report.failed
    for number, context in enumerate(contexts, start=1):
        if failed:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
            for page in context.pages:
                with contextlib.suppress(Exception):
                    page.screenshot(path=artifacts_dir / f"failed-{name}-{number}.png")
        context.close()
