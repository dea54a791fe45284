"""The form kit every app builds on (the bottom layer: it imports no app of ours).

1. ``FormRenderer`` (``FORM_RENDERER``) renders every field with one template,
   ``templates/forms/field.html`` (``{{ field.as_field_group }}``): label, required marker, help,
   widget, errors, with ``aria-describedby`` tying help and errors to the control. The error
   summary is ``templates/forms/errors.html`` (``{% form_errors form %}``).
2. Safe text: ``SafeTextMixin`` on every form that takes free text refuses control characters
   (NUL included) with a message, drops invisible zero-width characters and, in one-line fields,
   turns runs of spaces, tabs and line breaks into one space.
3. Dates: ``DateInput`` (the browser's date picker) and the bounds ``not_in_future``/``EARLIEST``.
4. ``OwnIdsMixin``: forms that share a page get their own element ids.
5. Fields more than one app needs, each with one rule: ``AliasesField`` (other names) and
   ``RaceEthnicityField`` (the OMB categories; "prefers not to say" stands alone).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

# C0 controls except tab, line feed and carriage return; DEL; C1 controls. Never typed on
# purpose: pasted from terminals or sent by robots, and they break exports and searches.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Invisible characters that carry no meaning in a name or a note but make two equal names
# differ (zero-width space, word joiner, byte-order mark). Zero-width (non-)joiners stay: some
# scripts and emoji need them.
INVISIBLE = re.compile(r"[\u200b\u2060\ufeff]")
# Horizontal spaces of every kind, and line breaks: in a one-line field all become one space.
ONE_LINE_SPACE = re.compile(r"[\t\n\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
EARLIEST = date(1900, 1, 1)


class FormRenderer(TemplatesSetting):
    """Our form and field templates (``templates/forms/``) from the project's template engine,
    with its tags (``form_kit``, i18n); Django's own widget templates from Django's renderer.

    ``TemplatesSetting`` alone would need ``django.forms`` among the installed apps to find the
    widget templates. Widgets go straight to Django's engine: looking for them in the project
    first would miss (and raise) once per control on every page.
    """

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"

    def get_template(self, template_name: str):
        if template_name.startswith("django/forms/"):
            return _django_widget_templates().get_template(template_name)
        return super().get_template(template_name)


@functools.cache
def _django_widget_templates() -> DjangoTemplates:
    return DjangoTemplates()


# -- Validators and bounds -----------------------------------------------------------------------


def no_control_characters(value: Any) -> None:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(_("Remove the invisible control characters from this text."))


def not_in_future(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError(_("This date is in the future."))
    if value < EARLIEST:
        raise ValidationError(_("Enter a date after 1900."))


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as ISO 8601 whatever the language."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# -- Mixins ----------------------------------------------------------------------------------


class OwnIdsMixin:
    """Several forms share a page: give each its own element ids, so each label finds its
    control (``id_prefix = "assign"`` gives ``assign_case_manager``)."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def one_line(text: str) -> str:
    """A one-line value as stored: no invisible characters, single spaces, no edges."""
    return ONE_LINE_SPACE.sub(" ", INVISIBLE.sub("", text)).strip()


def is_multiline(field: forms.Field) -> bool:
    return isinstance(field.widget, forms.Textarea)


class SafeTextMixin:
    """Every text field of the form: control characters (NUL included) are refused with a
    message, as they are never typed on purpose; zero-width characters are dropped; one-line
    fields get single spaces. Line breaks and tabs in a note are the writer's and stay.

    Control characters are checked on what was sent, before anything is dropped, so
    ``"Call\\x0b the clinic"`` is refused rather than quietly changed.
    """

    def full_clean(self) -> None:
        # Here rather than in __init__: forms add fields after their own __init__ (intake's
        # needs, the profile's model fields), and those must be guarded too.
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and no_control_characters not in field.validators:
                field.validators.append(no_control_characters)
        super().full_clean()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, field in self.fields.items():
            value = cleaned.get(name)
            if not isinstance(field, forms.CharField) or not isinstance(value, str):
                continue
            tidy = INVISIBLE.sub("", value) if is_multiline(field) else one_line(value)
            if field.strip:
                tidy = tidy.strip()
            if tidy != value:
                cleaned[name] = tidy
                if field.required and not tidy:
                    self.add_error(name, field.error_messages["required"])
        return cleaned


# -- Shared fields ---------------------------------------------------------------------------


class AliasesField(forms.CharField):
    """Other names a person goes by, typed in one box.

    One rule everywhere: names are separated by commas, semicolons or line breaks; each is
    trimmed (inner spaces made single); empty ones and repeats (ignoring case) are dropped.
    Too many names, or one too long, is an error that says so: nothing is cut off quietly.
    The limits come from the model's field (``for_model_field``).
    """

    SEPARATORS = re.compile(r"[,;\r\n]+")
    # What fits in the box; beyond it, the message names this limit (the browser is not told,
    # so a long paste is not cut short without a word).
    TEXT_LIMIT = 300
    DEFAULT_MAX_NAMES = 20
    default_error_messages = {
        "too_many": ngettext_lazy(
            "Give at most %(limit)d other name (this has %(count)d).",
            "Give at most %(limit)d other names (this has %(count)d).",
            "limit",
        ),
        "too_long": _("Each name can have at most %(limit)d characters: “%(start)s…” is longer."),
    }
    default_validators = [no_control_characters]

    def __init__(self, *, max_names: int, max_name_length: int, **kwargs: Any) -> None:
        self.max_names = max_names
        self.max_name_length = max_name_length
        kwargs.setdefault("label", _("Other names they go by"))
        kwargs.setdefault("help_text", _("Separate names with commas."))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", self.TEXT_LIMIT)
        super().__init__(**kwargs)

    @classmethod
    def for_model_field(cls, model_field: Any, **kwargs: Any) -> AliasesField:
        """The limits of an ``ArrayField(CharField(max_length=...), size=...)``."""
        return cls(
            max_names=model_field.size or cls.DEFAULT_MAX_NAMES,
            max_name_length=model_field.base_field.max_length,
            **kwargs,
        )

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def clean(self, value: Any) -> list[str]:
        text = self.to_python(value)
        self.validate(text)
        self.run_validators(text)  # on the whole text: its length, control characters
        names = self.parse(text)
        if len(names) > self.max_names:
            raise ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"limit": self.max_names, "count": len(names)},
            )
        for name in names:
            if len(name) > self.max_name_length:
                raise ValidationError(
                    self.error_messages["too_long"],
                    code="too_long",
                    params={"limit": self.max_name_length, "start": name[:20]},
                )
        return names

    @classmethod
    def parse(cls, text: str) -> list[str]:
        names: list[str] = []
        seen: set[str] = set()
        for part in cls.SEPARATORS.split(text or ""):
            name = one_line(part)
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
        return names


class RaceEthnicityField(forms.MultipleChoiceField):
    """Race and ethnicity as the person describes themself: any number of the categories, or
    "prefers not to say" on its own (the same rule at intake and on every later edit).

    ``categories`` is the model's choices class; its ``DECLINED`` member is the refusal.
    """

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {
        "declined_and_category": _("Choose categories or “Prefers not to say”, not both."),
    }

    def __init__(self, *, categories: type[models.TextChoices], **kwargs: Any) -> None:
        self.declined = categories.DECLINED
        kwargs.setdefault("label", _("Race and ethnicity"))
        kwargs.setdefault(
            "help_text", _("Choose all that apply, as the person describes themself.")
        )
        kwargs.setdefault("required", False)
        super().__init__(choices=categories.choices, **kwargs)

    def validate(self, value: Iterable[str]) -> None:
        super().validate(value)
        chosen = list(value)
        if self.declined in chosen and len(chosen) > 1:
            raise ValidationError(
                self.error_messages["declined_and_category"], code="declined_and_category"
            )
