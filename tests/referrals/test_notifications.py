"""New referrals notify the site's case and programme managers: in the app and by e-mail, once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from lead.models import OutboxMessage
from lead.outbox import outbox_publish, outbox_sweep
from referrals import tasks
from referrals.models import Referral
from sites.models import Membership, Notification
from sites.roles import Role
from sites.services import membership_grant, notify
from tests.factories import member

pytestmark = pytest.mark.django_db

SOCIAL_CONTACT = {
    "first_name": "Marisol",
    "last_name": "Trujillo",
    "estimated_age": "35",
    "contact_reason": "Asked about detox while we were on a welfare check.",
}


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.LEAD_REQUIRE_MFA = False


def _submit(client, officer, capture) -> Referral:
    client.force_login(officer)
    with capture(execute=True):
        response = client.post(
            "/s/taos/referrals/new/social_contact/",
            {**SOCIAL_CONTACT, "idempotency_key": "6f1c3c1e-2d4b-4d0e-9d7e-6a1f0d8b5c11"},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        return Referral.objects.get(submitted_by=officer)


def _notifications(**filters) -> list[Notification]:
    with scopes_disabled():
        return list(Notification.objects.filter(**filters).select_related("user", "site"))


def _badge(page: str) -> str | None:
    match = re.search(r'class="badge badge-count"[^>]*>(\d+)</span>', page)
    return match.group(1) if match else None


def test_a_new_referral_notifies_the_sites_managers_once_in_the_app_and_by_email(
    client,
    site_a,
    site_b,
    officer,
    case_manager,
    programme_manager,
    evaluator,
    case_manager_b,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    quiet = member(site_a, Role.CASE_MANAGER, email="quiet.a@example.org")
    with scopes_disabled():
        membership = Membership.objects.get(user=quiet)
        membership.notify_new_referrals = False
        membership.save()
    # Case manager at Lea, only an officer at Taos: Taos's referrals are none of their business.
    both = member(site_b, Role.CASE_MANAGER, email="both.b@example.org")
    membership_grant(user=both, site=site_a, role=Role.OFFICER, by=None)
    pm_b = member(site_b, Role.PROGRAMME_MANAGER, email="pm.b@example.org")

    referral = _submit(client, officer, django_capture_on_commit_callbacks)

    notified = _notifications()
    assert sorted(n.user.email for n in notified) == sorted(
        [case_manager.email, programme_manager.email]
    )
    title = f"New referral {referral.number} (Social contact referral)"
    base = django_settings.LEAD_BASE_URL.rstrip("/")
    link = f"{base}/s/taos/referrals/{referral.uuid}/"
    assert {(n.site, n.title, n.link) for n in notified} == {(site_a, title, link)}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [case_manager.email, programme_manager.email]
    )
    for mail in mailoutbox:
        assert mail.subject == f"[LEAD Taos] {title}"
        assert link in mail.body
    for nobody in (officer, evaluator, quiet, both, case_manager_b, pm_b):
        assert _notifications(user=nobody) == []

    # Delivered twice (a worker died before acking), swept twice: still once each.
    message = OutboxMessage.objects.get(idempotency_key=f"referral-new:{referral.uuid}")
    assert message.status == OutboxMessage.Status.DONE
    tasks.notify_new_referral.apply(kwargs={"outbox_id": message.pk})
    assert outbox_publish(message_id=message.pk) is False
    later = timezone.now() + timedelta(hours=1)
    assert outbox_sweep(now=later) == 0
    assert outbox_sweep(now=later) == 0
    assert len(_notifications()) == 2
    assert len(mailoutbox) == 2


def test_a_notification_queued_while_the_broker_was_down_is_sent_once_by_the_sweeper(
    client, site_a, officer, case_manager, programme_manager, mailoutbox
):
    """Without the commit hook (the publish failed), the sweeper sends it, and only once."""
    client.force_login(officer)
    response = client.post(
        "/s/taos/referrals/new/social_contact/",
        {**SOCIAL_CONTACT, "idempotency_key": "0b0a3e5c-6d6e-4c59-8f8c-29d5f1e0a001"},
    )
    assert response.status_code == 302
    assert _notifications() == [] and mailoutbox == []
    later = timezone.now() + timedelta(minutes=5)
    assert outbox_sweep(now=later) == 1  # the notice: in-app rows, and one e-mail task each
    # (inside this test's transaction the e-mails' commit hooks never fire; the sweeper sends them)
    assert outbox_sweep(now=later) == 2
    assert outbox_sweep(now=later) == 0
    assert sorted(n.user.email for n in _notifications()) == sorted(
        [case_manager.email, programme_manager.email]
    )
    assert len(mailoutbox) == 2


def test_the_unread_badge_counts_and_mark_all_as_read_clears_it(
    client, site_a, officer, case_manager, programme_manager, django_capture_on_commit_callbacks
):
    _submit(client, officer, django_capture_on_commit_callbacks)
    with scope(site=site_a):
        notify(site=site_a, users=[case_manager], title="Second thing", link="/s/taos/")

    client.force_login(case_manager)
    home = client.get("/s/taos/").content.decode()
    assert _badge(home) == "2"
    assert 'aria-label="2 unread"' in home
    page = client.get("/s/taos/notifications/").content.decode()
    assert "New referral TAO-" in page and "Second thing" in page
    assert page.count('<li class="unread">') == 2

    assert client.get("/s/taos/notifications/read/").status_code == 405  # POST only
    response = client.post("/s/taos/notifications/read/")
    assert response.status_code == 302
    assert response["Location"] == "/s/taos/notifications/"
    page = client.get("/s/taos/notifications/").content.decode()
    assert _badge(page) is None
    assert '<li class="unread">' not in page
    assert "Second thing" in page  # read, still listed
    assert all(n.read_at is not None for n in _notifications(user=case_manager))

    # The programme manager's own notification is still unread.
    client.force_login(programme_manager)
    assert _badge(client.get("/s/taos/").content.decode()) == "1"


def test_a_user_only_sees_their_own_notifications_at_that_site(
    client, site_a, site_b, case_manager, programme_manager
):
    membership_grant(user=case_manager, site=site_b, role=Role.CASE_MANAGER, by=None)
    with scope(site=site_a):
        notify(site=site_a, users=[case_manager], title="Mine at Taos", link="")
        notify(site=site_a, users=[programme_manager], title="The manager's at Taos", link="")
    with scope(site=site_b):
        notify(site=site_b, users=[case_manager], title="Mine at Lea", link="")
        notify(site=site_b, users=[case_manager], title="Also mine at Lea", link="")

    client.force_login(case_manager)
    page = client.get("/s/taos/notifications/").content.decode()
    assert "Mine at Taos" in page
    assert "The manager's at Taos" not in page and "Mine at Lea" not in page
    assert _badge(page) == "1"
    lea = client.get("/s/lea/notifications/").content.decode()
    assert "Mine at Lea" in lea and "Mine at Taos" not in lea
    assert _badge(lea) == "2"

    client.post("/s/taos/notifications/read/")
    assert _badge(client.get("/s/lea/").content.decode()) == "2"  # Lea's are untouched
    assert [n.read_at for n in _notifications(user=programme_manager)] == [None]

    # Not a member of Lea: no page there at all.
    client.force_login(programme_manager)
    assert client.get("/s/lea/notifications/").status_code == 404
    assert client.post("/s/lea/notifications/read/").status_code == 404
    assert len(_notifications(site=site_b, read_at__isnull=True)) == 2


def test_officers_have_an_empty_notification_page(client, officer):
    client.force_login(officer)
    response = client.get("/s/taos/notifications/")
    assert response.status_code == 200
    assert "Nothing yet." in response.content.decode()
