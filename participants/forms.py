"""Participant forms: search, profile, assignment, restriction. They validate; services act."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.http import QueryDict
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lead.forms import (
    AliasesField,
    DateInput,
    OwnIdsMixin,
    RaceEthnicityField,
    SafeTextMixin,
    not_in_future,
)
from participants.models import Participant, RaceEthnicity
from participants.services import CASELOAD_LIMIT

MAX_VERSION = 2**31 - 1  # the column's range: a bigger number is a tampered form, not a version
# The two list-valued profile fields have form fields of their own (``aliases_field``,
# ``race_ethnicity_field``); every other profile field is the model's.
FORM_NAMES = {"aliases": "aliases_text", "race_ethnicity": "race_ethnicity"}
MODEL_FIELDS = [name for name in Participant.PROFILE_FIELDS if name not in FORM_NAMES]


def profile_form_fields() -> list[str]:
    """The profile's fields as the forms name them, in the profile's order."""
    return [FORM_NAMES.get(name, name) for name in Participant.PROFILE_FIELDS]


def aliases_field() -> AliasesField:
    return AliasesField.for_model_field(Participant._meta.get_field("aliases"))


def race_ethnicity_field() -> RaceEthnicityField:
    return RaceEthnicityField(categories=RaceEthnicity)


class ParticipantSearchForm(SafeTextMixin, forms.Form):
    q = forms.CharField(
        label=_("Name, date of birth or case number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class ParticipantProfileForm(SafeTextMixin, forms.Form):
    """The profile. ``version`` is the record's version when the form was opened: the service
    refuses to overwrite changes saved since."""

    aliases_text = aliases_field()
    race_ethnicity = race_ethnicity_field()
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_VERSION)

    def __init__(self, *args, participant: Participant | None = None, **kwargs):
        if participant is not None:
            kwargs.setdefault(
                "initial",
                {
                    **model_to_dict(participant, fields=MODEL_FIELDS),
                    "aliases_text": participant.aliases,
                    "race_ethnicity": participant.race_ethnicity,
                    "version": participant.version,
                },
            )
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(
            Participant,
            fields=MODEL_FIELDS,
            widgets={
                "date_of_birth": DateInput(),
                "where_to_find": forms.Textarea(attrs={"rows": 3}),
            },
        )
        declared = self.fields
        self.fields = {
            name: model_fields.get(name) or declared[name]
            for name in [*profile_form_fields(), "version"]
        }
        self.fields["date_of_birth"].validators.append(not_in_future)
        self.fields["phone"].widget.input_type = "tel"

    def clean(self):
        cleaned = super().clean()
        if "version" in self.errors:
            # A hidden field: say so where people look, not next to an invisible input.
            raise ValidationError(
                _("This form is out of date or damaged. Reload the page and enter your changes.")
            )
        return cleaned

    def profile_changes(self) -> dict[str, Any]:
        """Every profile field as entered, for ``participant_update``."""
        changes = {name: self.cleaned_data[name] for name in MODEL_FIELDS}
        changes["aliases"] = self.cleaned_data["aliases_text"]
        changes["race_ethnicity"] = self.cleaned_data["race_ethnicity"]
        return changes


def profile_value_display(name: str, value: Any) -> str:
    """A stored or entered profile value as people read it (choice labels, dates, lists)."""
    if value in (None, "", []):
        return "—"
    field = Participant._meta.get_field(name)
    choices = dict(getattr(field, "base_field", field).choices or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(item, item)) for item in value)
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    return str(choices.get(value, value))


def conflict_form(
    form: ParticipantProfileForm, changes: dict[str, tuple[Any, Any]], *, version: int
) -> tuple[ParticipantProfileForm, list[dict]]:
    """After an edit conflict: the form to show again, and a row per field saved by someone
    else since (label, what this person started from, what is saved now, their entry).

    What this person changed stays as they entered it; a field they left alone now holds the
    value saved since, so saving again overwrites nobody's work by accident.
    """
    entered = form.profile_changes()
    data = form.data.copy()
    data["version"] = str(version)
    labels = {"aliases": _("Other names"), "race_ethnicity": _("Race and ethnicity")}
    rows = []
    for name, (started, saved) in changes.items():
        theirs = entered.get(name) != started
        if not theirs:
            _put(data, name, saved)
        rows.append(
            {
                "field": labels.get(name) or Participant._meta.get_field(name).verbose_name,
                "started": profile_value_display(name, started),
                "saved": profile_value_display(name, saved),
                "entered": profile_value_display(name, entered.get(name)),
                "theirs": theirs,
            }
        )
    return ParticipantProfileForm(data), rows


def _put(data: QueryDict, name: str, value: Any) -> None:
    """Write a stored profile value into POST data, as the form's widget would send it."""
    if name == "aliases":
        data["aliases_text"] = ", ".join(value)
    elif name == "race_ethnicity":
        data.setlist("race_ethnicity", list(value))
    elif isinstance(value, date):
        data[name] = value.isoformat()
    else:
        data[name] = "" if value is None else str(value)


class ParticipantAssignForm(OwnIdsMixin, SafeTextMixin, forms.Form):
    """Assign or transfer; a case manager at the limit needs the manager's recorded reason."""

    id_prefix = "assign"
    case_manager = forms.ModelChoiceField(
        label=_("Case manager"),
        queryset=None,
        required=False,
        to_field_name="uuid",
        empty_label=_("Nobody (unassigned)"),
    )
    override_reason = forms.CharField(
        label=_("Reason to go over the caseload limit"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, workers: QuerySet | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["case_manager"]
        field.queryset = workers  # annotated with ``load``; a POST is checked against it
        # The options are read once (with each load) and reused, not queried again to render.
        self.workers = list(workers) if workers is not None else []
        field.choices = [
            ("", field.empty_label),
            *(
                (
                    worker.uuid,
                    ngettext(
                        "%(name)s (%(load)s participant)",
                        "%(name)s (%(load)s participants)",
                        worker.load,
                    )
                    % {"name": worker.display_name, "load": worker.load},
                )
                for worker in self.workers
            ),
        ]

        self.fields["override_reason"].help_text = _(
            "Needed only for a case manager who already has %(limit)s participants. "
            "It is recorded with your name."
        ) % {"limit": CASELOAD_LIMIT}

    def someone_at_limit(self) -> bool:
        return any(worker.load >= CASELOAD_LIMIT for worker in self.workers)


class ParticipantRestrictForm(OwnIdsMixin, forms.Form):
    id_prefix = "restrict"
    allowed = forms.ModelMultipleChoiceField(
        label=_("Only these people may open the record"),
        queryset=None,
        required=False,
        to_field_name="uuid",
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Everyone else at the site stops seeing it anywhere. Include yourself to keep "
            "access. Choose nobody to lift the restriction."
        ),
    )

    def __init__(self, *args, workers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allowed"].queryset = workers
        self.fields["allowed"].label_from_instance = lambda user: user.display_name
