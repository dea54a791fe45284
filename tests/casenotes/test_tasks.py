"""Tasks and follow-ups: adding them, who they may be assigned to, "My tasks", and done."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from casenotes.models import Task
from casenotes.services import task_add
from sites.models import Membership
from sites.roles import Role
from sites.services import membership_revoke
from tests.casenotes.conftest import restrict, signed_in
from tests.factories import member

pytestmark = pytest.mark.django_db

MY_TASKS = "/s/taos/tasks/"
NEW_TASK = "/s/taos/tasks/new/"
MY_TASKS_MAX_QUERIES = 15
ROW = re.compile(r'<tr id="task-[0-9a-f-]{36}"[^>]*>\s*<td>.*?</td>\s*<td>(.*?)</td>', re.S)


def done_url(task: Task) -> str:
    return f"/s/{task.site.slug}/tasks/{task.uuid}/done/"


def all_tasks() -> list[Task]:
    with scopes_disabled():
        return list(Task.objects.select_related("assignee", "participant").order_by("id"))


def stored(task: Task) -> Task:
    with scopes_disabled():
        return Task.objects.get(pk=task.pk)


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def task_form(assignee, **overrides) -> dict:
    """POST data of a task; ``assignee`` is a user or a (possibly made-up) UUID."""
    assignee = getattr(assignee, "uuid", assignee)
    return {
        "title": "Call the MOUD clinic",
        "due_on": in_days(2),
        "assignee": assignee,
        **overrides,
    }


# -- Adding tasks ----------------------------------------------------------------------------


def test_a_case_manager_adds_a_task_for_a_colleague(cm_client, case_manager, colleague):
    form = cm_client.get(NEW_TASK)
    assert form.status_code == 200
    assert colleague.display_name in form.content.decode()

    response = cm_client.post(NEW_TASK, task_form(colleague))

    assert response.status_code == 302
    assert response["Location"] == MY_TASKS
    [task] = all_tasks()
    assert (task.title, task.assignee, task.created_by, task.participant) == (
        "Call the MOUD clinic",
        colleague,
        case_manager,
        None,
    )
    with scopes_disabled():
        assert Task.history.get(id=task.pk).history_user == case_manager


def test_a_task_about_a_participant_goes_back_to_their_page(cm_client, case_manager, participant):
    form = cm_client.get(f"{NEW_TASK}?participant={participant.uuid}").content.decode()
    assert f'value="{participant.uuid}"' in form
    assert participant.display_name in form

    response = cm_client.post(NEW_TASK, task_form(case_manager, participant=participant.uuid))

    assert response["Location"] == f"/s/taos/participants/{participant.uuid}/"
    [task] = all_tasks()
    assert task.participant == participant


def test_only_the_sites_case_and_programme_managers_are_offered(
    cm_client, officer, evaluator, programme_manager, colleague, case_manager_b
):
    page = cm_client.get(NEW_TASK).content.decode()
    assert programme_manager.display_name in page
    assert colleague.display_name in page
    for outsider in (officer, evaluator, case_manager_b):
        assert str(outsider.uuid) not in page


@pytest.mark.parametrize("who", ["officer", "evaluator", "case_manager_b", "unknown"])
def test_a_task_cannot_be_assigned_to_anyone_but_a_case_worker_of_the_site(request, cm_client, who):
    if who == "unknown":
        assignee = "5d5b0a4e-8c6b-4c1e-9d7a-0f9b1a2c3d4e"
    else:
        assignee = request.getfixturevalue(who)
    response = cm_client.post(NEW_TASK, task_form(assignee))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "Call the MOUD clinic" in response.content.decode()
    assert all_tasks() == []


def test_a_case_manager_who_left_the_site_is_refused_by_the_service_too(
    site_a, case_manager, colleague
):
    with scopes_disabled():
        membership_revoke(membership=Membership.objects.get(user=colleague), by=case_manager)
    with scope(site=site_a), pytest.raises(ValidationError, match="case manager of this site"):
        task_add(
            site=site_a, title="x", due_on=timezone.localdate(), assignee=colleague, by=case_manager
        )
    assert all_tasks() == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "This field is required"),
        ({"title": "t" * 301}, "at most 300 characters"),
        ({"title": "Call\x0b the clinic"}, "invisible control characters"),
        ({"due_on": ""}, "This field is required"),
        ({"due_on": "2026-13-40"}, "Enter a valid date"),
        ({"due_on": in_days(5 * 365)}, "three years ahead"),
        ({"participant": "not-a-uuid"}, "Enter a valid UUID"),
    ],
)
def test_bad_task_input_is_refused_with_a_clear_message(
    cm_client, case_manager, overrides, message
):
    response = cm_client.post(NEW_TASK, task_form(case_manager, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert all_tasks() == []


def test_a_task_cannot_be_about_another_sites_participant(cm_client, case_manager, participant_b):
    response = cm_client.post(NEW_TASK, task_form(case_manager, participant=participant_b.uuid))
    assert response.status_code == 404
    assert cm_client.get(f"{NEW_TASK}?participant={participant_b.uuid}").status_code == 404
    assert cm_client.get(f"{NEW_TASK}?participant=garbage").status_code == 404
    assert all_tasks() == []


def test_a_task_about_a_restricted_participant_needs_the_grant(
    cm_client, colleague_client, case_manager, colleague, participant
):
    restrict(participant, case_manager)
    data = task_form(colleague, participant=participant.uuid)
    assert colleague_client.post(NEW_TASK, data).status_code == 404
    assert cm_client.post(NEW_TASK, data).status_code == 302
    assert len(all_tasks()) == 1


def test_officers_cannot_add_tasks(officer, case_manager):
    client = signed_in(officer)
    assert client.get(NEW_TASK).status_code == 403
    assert client.post(NEW_TASK, task_form(case_manager)).status_code == 403
    assert all_tasks() == []


# -- My tasks ----------------------------------------------------------------------------------


def _rows(page: str) -> list[str]:
    """The task titles in the order "My tasks" lists them."""
    return ROW.findall(page)


def test_my_tasks_lists_my_open_tasks_soonest_first_with_overdue_highlighted(
    cm_client, case_manager, colleague, participant, make_task
):
    today = timezone.localdate()
    who = participant
    make_task(case_manager, due_on=today + timedelta(days=5), title="Later")
    make_task(case_manager, due_on=today - timedelta(days=2), title="Overdue", participant=who)
    make_task(case_manager, due_on=today, title="Today")
    make_task(case_manager, due_on=today - timedelta(days=9), title="Done already", done=True)
    make_task(colleague, due_on=today - timedelta(days=1), title="Colleague's")

    response = cm_client.get(MY_TASKS)

    assert response.status_code == 200
    page = response.content.decode()
    assert _rows(page) == ["Overdue", "Today", "Later"]
    assert page.count('class="task-overdue"') == 1
    assert "1 overdue." in page
    assert f"/s/taos/participants/{participant.uuid}/" in page
    assert participant.case_number in page


def test_my_tasks_hides_restricted_participants_tasks_unless_granted(
    cm_client, case_manager, colleague, participant, make_task
):
    make_task(case_manager, title="About a restricted record", participant=participant)
    make_task(case_manager, title="Plain")
    restrict(participant, colleague)
    assert _rows(cm_client.get(MY_TASKS).content.decode()) == ["Plain"]

    restrict(participant, colleague, case_manager)
    assert _rows(cm_client.get(MY_TASKS).content.decode()) == ["About a restricted record", "Plain"]


def test_my_tasks_shows_only_this_sites_tasks(site_b, case_manager, make_task, cm_client):
    member(site_b, Role.CASE_MANAGER, email=case_manager.email)
    make_task(case_manager, title="At Lea", site=site_b)
    make_task(case_manager, title="At Taos")
    assert _rows(cm_client.get(MY_TASKS).content.decode()) == ["At Taos"]
    assert _rows(cm_client.get("/s/lea/tasks/").content.decode()) == ["At Lea"]


def _queries_for_my_tasks(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(MY_TASKS).status_code == 200
    return len(queries)


def test_my_tasks_takes_a_fixed_number_of_queries(
    cm_client, case_manager, make_participant, make_task, django_assert_max_num_queries
):
    def add_tasks(count: int) -> None:
        for n in range(count):
            someone = make_participant(legal_first_name=f"P{n}") if n % 2 else None
            due = timezone.localdate() + timedelta(days=n - 5)
            make_task(case_manager, title=f"Task {n}", participant=someone, due_on=due)

    add_tasks(3)
    cm_client.get(MY_TASKS)  # warm the session and permission caches alike for both counts
    with django_assert_max_num_queries(MY_TASKS_MAX_QUERIES):
        few = _queries_for_my_tasks(cm_client)
    add_tasks(27)
    with django_assert_max_num_queries(MY_TASKS_MAX_QUERIES):
        many = _queries_for_my_tasks(cm_client)
    assert len(_rows(cm_client.get(MY_TASKS).content.decode())) == 30
    assert few == many


# -- Done ----------------------------------------------------------------------------------------


def test_done_takes_a_task_off_my_list_and_a_second_post_opens_it_again(
    cm_client, case_manager, make_task
):
    task = make_task(case_manager, title="Pick up the birth certificate")

    response = cm_client.post(done_url(task), {"done": "1"}, follow=True)
    assert response.redirect_chain == [(MY_TASKS, 302)]
    assert "Task done: Pick up the birth certificate" in response.content.decode()
    assert stored(task).done_at is not None
    assert _rows(response.content.decode()) == []

    # Without a value the button toggles.
    cm_client.post(done_url(task))
    assert stored(task).done_at is None
    cm_client.post(done_url(task))
    assert stored(task).done_at is not None
    cm_client.post(done_url(task), {"done": "0"})
    assert stored(task).done_at is None
    with scopes_disabled():
        assert Task.history.filter(id=task.pk).count() == 5


def test_a_double_click_on_done_keeps_the_first_done_time(cm_client, case_manager, make_task):
    task = make_task(case_manager)
    cm_client.post(done_url(task), {"done": "1"})
    first = stored(task).done_at
    cm_client.post(done_url(task), {"done": "1"})
    assert stored(task).done_at == first
    with scopes_disabled():
        assert Task.history.filter(id=task.pk).count() == 2


def test_done_from_the_participant_page_goes_back_there(
    cm_client, case_manager, participant, make_task
):
    task = make_task(case_manager, participant=participant)
    page = f"/s/taos/participants/{participant.uuid}/"
    response = cm_client.post(done_url(task), {"done": "1", "next": page})
    assert response["Location"] == page


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/phish", "//evil.example/", "/s/lea/tasks/", "javascript:x"]
)
def test_done_never_redirects_off_the_site(cm_client, case_manager, make_task, next_url):
    task = make_task(case_manager)
    response = cm_client.post(done_url(task), {"done": "1", "next": next_url})
    assert response["Location"] == MY_TASKS


def test_a_tampered_done_value_is_refused(cm_client, case_manager, make_task):
    task = make_task(case_manager)
    response = cm_client.post(done_url(task), {"done": "yes please"})
    assert response.status_code == 400
    assert stored(task).done_at is None


def test_done_is_post_only(cm_client, case_manager, make_task):
    task = make_task(case_manager)
    assert cm_client.get(done_url(task)).status_code == 405
    assert stored(task).done_at is None


def test_a_colleague_can_close_a_task_of_a_shared_participant(
    colleague_client, case_manager, participant, make_task
):
    task = make_task(case_manager, participant=participant)
    assert colleague_client.post(done_url(task), {"done": "1"}).status_code == 302
    assert stored(task).done_at is not None


def test_another_sites_or_a_hidden_task_cannot_be_closed(
    cm_client, colleague, case_manager_b, site_b, participant, make_task
):
    foreign = make_task(case_manager_b, site=site_b)
    assert cm_client.post(f"/s/taos/tasks/{foreign.uuid}/done/", {"done": "1"}).status_code == 404
    assert cm_client.post(done_url(foreign), {"done": "1"}).status_code == 404
    hidden = make_task(colleague, participant=participant)
    restrict(participant, colleague)
    assert cm_client.post(done_url(hidden), {"done": "1"}).status_code == 404
    assert stored(foreign).done_at is None
    assert stored(hidden).done_at is None


def test_officers_cannot_close_tasks(officer, case_manager, make_task):
    task = make_task(case_manager)
    assert signed_in(officer).post(done_url(task), {"done": "1"}).status_code == 403
    assert stored(task).done_at is None


# -- On the participant page -------------------------------------------------------------------


def test_the_participant_tasks_partial_has_done_buttons_and_an_add_link(
    rf, case_manager, participant, make_task
):
    today = timezone.localdate()
    overdue = make_task(
        case_manager, participant=participant, title="Overdue", due_on=today - timedelta(days=1)
    )
    upcoming = make_task(
        case_manager, participant=participant, title="Upcoming", due_on=today + timedelta(days=1)
    )
    with scopes_disabled():
        open_tasks = list(Task.objects.filter(participant=participant).select_related("assignee"))
        html = render_to_string(
            "casenotes/_participant_tasks.html",
            {"participant": participant, "open_tasks": open_tasks},
            request=rf.get("/"),
        )
    assert done_url(overdue) in html
    assert done_url(upcoming) in html
    assert html.count('class="overdue"') == 1
    assert f"/s/taos/tasks/new/?participant={participant.uuid}" in html
    assert f'name="next" value="/s/taos/participants/{participant.uuid}/"' in html
