"""The error summary of the form kit (see lead/forms.py): ``{% form_errors form %}``."""

from __future__ import annotations

from typing import Any

from django import forms, template

register = template.Library()


@register.inclusion_tag("forms/errors.html")
def form_errors(form: forms.BaseForm) -> dict[str, Any]:
    """The form's own errors and a link to each visible field in error.

    A hidden field's errors show only when the form says nothing itself: a form whose hidden
    field can fail (a version, an idempotency key) explains it in words as a non-field error.
    """
    top = list(form.non_field_errors()) or [
        error for field in form.hidden_fields() for error in field.errors
    ]
    # The link takes the focus to the control; for a group of choices, to its first choice.
    invalid = [
        (field, field.id_for_label or f"{field.auto_id}_0")
        for field in form.visible_fields()
        if field.errors
    ]
    return {"form": form, "top": top, "invalid": invalid}
