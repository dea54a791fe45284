"""Forms of intake, consent (release of information) and the Individual Intervention Plan.
They validate; the services in ``participants.services`` act."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lead.forms import EARLIEST, DateInput, SafeTextMixin, not_in_future
from participants.forms import (
    MODEL_FIELDS,
    aliases_field,
    profile_form_fields,
    race_ethnicity_field,
)
from participants.models import Consent, Domain, NeedAssessment, Participant, PlanGoal

PLAN_HORIZON_YEARS = 10


def not_too_far(value: date) -> None:
    if value < EARLIEST:
        raise ValidationError(_("Enter a date after 1900."))
    if value > timezone.localdate() + timedelta(days=365 * PLAN_HORIZON_YEARS):
        raise ValidationError(_("Choose a date within the next ten years."))


class IntakeForm(SafeTextMixin, forms.ModelForm):
    """Who the person is, how to reach them, their circumstances, the needs assessment by
    domain, and their case manager."""

    aliases_text = aliases_field()
    race_ethnicity = race_ethnicity_field()
    case_manager = forms.ModelChoiceField(
        label=_("Case manager"), queryset=None, to_field_name="uuid"
    )

    class Meta:
        model = Participant
        fields = MODEL_FIELDS
        widgets = {
            "date_of_birth": DateInput(),
            "where_to_find": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, workers, can_override: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case_manager"].queryset = workers
        self.fields["date_of_birth"].validators.append(not_in_future)
        self.fields["phone"].widget.input_type = "tel"
        self.fields["preferred_name"].help_text = _("The name they want to be called.")
        if can_override:
            self.fields["override_reason"] = forms.CharField(
                label=_("Reason to go over the caseload limit"),
                required=False,
                max_length=1000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_(
                    "Only needed when the case manager already has 25 participants. "
                    "Your reason is recorded."
                ),
            )
        for domain in Domain:
            self.fields[f"need_{domain.value}_level"] = forms.ChoiceField(
                label=_("%(domain)s: level of need") % {"domain": domain.label},
                choices=NeedAssessment.Level.choices,
                initial=NeedAssessment.Level.UNKNOWN,
            )
            self.fields[f"need_{domain.value}_notes"] = forms.CharField(
                label=_("%(domain)s: notes") % {"domain": domain.label},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        # The page's order, so the error summary reads top to bottom.
        needs = [name for name in self.fields if name.startswith("need_")]
        self.order_fields([*profile_form_fields(), *needs, "case_manager", "override_reason"])

    def need_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """(domain label, level field, notes field) for each domain, for the template."""
        return [
            (domain.label, self[f"need_{domain.value}_level"], self[f"need_{domain.value}_notes"])
            for domain in Domain
        ]

    def profile(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        data["aliases"] = self.cleaned_data["aliases_text"]
        data["race_ethnicity"] = self.cleaned_data["race_ethnicity"]
        return data

    def needs(self) -> dict[str, tuple[str, str]]:
        return {
            domain.value: (
                self.cleaned_data[f"need_{domain.value}_level"],
                self.cleaned_data[f"need_{domain.value}_notes"],
            )
            for domain in Domain
        }


class ConsentForm(SafeTextMixin, forms.ModelForm):
    """A release of information to one recipient: every element of 42 CFR Part 2 §2.31."""

    class Meta:
        model = Consent
        fields = [
            "recipient",
            "discloser",
            "information",
            "purpose",
            "expires_on",
            "expiry_event",
            "revocation_explained",
            "signed_on",
            "signature_method",
        ]
        widgets = {
            "information": forms.Textarea(attrs={"rows": 2}),
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "expires_on": DateInput(),
            "signed_on": DateInput(),
            "signature_method": forms.RadioSelect,
        }
        help_texts = {
            "recipient": _(
                "One person or organisation per consent, e.g. “Taos Behavioral Health”."
            ),
            "discloser": _("The programme (or person) allowed to share the information."),
            "information": _("How much and what kind, e.g. “attendance and housing status”."),
            "expires_on": _("Give an expiry date, an event, or both."),
            "expiry_event": _("e.g. “when the participant leaves LEAD”."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signature_method"].choices = Consent.SignatureMethod.choices  # no blank radio
        self.fields["revocation_explained"].required = True
        self.fields["revocation_explained"].error_messages["required"] = _(
            "Explain that the consent can be revoked at any time, then tick this box."
        )
        self.fields["signed_on"].validators.append(not_in_future)
        self.fields["expires_on"].validators.append(not_too_far)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        expires_on, signed_on = cleaned.get("expires_on"), cleaned.get("signed_on")
        if not expires_on and not cleaned.get("expiry_event") and "expires_on" not in self.errors:
            self.add_error("expires_on", _("Give the date or the event on which it expires."))
        if expires_on and signed_on and expires_on < signed_on:
            self.add_error("expires_on", _("The consent cannot expire before it was signed."))
        return cleaned


class RevokeForm(SafeTextMixin, forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class GoalForm(SafeTextMixin, forms.ModelForm):
    class Meta:
        model = PlanGoal
        fields = ["domain", "goal", "status", "target_date"]
        widgets = {"goal": forms.Textarea(attrs={"rows": 3}), "target_date": DateInput()}
        help_texts = {"goal": _("Write it as the participant says it.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = [("", "—"), *Domain.choices]
        self.fields["target_date"].validators.append(not_too_far)


class GoalUpdateForm(SafeTextMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PlanGoal.Status.choices)
    target_date = forms.DateField(
        label=_("Target date"),
        required=False,
        widget=DateInput(),
        validators=[not_too_far],
    )
    note = forms.CharField(
        label=_("Progress note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened, in a sentence or two. Kept with the goal's history."),
    )
