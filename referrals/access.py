"""Reading a referral in a request: fetching it and logging the read are one step.

A referral names a person (name, birth date, phone, narrative), so every view that shows one
fetches it with ``referral_read``: it comes back only if the user may see it (a referral of a
restricted participant only for the people named on the record), and the read is logged before
anything is rendered, also when a POST then fails and re-renders the page."""

from __future__ import annotations

from django.http import Http404

from lead.audit import access_log_record
from lead.models import AccessLogEntry
from referrals.models import Referral
from referrals.selectors import referral_for
from sites.permissions import SiteRequest


def referral_read(request: SiteRequest, referral_uuid, *, action: str | None = None) -> Referral:
    """The referral if ``request.user`` may see it (read logged), else 404 (refusal logged)."""
    try:
        referral = referral_for(site=request.site, user=request.user, referral_uuid=referral_uuid)
    except Http404:
        access_log_record(
            request=request,
            action="denied:referral",
            obj=Referral(uuid=referral_uuid),
            outcome=AccessLogEntry.Outcome.NOT_FOUND,
        )
        raise
    default = "view" if request.method in {"GET", "HEAD"} else "write"
    access_log_record(request=request, action=action or default, obj=referral)
    return referral
