"""Template helpers for contact notes: who may edit, readable service names, addendum forms."""

from __future__ import annotations

from django import template
from django.utils import timezone

from casenotes.forms import AddendumForm
from casenotes.models import Contact, Service

register = template.Library()


@register.filter
def editable_by(contact: Contact, user) -> bool:
    """``{% if contact|editable_by:user %}``: the author, within 24 hours of writing."""
    return contact.editable_by(user)


@register.simple_tag
def addendum_form_for(contact: Contact, bound: AddendumForm | None = None) -> AddendumForm:
    """``{% addendum_form_for contact addendum_form as form %}``: the form under one note of a
    page of many, with ids of its own; the page's bound form when there is one."""
    if isinstance(bound, AddendumForm):
        return bound
    return AddendumForm(contact=contact)


@register.filter
def service_labels(codes: list[str]) -> list[str]:
    """The labels of stored service codes, in the order they were stored."""
    labels = dict(Service.choices)
    return [str(labels.get(code, code)) for code in codes]


@register.filter
def overdue(task) -> bool:
    """An open task whose due date has passed (today's tasks are due, not overdue)."""
    return task.done_at is None and task.due_on < timezone.localdate()
