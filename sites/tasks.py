"""Background tasks of the sites app: thin wrappers that reload and call services."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from lead.celery import app
from lead.models import User
from lead.outbox import outbox_send_mail, outbox_task
from sites.models import Membership, Notification
from sites.tasking import site_record


@app.task(name="sites.tasks.send_invitation", acks_late=True)
@outbox_task
def send_invitation(*, membership_id: int, base_url: str, invited_by: int) -> None:
    """E-mail the invitation link; the token is made here so no secret sits in the outbox."""
    with site_record(Membership, membership_id, "user") as membership:
        _invite(membership, invited_by=invited_by, base_url=base_url)


def _invite(membership: Membership, *, invited_by: int, base_url: str) -> None:
    user = membership.user
    inviter = User.objects.get(pk=invited_by)
    new_account = not user.has_usable_password()
    code = default_token_generator.make_token(user) if new_account else ""
    if new_account:
        # The code goes after "#": browsers never send the fragment, so no access log of a
        # server or proxy records it; the page posts it with the form (lead.views).
        path = reverse("invitation_accept", kwargs={"user_uuid": user.uuid}) + "#" + code
    else:
        path = reverse("account_login")
    context = {
        "site": membership.site,
        "role": membership.get_role_display(),
        "inviter": inviter,
        "link": base_url.rstrip("/") + path,
        "code": code,
        "new_account": new_account,
    }
    with translation.override("en"):
        subject = render_to_string("sites/email/invitation_subject.txt", context).strip()
        body = render_to_string("sites/email/invitation_body.txt", context)
    outbox_send_mail(EmailMessage(subject, body, to=[user.email]))


@app.task(name="sites.tasks.send_notification_email", acks_late=True)
@outbox_task
def send_notification_email(*, notification_id: int) -> None:
    """The e-mail copy of one in-app notification."""
    with site_record(Notification, notification_id, "user") as notification:
        outbox_send_mail(
            EmailMessage(
                subject=f"[LEAD {notification.site.name}] {notification.title}",
                body=f"{notification.title}\n\n{notification.link}\n",
                to=[notification.user.email],
            )
        )
