"""Template helpers for contact notes: who may edit, readable service names, addendum forms."""

from __future__ import annotations

import functools

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from casenotes.forms import AddendumForm
from casenotes.models import Contact, Service

register = template.Library()


@register.filter
def editable_by(contact: Contact, user) -> bool:
    """``{% if contact|editable_by:user %}``: the author, within 24 hours of writing."""
    return contact.editable_by(user)


@register.simple_tag
def addendum_field(contact: Contact, bound: AddendumForm | None = None) -> str:
    """``{% addendum_field contact addendum_form %}``: the addendum box under one note, with ids
    of its own; the page's bound form (with its errors) when there is one."""
    if isinstance(bound, AddendumForm):
        return bound["text"].as_field_group()
    # A page shows up to 25 locked notes: the kit's field is rendered once per language and
    # each note gets it with its own ids, instead of 25 renders of the same markup.
    blank = _blank_addendum_field(get_language())
    return mark_safe(blank.replace(ID_SLOT, str(contact.uuid)))  # noqa: S308 (safe markup, a UUID)


ID_SLOT = "contact-uuid"


@functools.lru_cache(maxsize=8)
def _blank_addendum_field(language: str) -> str:
    return AddendumForm(auto_id=f"addendum-{ID_SLOT}-%s")["text"].as_field_group()


@register.filter
def service_labels(codes: list[str]) -> list[str]:
    """The labels of stored service codes, in the order they were stored."""
    labels = dict(Service.choices)
    return [str(labels.get(code, code)) for code in codes]


@register.filter
def overdue(task) -> bool:
    """An open task whose due date has passed (today's tasks are due, not overdue)."""
    return task.done_at is None and task.due_on < timezone.localdate()
