"""Shared fixtures: two sites (A = Taos, B = Lea) and a user of every role at site A."""

from __future__ import annotations

import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django_scopes import scopes_disabled

from lead.celery import app as celery_app
from sites.models import Site
from sites.roles import Role
from tests.factories import PASSWORD, UserFactory, member

# Password hashing dominates fixture time; the algorithm itself is Django's, tested upstream.
django_settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """One test database per run, so two runs on one server (a developer's and CI's) never
    drop each other's database."""
    django_settings.DATABASES["default"]["TEST"]["NAME"] = f"test_lead_{os.getpid()}"


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
