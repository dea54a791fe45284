from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lead.forms import SafeTextMixin
from sites.roles import Role


class InviteForm(SafeTextMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
