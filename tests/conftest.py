"""Shared fixtures: two sites (A = Taos, B = Lea) and a user of every role at site A."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connections
from django_scopes import scopes_disabled

from lead.celery import app as celery_app
from sites.models import Site
from sites.roles import Role
from tests.factories import PASSWORD, UserFactory, member
from tests.reference_data import access_log_truncate_trigger, restore_reference_data

# Password hashing dominates fixture time; the algorithm itself is Django's, tested upstream.
django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """One test database per run, so two runs on one server (a developer's and CI's) never
    drop each other's database."""
    django_settings.DATABASES["default"]["TEST"]["NAME"] = f"test_lead_{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def _test_database_can_be_dropped(django_db_setup, django_db_blocker) -> Iterator[None]:
    """At the end, end the live server thread's idle connection (it outlives the tests), so
    the per-run test database is dropped instead of left behind."""
    yield
    with django_db_blocker.unblock(), connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    # Fixtures build data across sites on purpose; tests themselves run with scopes on.
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _eager_celery_and_clean_cache(settings):
    """Tasks run in-process in tests whatever REDIS_URL says; rate-limit counters start at zero."""
    celery_app.conf.task_always_eager = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site_a(db) -> Site:
    return Site.objects.get(slug="taos")


@pytest.fixture
def site_b(db) -> Site:
    return Site.objects.get(slug="lea")


@pytest.fixture
def officer(site_a):
    return member(site_a, Role.OFFICER, email="officer.a@example.org")


@pytest.fixture
def case_manager(site_a):
    return member(site_a, Role.CASE_MANAGER, email="cm.a@example.org")


@pytest.fixture
def programme_manager(site_a):
    return member(site_a, Role.PROGRAMME_MANAGER, email="pm.a@example.org")


@pytest.fixture
def evaluator(site_a):
    return member(site_a, Role.EVALUATOR, email="evaluator.a@example.org")


@pytest.fixture
def state_admin(db):
    return UserFactory(email="state.admin@example.org", is_state_admin=True)


@pytest.fixture
def case_manager_b(site_b):
    return member(site_b, Role.CASE_MANAGER, email="cm.b@example.org")


@pytest.fixture
def password() -> str:
    return PASSWORD


# -- Transactional tests (real threads, the live server) -----------------------------------


@pytest.fixture(scope="module")
def flushable_database(django_db_setup, django_db_blocker) -> Iterator[None]:
    """For a module of ``django_db(transaction=True)`` tests.

    The flush after each such test TRUNCATEs every table: the access log's TRUNCATE trigger is
    off while the module runs. The flush also removes the six sites; they are put back after the
    module's last test, before any other module's test runs.
    """
    with django_db_blocker.unblock():
        access_log_truncate_trigger(enable=False)
    yield
    with django_db_blocker.unblock():
        try:
            restore_reference_data()
        finally:
            access_log_truncate_trigger(enable=True)
            # A connection opened in another thread's context (Playwright's event loop) would
            # otherwise stay open and stop the test database from being dropped at the end.
            connections.close_all()


@pytest.fixture
def reference_data_restored(flushable_database, transactional_db) -> None:
    """Each transactional test starts with the sites in place (a previous flush removed them).

    Request it before ``site_a`` and friends: ``pytestmark = usefixtures(...)`` does that.
    """
    restore_reference_data()
