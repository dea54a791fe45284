"""Referral forms. They validate; services act."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lead.forms import AliasesField, DateInput, OwnIdsMixin, SafeTextMixin, not_in_future
from referrals.models import Decision, LocateAttempt, OffenceCategory, ProsecutorOutcome, Referral
from referrals.models import Status as ReferralStatus
from sites.roles import Pathway


class ReferralForm(SafeTextMixin, forms.ModelForm):
    """The person and what is going on; the pathway's own fields are added by subclasses."""

    aliases_text = AliasesField.for_model_field(Referral._meta.get_field("aliases"))
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


class DecisionForm(OwnIdsMixin, SafeTextMixin, forms.Form):
    id_prefix = "decision"
    decision = forms.ChoiceField(label=_("Decision"), choices=[("", "—"), *Decision.choices])
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssignForm(OwnIdsMixin, forms.Form):
    id_prefix = "assign"
    assignee = forms.ModelChoiceField(
        label=_("Assigned case manager"), queryset=None, required=False, to_field_name="uuid"
    )

    def __init__(self, *args, workers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = workers


class AttemptForm(OwnIdsMixin, SafeTextMixin, forms.ModelForm):
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

    def clean_attempted_at(self):
        value = self.cleaned_data["attempted_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise ValidationError(_("An attempt cannot be in the future."))
        return value


class CloseForm(OwnIdsMixin, SafeTextMixin, forms.Form):
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


class ChecklistItemForm(SafeTextMixin, forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
