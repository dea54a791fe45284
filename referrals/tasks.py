"""Background work of referrals: new-referral notices and the daily diversion clock."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scopes_disabled

from lead.celery import app
from lead.outbox import outbox_enqueue, outbox_task
from referrals.models import OPEN_STATUSES, Referral
from sites.roles import Pathway
from sites.selectors import deadline_alert_recipients, is_case_worker, referral_notice_recipients
from sites.services import notify
from sites.tasking import site_record

WARN_DAYS_BEFORE = 3


def _link(referral: Referral) -> str:
    path = reverse(
        "referrals:detail", kwargs={"site_slug": referral.site.slug, "referral_uuid": referral.uuid}
    )
    return settings.LEAD_BASE_URL.rstrip("/") + path


@app.task(name="referrals.tasks.notify_new_referral", acks_late=True)
@outbox_task
def notify_new_referral(*, referral_id: int) -> None:
    """Tell the site's case and programme managers (those who want it) of a new referral."""
    with site_record(Referral, referral_id) as referral:
        recipients = list(referral_notice_recipients(site=referral.site))
        title = _("New referral %(number)s (%(pathway)s)") % {
            "number": referral.number,
            "pathway": Pathway(referral.pathway).label,
        }
        notify(site=referral.site, users=recipients, title=title, link=_link(referral))


@app.task(name="referrals.tasks.clock_warning", acks_late=True)
@outbox_task
def clock_warning(*, referral_id: int, kind: str) -> None:
    """Three days left: warn the assignee. Missed: tell the programme managers."""
    with site_record(Referral, referral_id, "assignee") as referral:
        if not referral.is_open:
            return  # intake happened (or the referral closed) since the warning was queued
        days = referral.days_left()
        if kind == "due_soon":
            # The assignee, if they still work cases here (a membership can end or change after
            # the assignment); otherwise whoever assigns: the programme managers.
            assignee = referral.assignee
            still_here = assignee is not None and is_case_worker(site=referral.site, user=assignee)
            users = [assignee] if still_here else deadline_alert_recipients(site=referral.site)
            title = ngettext(
                "%(number)s: intake due in %(days)s day (%(due)s)",
                "%(number)s: intake due in %(days)s days (%(due)s)",
                days,
            )
        else:
            users = deadline_alert_recipients(site=referral.site)
            title = _("%(number)s: intake deadline missed (%(due)s)")
        title = title % {
            "number": referral.number,
            "days": days,
            "due": referral.intake_due_date.isoformat(),
        }
        notify(site=referral.site, users=users, title=title, link=_link(referral))


def diversion_clock_check(*, today=None) -> int:
    """Queue the warnings due today across all sites. Each warning has its own outbox key, so
    running this twice (or daily) never warns twice. Returns how many referrals are affected."""
    today = today or timezone.localdate()
    queued = 0
    with scopes_disabled():  # a statewide sweep; each warning re-enters its site's scope
        open_clocks = Referral.objects.filter(
            pathway=Pathway.ARREST_DIVERSION,
            status__in=OPEN_STATUSES,
            intake_due_date__isnull=False,
            intake_due_date__lte=today + timedelta(days=WARN_DAYS_BEFORE),
        ).only("pk", "uuid", "intake_due_date")
        for referral in open_clocks:
            kind = "missed" if referral.intake_due_date < today else "due_soon"
            outbox_enqueue(
                task_name="referrals.tasks.clock_warning",
                kwargs={"referral_id": referral.pk, "kind": kind},
                key=f"clock:{kind}:{referral.uuid}",
            )
            queued += 1
    return queued


@app.task(name="referrals.tasks.diversion_clock", acks_late=True)
def diversion_clock() -> int:
    """Daily (Celery beat): warn 3 days before an intake deadline and when it is missed."""
    return diversion_clock_check()
