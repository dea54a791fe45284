"""``demo_seed``: the whole demo, in one transaction (``manage.py seed_demo`` calls it).

For each site, in name order: its demo accounts (reset every run), its demo referrals
(``lead.demo.referrals``) and its demo caseload (``lead.demo.participants``), each once; then what
the staff are told, in the app only (``lead.demo.notices``). One transaction: a failure leaves
nothing half made, and nothing the demo queued is ever published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from lead.demo.notices import Notices, demo_notices
from lead.demo.participants import referral_enrol, seed_participants
from lead.demo.referrals import SCENARIOS, demo_key, seed_referrals
from lead.demo.staff import demo_staff
from referrals.models import Referral
from sites.models import Site


@dataclass
class DemoResult:
    logins: list[tuple[str, str]] = field(default_factory=list)  # (e-mail, who), to print
    referrals: dict[str, int] = field(default_factory=dict)  # made this run, by site slug
    participants: int = 0  # made this run
    notices: Notices = field(default_factory=Notices)


def demo_seed(*, now: datetime | None = None, sites: list[Site] | None = None) -> DemoResult:
    """Load the demo for ``sites`` (default: every site), dated up to ``now`` (default: now);
    idempotent.

    Each site's draws are seeded with its slug: the same people every run, whatever the date.
    """
    now = now or timezone.now()
    result = DemoResult()
    with transaction.atomic():
        if sites is None:
            sites = list(Site.objects.order_by("name"))
        result.logins, staff = demo_staff(sites=sites)
        demo_referrals: list[Referral] = []
        created: set[int] = set()
        for site in sites:
            people = staff[site.slug]
            with scope(site=site):
                made = seed_referrals(
                    site=site,
                    officer=people.officer,
                    case_manager=people.case_manager,
                    now=now,
                    seed=f"lead-demo:{site.slug}",
                    enrol=referral_enrol,
                )
                result.referrals[site.slug] = len(made)
                created.update(referral.pk for referral in made)
                result.participants += len(
                    seed_participants(
                        site=site,
                        case_manager=people.case_manager,
                        programme_manager=people.programme_manager,
                        now=now,
                        seed=f"lead-demo-participants:{site.slug}",
                    )
                )
                keys = [demo_key(site, scenario.key) for scenario in SCENARIOS]
                demo_referrals += Referral.objects.filter(
                    site=site, idempotency_key__in=keys
                ).select_related("site")
        result.notices = demo_notices(referrals=demo_referrals, created=created, now=now)
    return result
