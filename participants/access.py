"""Reading a participant's record in a request: fetching it and logging the read are one step.

Every view that shows anything of a participant fetches it with ``participant_read``: the
record comes back only if the user may see it, and the read is in the access log before any
page is rendered — also when the request then fails validation and re-renders the record
(an invalid POST shows as much as a GET). A refused attempt is logged too, then answered 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from lead.audit import access_log_record
from lead.models import AccessLogEntry
from participants.models import Participant
from participants.selectors import participant_for
from sites.permissions import SiteRequest


def read_action(request: HttpRequest) -> str:
    """``view`` for a page, ``write`` for a request that sends changes (and reads the record to
    check them, or to show it again with errors)."""
    return "view" if request.method in {"GET", "HEAD"} else "write"


def participant_read(
    request: SiteRequest, participant_uuid, *, action: str | None = None
) -> Participant:
    """The participant if ``request.user`` may see it (read logged), else 404 (refusal logged)."""
    try:
        participant = participant_for(
            site=request.site, user=request.user, participant_uuid=participant_uuid
        )
    except Http404:
        access_log_record(
            request=request,
            action="denied:participant",
            obj=Participant(uuid=participant_uuid),
            outcome=AccessLogEntry.Outcome.NOT_FOUND,
        )
        raise
    access_log_record(request=request, action=action or read_action(request), obj=participant)
    return participant
