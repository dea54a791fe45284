"""Template helpers of referrals that other apps' pages show."""

from __future__ import annotations

from django import template

from referrals.selectors import eligibility_checklist
from sites.models import Site

register = template.Library()


@register.inclusion_tag("referrals/_checklist_card.html")
def checklist_card(site: Site) -> dict:
    """The site's current eligibility checklist, as a card (the case manager's home)."""
    return {"checklist": eligibility_checklist(site=site)}
