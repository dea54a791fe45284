"""The form kit (lead/forms.py): one field template, one error summary, safe text and the fields
shared by several forms. Pages are checked through their own tests; this is the kit itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.utils import translation
from django.utils.html import format_html

from lead.forms import (
    AliasesField,
    FormRenderer,
    OwnIdsMixin,
    RaceEthnicityField,
    SafeTextMixin,
)
from participants.models import Participant, RaceEthnicity

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.fixture(autouse=True)
def _in_english():
    """The messages below are checked in English, whatever an earlier test left active."""
    with translation.override("en"):
        yield


class PersonForm(SafeTextMixin, forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="As they say it.")
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea)
    sure = forms.BooleanField(label="I am sure", required=False)
    colour = forms.ChoiceField(
        label="Colour",
        choices=[("red", "Red"), ("blue", "Blue")],
        widget=forms.RadioSelect,
        help_text="Pick one.",
    )
    aliases_text = AliasesField.for_model_field(Participant._meta.get_field("aliases"))
    race_ethnicity = RaceEthnicityField(categories=RaceEthnicity)
    version = forms.IntegerField(widget=forms.HiddenInput)


def _bound(**data) -> PersonForm:
    form = PersonForm(data={"name": "Dana", "colour": "red", "version": "1", **data})
    form.is_valid()
    return form


def _summary(form: forms.Form) -> str:
    return Template("{% load form_kit %}{% form_errors form %}").render(Context({"form": form}))


# -- One field template ------------------------------------------------------------------------


def test_the_project_renders_forms_with_its_own_renderer():
    assert settings.FORM_RENDERER == "lead.forms.FormRenderer"
    assert isinstance(PersonForm().renderer, FormRenderer)
    assert FormRenderer.field_template_name == "forms/field.html"


def test_a_field_has_its_label_help_and_control_tied_together():
    html = PersonForm()["name"].as_field_group()

    assert '<label for="id_name">Name <span class="required" aria-hidden="true">*</span>' in html
    assert 'id="id_name_helptext">As they say it.<' in html
    assert re.search(r'<input[^>]*aria-describedby="id_name_helptext"[^>]*id="id_name"', html)


def test_an_error_shows_at_its_field_and_is_announced_with_the_control():
    html = _bound(name="")["name"].as_field_group()

    assert 'class="field field-invalid"' in html
    assert '<div class="field-error" id="id_name_error"><p>This field is required.</p>' in html
    control = re.search(r"<input[^>]*>", html).group(0)
    assert 'aria-invalid="true"' in control
    assert 'aria-describedby="id_name_helptext id_name_error"' in control
    # The error comes after the control, where the eye goes next.
    assert html.index("<input") < html.index("id_name_error")


def test_a_group_of_choices_is_a_fieldset_named_by_its_legend():
    html = _bound(colour="green")["colour"].as_field_group()

    assert html.strip().startswith(
        '<fieldset class="field field-radioselect field-invalid" '
        'aria-describedby="id_colour_helptext id_colour_error">'
    )
    assert "<legend>Colour" in html
    assert '<label for="id_colour_0"><input type="radio" name="colour" value="red"' in html
    assert 'id="id_colour_error"' in html


def test_a_single_checkbox_comes_before_its_label():
    html = PersonForm()["sure"].as_field_group()

    assert 'class="field field-check"' in html
    assert html.index('type="checkbox"') < html.index('<label for="id_sure">')


def test_help_text_is_escaped_unless_it_was_built_safely():
    class HelpForm(forms.Form):
        plain = forms.CharField(help_text="<script>alert(1)</script> & more")
        built = forms.CharField(help_text=format_html("See <a href='{}'>the policy</a>", "/p/"))

    form = HelpForm()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in form["plain"].as_field_group()
    assert "<a href='/p/'>the policy</a>" in form["built"].as_field_group()


def test_hidden_fields_render_as_bare_inputs():
    html = PersonForm()["version"].as_field_group()
    assert html.strip().startswith('<input type="hidden" name="version"')
    assert "<label" not in html


def test_own_ids_keep_two_forms_on_one_page_apart():
    class Decision(OwnIdsMixin, forms.Form):
        id_prefix = "decision"
        reason = forms.CharField()

    html = Decision()["reason"].as_field_group()
    assert 'for="decision_reason"' in html and 'id="decision_reason"' in html


def test_no_template_renders_fields_or_help_by_hand():
    """One field renderer: label, help and error markup live in templates/forms/ only."""
    hand_made = re.compile(r"help_text|_helptext|field\.errors|field-error|\.label_tag")
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if path.parent.name != "forms" and hand_made.search(path.read_text())
    ]
    assert offenders == []


# -- One error summary -------------------------------------------------------------------------


def test_the_summary_links_to_each_field_in_error_in_the_forms_order():
    html = _summary(_bound(name="", colour="green"))

    assert 'class="error-summary" role="alert"' in html
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a>: ([^<]+)</li>', html)
    assert links == [
        ("id_name", "Name", "This field is required."),
        # A group of choices: the link goes to its first choice, which takes the focus.
        (
            "id_colour_0",
            "Colour",
            "Select a valid choice. green is not one of the available choices.",
        ),
    ]


def test_the_summary_shows_the_forms_own_errors_and_is_empty_without_errors():
    class PairForm(forms.Form):
        a = forms.CharField(required=False)

        def clean(self):
            raise forms.ValidationError("These two do not go together.")

    form = PairForm(data={})
    form.is_valid()
    html = _summary(form)
    assert "<p>These two do not go together.</p>" in html
    assert "<ul>" not in html  # no field is marked, so no list and no "fields marked below"
    assert _summary(PersonForm()).strip() == ""


def test_a_hidden_fields_error_shows_when_the_form_says_nothing_itself():
    html = _summary(_bound(version="abc"))
    assert "Enter a whole number." in html


def test_whole_forms_render_summary_hidden_fields_and_every_field():
    html = str(_bound(name=""))

    assert html.index("error-summary") < html.index('type="hidden" name="version"')
    for name in ("name", "note", "sure", "colour_0", "aliases_text", "race_ethnicity_0"):
        assert f'id="id_{name}"' in html


# -- Safe text ---------------------------------------------------------------------------------


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x0b", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_refused_with_a_message(character):
    form = _bound(name=f"Da{character}na", note=f"Met{character} her")

    assert "Remove the invisible control characters from this text." in form.errors["name"]
    assert "Remove the invisible control characters from this text." in form.errors["note"]


def test_one_line_text_gets_single_spaces_and_loses_zero_width_characters():
    form = _bound(name="  Dana\u200b \t Whitehorse\u00a0 ")

    assert form.cleaned_data["name"] == "Dana Whitehorse"


def test_a_note_keeps_its_line_breaks_and_tabs():
    form = _bound(note="Line one\r\n\tLine two\u200b")

    assert form.cleaned_data["note"] == "Line one\r\n\tLine two"


def test_a_required_field_of_invisible_characters_only_is_still_empty():
    form = _bound(name="\u200b\ufeff")

    assert form.errors["name"] == ["This field is required."]


# -- Other names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        ("Dee, Little D", ["Dee", "Little D"]),
        ("Dee; Little D\nLD\r\nEl Flaco", ["Dee", "Little D", "LD", "El Flaco"]),
        ("  Dee  ,, ;\n , little   d ", ["Dee", "little d"]),
        ("Dee, DEE, dee, Little D, little d", ["Dee", "Little D"]),
        ("", []),
        (" , ; ", []),
    ],
)
def test_other_names_are_split_trimmed_and_repeats_dropped(typed, names):
    assert _bound(aliases_text=typed).cleaned_data["aliases_text"] == names


def test_too_many_other_names_is_an_error_not_a_shorter_list():
    form = _bound(aliases_text=", ".join(f"N{n}" for n in range(25)))

    assert form.errors["aliases_text"] == ["Give at most 20 other names (this has 25)."]


def test_a_name_too_long_is_an_error_not_a_shorter_name():
    form = _bound(aliases_text="Dee, " + "y" * 101)

    assert form.errors["aliases_text"] == [
        "Each name can have at most 100 characters: “yyyyyyyyyyyyyyyyyyyy…” is longer."
    ]


def test_the_limits_come_from_the_model_and_the_browser_cuts_nothing():
    field = PersonForm().fields["aliases_text"]
    model_field = Participant._meta.get_field("aliases")

    assert field.max_name_length == model_field.base_field.max_length == 100
    assert field.max_names == 20
    assert "maxlength" not in str(PersonForm()["aliases_text"])


def test_stored_names_come_back_into_the_box_separated_by_commas():
    form = PersonForm(initial={"aliases_text": ["Dee", "Little D"]})
    assert 'value="Dee, Little D"' in str(form["aliases_text"])


# -- Race and ethnicity ------------------------------------------------------------------------


def test_prefers_not_to_say_cannot_go_with_a_category():
    form = _bound(race_ethnicity=[RaceEthnicity.DECLINED, RaceEthnicity.WHITE])

    assert form.errors["race_ethnicity"] == ["Choose categories or “Prefers not to say”, not both."]


@pytest.mark.parametrize(
    "chosen", [[], [RaceEthnicity.DECLINED], [RaceEthnicity.ASIAN, RaceEthnicity.WHITE]]
)
def test_prefers_not_to_say_alone_or_any_categories_are_fine(chosen):
    assert _bound(race_ethnicity=chosen).cleaned_data["race_ethnicity"] == chosen


def test_the_categories_are_the_federal_ones():
    assert PersonForm().fields["race_ethnicity"].choices == RaceEthnicity.choices
