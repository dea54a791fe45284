"""Contact notes, addenda and tasks: the case manager's daily record of the work."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from casenotes import services
from casenotes.forms import AddendumForm, ContactForm, TaskDoneForm, TaskForm
from casenotes.models import Contact, Task
from casenotes.selectors import open_tasks_for
from lead.audit import access_log_record
from lead.models import AccessLogEntry
from participants.access import participant_read, read_action
from participants.models import Participant
from sites.permissions import site_permission_required
from sites.selectors import case_workers


def _get_participant(request: HttpRequest, participant_uuid) -> Participant:
    return participant_read(request, participant_uuid)


def _get_contact(request: HttpRequest, participant: Participant, contact_uuid) -> Contact:
    """One note of this participant; its read is logged (the participant's read already is)."""
    contact = get_object_or_404(
        Contact.objects.select_related("author"),
        site=request.site,
        participant=participant,
        uuid=contact_uuid,
    )
    access_log_record(
        request=request, action=read_action(request), obj=contact, subject=participant
    )
    return contact


def _get_task(request: HttpRequest, task_uuid) -> Task:
    """A task of this site; one about a restricted participant only for those granted it."""
    task = get_object_or_404(Task.objects, site=request.site, uuid=task_uuid)
    if task.participant_id is not None:
        _get_participant(request, task.participant.uuid)
    return task


def _to_participant(participant: Participant) -> HttpResponse:
    return redirect(
        "participants:detail", site_slug=participant.site.slug, participant_uuid=participant.uuid
    )


def _posted(request: HttpRequest):
    """The submitted data, so that an empty POST is a bound form with "required" errors."""
    return request.POST if request.method == "POST" else None


def _render_form(request, template: str, status: int = 200, **context) -> HttpResponse:
    return render(request, template, {"site": request.site, **context}, status=status)


# -- Contacts --------------------------------------------------------------------------------


@site_permission_required("sites.work_cases")
def contact_new(request: HttpRequest, site_slug: str, participant_uuid) -> HttpResponse:
    participant = _get_participant(request, participant_uuid)
    form = ContactForm(_posted(request))
    if request.method != "POST":
        return _render_form(
            request, "casenotes/contact_form.html", form=form, participant=participant
        )
    if form.is_valid():
        follow_up = None
        if form.cleaned_data["follow_up_title"]:
            follow_up = services.FollowUp(
                title=form.cleaned_data["follow_up_title"],
                due_on=form.cleaned_data["follow_up_due"],
            )
        try:
            services.contact_record(
                participant=participant,
                author=request.user,
                follow_up=follow_up,
                **form.contact_data(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if form.cleaned_data["follow_up_title"]:
                messages.success(request, _("Contact saved, with a follow-up task for you."))
            else:
                messages.success(request, _("Contact saved."))
            return _to_participant(participant)
    return _render_form(
        request, "casenotes/contact_form.html", status=400, form=form, participant=participant
    )


@site_permission_required("sites.work_cases")
def contact_edit(
    request: HttpRequest, site_slug: str, participant_uuid, contact_uuid
) -> HttpResponse:
    participant = _get_participant(request, participant_uuid)
    contact = _get_contact(request, participant, contact_uuid)
    form = ContactForm(_posted(request), instance=contact, with_follow_up=False)
    if not contact.editable_by(request.user):
        return _locked(request, participant, contact, unsaved=form.data.get("narrative", ""))
    if request.method != "POST":
        return _render_form(
            request, "casenotes/contact_form.html", form=form, participant=participant
        )
    if form.is_valid():
        try:
            services.contact_edit(contact=contact, by=request.user, **form.contact_data())
        except PermissionDenied:  # the 24 hours ran out while the form was open
            contact.refresh_from_db()  # what is saved, not the form's edits
            return _locked(request, participant, contact, unsaved=form.data.get("narrative", ""))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Contact updated."))
            return _to_participant(participant)
    return _render_form(
        request, "casenotes/contact_form.html", status=400, form=form, participant=participant
    )


def _locked(request: HttpRequest, participant: Participant, contact: Contact, unsaved: str):
    # The note itself is shown (and its read logged by _get_contact); the edit is refused.
    access_log_record(
        request=request,
        action="denied:contact_locked",
        obj=contact,
        subject=participant,
        outcome=AccessLogEntry.Outcome.FORBIDDEN,
    )
    context = {
        "participant": participant,
        "contact": contact,
        "unsaved": unsaved,
        "is_author": contact.author_id == request.user.pk,
    }
    return _render_form(request, "casenotes/contact_locked.html", status=403, **context)


@site_permission_required("sites.work_cases")
@require_POST
def addendum_add(
    request: HttpRequest, site_slug: str, participant_uuid, contact_uuid
) -> HttpResponse:
    participant = _get_participant(request, participant_uuid)
    contact = _get_contact(request, participant, contact_uuid)
    form = AddendumForm(request.POST)
    if not form.is_valid():
        context = {"participant": participant, "contact": contact, "addendum_form": form}
        return _render_form(request, "casenotes/addendum_form.html", status=400, **context)
    services.addendum_add(contact=contact, by=request.user, text=form.cleaned_data["text"])
    messages.success(request, _("Addendum added."))
    return _to_participant(participant)


# -- Tasks -----------------------------------------------------------------------------------


@site_permission_required("sites.work_cases")
@require_safe
def my_tasks(request: HttpRequest, site_slug: str) -> HttpResponse:
    tasks = list(open_tasks_for(site=request.site, user=request.user))
    today = timezone.localdate()
    return render(
        request,
        "casenotes/my_tasks.html",
        {
            "site": request.site,
            "tasks": tasks,
            "today": today,
            "overdue_count": sum(task.due_on < today for task in tasks),
        },
    )


@site_permission_required("sites.work_cases")
def task_new(request: HttpRequest, site_slug: str) -> HttpResponse:
    workers = case_workers(site=request.site)
    if request.method != "POST":
        form = TaskForm(
            workers=workers,
            initial={"assignee": request.user.uuid, "participant": request.GET.get("participant")},
        )
        participant = _participant_of(request, form.initial["participant"])
        return _render_form(request, "casenotes/task_form.html", form=form, participant=participant)
    form = TaskForm(request.POST, workers=workers)
    participant = None
    if form.is_valid():
        participant = _participant_of(request, form.cleaned_data["participant"])
        try:
            services.task_add(
                site=request.site,
                participant=participant,
                title=form.cleaned_data["title"],
                due_on=form.cleaned_data["due_on"],
                assignee=form.cleaned_data["assignee"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error("assignee", error)
        else:
            messages.success(request, _("Task added."))
            return (
                _to_participant(participant)
                if participant
                else redirect("casenotes:my_tasks", site_slug=request.site.slug)
            )
    return _render_form(
        request, "casenotes/task_form.html", status=400, form=form, participant=participant
    )


def _participant_of(request: HttpRequest, participant_uuid) -> Participant | None:
    """The participant a task is about: none, or one this user may see here (else 404)."""
    if not participant_uuid:
        return None
    try:
        participant_uuid = uuid.UUID(str(participant_uuid))
    except ValueError:
        raise Http404 from None
    return _get_participant(request, participant_uuid)


@site_permission_required("sites.work_cases")
@require_POST
def task_done(request: HttpRequest, site_slug: str, task_uuid) -> HttpResponse:
    task = _get_task(request, task_uuid)
    form = TaskDoneForm(request.POST)
    if not form.is_valid():
        return render(request, "400.html", status=400)
    done = form.cleaned_data["done"]
    if done is None:
        done = task.done_at is None
    services.task_set_done(task=task, done=done, by=request.user)
    if done:
        messages.success(request, _("Task done: %(title)s") % {"title": task.title})
    else:
        messages.success(request, _("Task open again: %(title)s") % {"title": task.title})
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) and next_url.startswith(f"/s/{request.site.slug}/"):
        return redirect(next_url)
    return redirect("casenotes:my_tasks", site_slug=request.site.slug)
