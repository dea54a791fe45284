"""Referral forms. They validate; services act."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models import Decision, LocateAttempt, OffenceCategory, ProsecutorOutcome, Referral
from referrals.models import Status as ReferralStatus
from sites.roles import Pathway

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EARLIEST = date(1900, 1, 1)


def no_control_characters(value: str) -> None:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(_("Remove the invisible control characters from this text."))


def not_in_future(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError(_("This date is in the future."))
    if value < EARLIEST:
        raise ValidationError(_("Enter a date after 1900."))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReferralForm(forms.ModelForm):
    """The person and what is going on; the pathway's own fields are added by subclasses."""

    aliases_text = forms.CharField(
        label=_("Other names they go by"),
        required=False,
        max_length=300,
        help_text=_("Separate names with commas."),
    )
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    person_fields = [
        "first_name",
        "last_name",
        "name_unknown",
        "date_of_birth",
        "estimated_age",
        "description",
        "where_to_find",
        "phone",
        "language",
        "safety_concerns",
    ]
    required_fields: tuple[str, ...] = ()

    class Meta:
        model = Referral
        fields: list[str] = []
        widgets = {
            "date_of_birth": DateInput(),
            "diversion_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 2}),
            "where_to_find": forms.Textarea(attrs={"rows": 2}),
            "safety_concerns": forms.Textarea(attrs={"rows": 2}),
            "offence_description": forms.Textarea(attrs={"rows": 3}),
            "contact_reason": forms.Textarea(attrs={"rows": 3}),
            "narrative": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.required_fields:
            self.fields[name].required = True
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(no_control_characters)
        if "estimated_age" in self.fields:
            self.fields["estimated_age"].widget.attrs.update(min=0, max=120)
        if "date_of_birth" in self.fields:
            self.fields["date_of_birth"].validators.append(not_in_future)
        if "phone" in self.fields:
            self.fields["phone"].widget.input_type = "tel"

    def clean_estimated_age(self):
        age = self.cleaned_data.get("estimated_age")
        if age is not None and not 0 <= age <= 120:
            raise ValidationError(_("Enter an age between 0 and 120."))
        return age

    def clean_aliases_text(self):
        text = self.cleaned_data.get("aliases_text", "")
        return [name.strip()[:100] for name in text.split(",") if name.strip()][:20]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("name_unknown") and not (
            cleaned.get("first_name") or cleaned.get("last_name")
        ):
            self.add_error("first_name", _("Give a first or last name, or tick “Name unknown”."))
        return cleaned

    def referral_data(self) -> dict:
        """The model fields to store, for the ``referral_submit`` service."""
        data = {
            name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data
        }
        data["aliases"] = self.cleaned_data.get("aliases_text", [])
        if data.get("name_unknown"):
            data["first_name"] = data["last_name"] = ""
        return data


class ArrestDiversionForm(ReferralForm):
    required_fields = ("offence_category", "incident_number", "agency", "diversion_date")

    class Meta(ReferralForm.Meta):
        fields = [
            *ReferralForm.person_fields,
            "offence_category",
            "offence_description",
            "incident_number",
            "agency",
            "diversion_date",
            "diversion_place",
            "narrative",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["diversion_date"].validators.append(not_in_future)
        self.fields["diversion_date"].initial = timezone.localdate()
        self.fields["offence_category"].choices = [("", "—"), *OffenceCategory.choices]

    def clean_diversion_date(self):
        value = self.cleaned_data.get("diversion_date")
        if value and value < timezone.localdate() - timedelta(days=365):
            raise ValidationError(_("A diversion date more than a year ago cannot be right."))
        return value


class SocialContactForm(ReferralForm):
    required_fields = ("contact_reason",)

    class Meta(ReferralForm.Meta):
        fields = [*ReferralForm.person_fields, "contact_reason", "narrative"]


class CommunityReferralForm(ReferralForm):
    """The public form (and case managers taking a referral by phone)."""

    required_fields = ("narrative",)
    # A field people never see; robots fill it in.
    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta(ReferralForm.Meta):
        fields = [
            *ReferralForm.person_fields,
            "narrative",
            "urgency",
            "referrer_name",
            "referrer_relationship",
            "referrer_phone",
            "referrer_email",
        ]
        labels = {"narrative": _("What is going on")}

    def is_spam(self) -> bool:
        return bool(self.data.get("website"))


PATHWAY_FORMS: dict[str, type[ReferralForm]] = {
    Pathway.ARREST_DIVERSION: ArrestDiversionForm,
    Pathway.SOCIAL_CONTACT: SocialContactForm,
    Pathway.COMMUNITY: CommunityReferralForm,
}


class OwnIdsMixin:
    """Several forms share the referral page: give each its own element ids (labels work)."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("all", _("All")), *ReferralStatus.choices],
    )
    pathway = forms.ChoiceField(
        label=_("Pathway"), required=False, choices=[("", _("All")), *Pathway.choices]
    )
    age = forms.ChoiceField(
        label=_("Waiting"),
        required=False,
        choices=[
            ("", _("Any time")),
            ("week", _("Over a week")),
            ("month", _("Over a month")),
            ("quarter", _("Over three months")),
        ],
    )


class DecisionForm(OwnIdsMixin, forms.Form):
    id_prefix = "decision"
    decision = forms.ChoiceField(label=_("Decision"), choices=[("", "—"), *Decision.choices])
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[no_control_characters],
    )


class AssignForm(OwnIdsMixin, forms.Form):
    id_prefix = "assign"
    assignee = forms.ModelChoiceField(
        label=_("Assigned case manager"), queryset=None, required=False, to_field_name="uuid"
    )

    def __init__(self, *args, workers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = workers


class AttemptForm(OwnIdsMixin, forms.ModelForm):
    id_prefix = "attempt"

    class Meta:
        model = LocateAttempt
        fields = ["attempted_at", "place", "method", "result", "note"]
        widgets = {
            "attempted_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attempted_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(no_control_characters)

    def clean_attempted_at(self):
        value = self.cleaned_data["attempted_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise ValidationError(_("An attempt cannot be in the future."))
        return value


class CloseForm(OwnIdsMixin, forms.Form):
    id_prefix = "close"
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("", "—"),
            (ReferralStatus.DECLINED, ReferralStatus.DECLINED.label),
            (ReferralStatus.UNABLE_TO_LOCATE, ReferralStatus.UNABLE_TO_LOCATE.label),
            (ReferralStatus.INELIGIBLE, ReferralStatus.INELIGIBLE.label),
            (ReferralStatus.WITHDRAWN, ReferralStatus.WITHDRAWN.label),
        ],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[no_control_characters],
    )


class ProsecutorForm(OwnIdsMixin, forms.Form):
    id_prefix = "prosecutor"
    outcome = forms.ChoiceField(
        label=_("Tell the prosecutor"), choices=[("", "—"), *ProsecutorOutcome.choices]
    )


class SiteReferralSettingsForm(forms.Form):
    pathways = forms.MultipleChoiceField(
        label=_("Pathways this site takes"),
        choices=Pathway.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    intake_deadline_days = forms.TypedChoiceField(
        label=_("Intake deadline after an arrest diversion"),
        coerce=int,
        choices=[(7, _("7 days")), (14, _("14 days")), (30, _("30 days"))],
    )
    recipients = forms.ModelMultipleChoiceField(
        label=_("Notify of new referrals"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="uuid",
    )

    def __init__(self, *args, workers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = workers


class ChecklistItemForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300, validators=[no_control_characters])
