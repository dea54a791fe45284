"""Roles and the capabilities each one grants on its site.

Capabilities are guardian object permissions on the ``Site`` row (``Site.Meta.permissions``),
granted to one group per site and role. This table is the single place that says who may do what.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    CASE_MANAGER = "case_manager", _("Case manager")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    EVALUATOR = "evaluator", _("Evaluator")


class Pathway(models.TextChoices):
    ARREST_DIVERSION = "arrest_diversion", _("Arrest diversion")
    SOCIAL_CONTACT = "social_contact", _("Social contact referral")
    COMMUNITY = "community", _("Community referral")


# (codename, description) – also Site.Meta.permissions
CAPABILITIES: list[tuple[str, str]] = [
    ("view_site_home", "Open the site's home page"),
    ("submit_referral", "Submit officer referrals"),
    ("view_own_referrals", "See the status of one's own referrals"),
    ("work_cases", "Screen referrals and work with participants"),
    ("manage_site", "Change the site's settings, assign and transfer participants"),
    ("manage_staff", "Invite staff and change or end memberships"),
    ("view_access_log", "Read the site's access log"),
    ("view_aggregates", "See aggregate dashboards"),
    ("export_deidentified", "Download de-identified exports"),
]

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.OFFICER: frozenset({"view_site_home", "submit_referral", "view_own_referrals"}),
    Role.CASE_MANAGER: frozenset({"view_site_home", "submit_referral", "work_cases"}),
    Role.PROGRAMME_MANAGER: frozenset(
        {
            "view_site_home",
            "submit_referral",
            "work_cases",
            "manage_site",
            "manage_staff",
            "view_access_log",
            "view_aggregates",
        }
    ),
    Role.EVALUATOR: frozenset({"view_site_home", "view_aggregates", "export_deidentified"}),
}

# What a state administrator may do at any site without being a member of it: nothing that
# shows identifiable data.
STATE_ADMIN_CAPABILITIES: frozenset[str] = frozenset({"manage_staff"})
