"""How a background task works on a site's records (the idea of pretix's ``EventTask``).

A task starts with ids only and no scope. ``site_record`` reloads the one row the task is about
(with scopes off: its id is the only key the task has), then runs the task's body inside that
row's site scope and the site's language, so every query the task makes is scoped exactly as a
request's are. ``in_site`` does the same from a site's id.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.db import models
from django.utils import translation
from django_scopes import scope, scopes_disabled

from sites.models import Site

M = TypeVar("M", bound=models.Model)


@contextmanager
def site_record(model: type[M], pk: int, *related: str) -> Iterator[M]:
    """``with site_record(Referral, referral_id, "assignee") as referral:`` — the row (its site
    and ``related`` loaded with it), the body running in its site's scope."""
    with scopes_disabled():  # the task's own row, found by id before any scope exists
        record = model._default_manager.select_related("site", *related).get(pk=pk)
    with in_site(record.site):  # type: ignore[attr-defined]
        yield record


@contextmanager
def in_site(site: Site | int) -> Iterator[Site]:
    """Run the body in ``site``'s scope (a ``Site`` or its id), in the default language."""
    if not isinstance(site, Site):
        site = Site.objects.get(pk=site)
    with scope(site=site), translation.override(settings.LANGUAGE_CODE):
        yield site
