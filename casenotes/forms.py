"""Forms for contact notes, addenda and tasks. They validate; services act."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casenotes.models import Addendum, Contact, Service, Task
from lead.forms import DateInput, SafeTextMixin

MAX_MINUTES = 24 * 60
LATEST_DUE = timedelta(days=3 * 365)  # a due date further out is a typo, not a plan


class ContactForm(SafeTextMixin, forms.ModelForm):
    """A contact note, and on a new note an optional follow-up task for its author."""

    successful = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[("yes", _("Reached the person")), ("no", _("Attempted, not reached"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )
    duration_minutes = forms.IntegerField(
        label=_("How long (minutes)"),
        min_value=0,
        max_value=MAX_MINUTES,
        initial=15,
        error_messages={
            "min_value": _("A contact cannot last less than 0 minutes."),
            "max_value": _("A contact cannot last more than 24 hours (1440 minutes)."),
        },
    )
    services = forms.MultipleChoiceField(
        label=_("Services provided"),
        choices=Service.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    follow_up_title = forms.CharField(
        label=_("Follow-up task"),
        max_length=300,
        required=False,
        help_text=_("Optional: a task for you, e.g. “Drive to the MOUD intake appointment”."),
    )
    follow_up_due = forms.DateField(label=_("Follow-up due"), required=False, widget=DateInput())

    class Meta:
        model = Contact
        fields = list(Contact.CONTACT_FIELDS)
        widgets = {
            "contacted_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "referrals_made": forms.Textarea(attrs={"rows": 2}),
            "narrative": forms.Textarea(attrs={"rows": 8}),
        }
        labels = {
            "contacted_at": _("When"),
            "contact_type": _("Type of contact"),
            "location": _("Where"),
        }

    def __init__(self, *args, with_follow_up: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_follow_up:
            del self.fields["follow_up_title"], self.fields["follow_up_due"]
        if self.instance.pk is None:
            self.initial.setdefault("contacted_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
        self.initial["successful"] = "yes" if self.instance.successful else "no"
        for name in ("contact_type", "location"):
            field = self.fields[name]
            field.choices = [("", "—"), *[(key, label) for key, label in field.choices if key]]

    def clean_contacted_at(self):
        value = self.cleaned_data["contacted_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise ValidationError(_("A contact cannot be in the future."))
        return value

    def clean_follow_up_due(self):
        due = self.cleaned_data.get("follow_up_due")
        if due is not None:
            _check_due(due)
        return due

    def clean(self):
        cleaned = super().clean()
        if "follow_up_title" in self.fields:
            title, due = cleaned.get("follow_up_title"), cleaned.get("follow_up_due")
            if title and not due and "follow_up_due" not in self.errors:
                self.add_error("follow_up_due", _("Give the follow-up a due date."))
            if due and not title:
                self.add_error("follow_up_title", _("Say what the follow-up is."))
        return cleaned

    def contact_data(self) -> dict:
        """The fields for ``contact_record`` / ``contact_edit``."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


def _check_due(due) -> None:
    today = timezone.localdate()
    if due < today - timedelta(days=365) or due > today + LATEST_DUE:
        raise ValidationError(_("Enter a due date within a year back and three years ahead."))


class AddendumForm(SafeTextMixin, forms.ModelForm):
    """A correction or addition to a locked note. A page shows one per note, each with its own
    element ids (``{% addendum_field %}``)."""

    class Meta:
        model = Addendum
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "text": _(
                "This note is locked. A correction or addition is kept beside it, with your name."
            )
        }


class TaskForm(SafeTextMixin, forms.ModelForm):
    """A task: title, due date, assignee (a case worker of this site), optionally a participant.

    The participant arrives as a hidden UUID; the view resolves it within the site (or 404s).
    """

    participant = forms.UUIDField(widget=forms.HiddenInput, required=False)
    assignee = forms.ModelChoiceField(
        label=_("Assigned to"), queryset=None, to_field_name="uuid", empty_label="—"
    )

    class Meta:
        model = Task
        fields = ["title", "due_on", "assignee"]
        widgets = {"due_on": DateInput()}

    def __init__(self, *args, workers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = workers
        self.fields["assignee"].label_from_instance = lambda user: user.display_name

    def clean_due_on(self):
        due = self.cleaned_data["due_on"]
        _check_due(due)
        return due


class TaskDoneForm(forms.Form):
    """Mark a task done ("1") or open again ("0"); no value toggles it."""

    done = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")],
        coerce=lambda value: value == "1",
        required=False,
        empty_value=None,
    )
