"""The Individual Intervention Plan: goals the participant sets, in their words, by domain, with
status, target dates and progress notes; every change kept in history with who made it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from participants.models import GoalProgress, Participant, PlanGoal
from participants.services import goal_add, goal_update, participant_restrict
from participants.views import _goals_with_recent_progress
from sites.roles import Role
from tests.factories import member

TODAY = timezone.localdate()
LONG = "x" * 10_000


def _url(participant: Participant, action: str = "plan/new") -> str:
    return f"/s/{participant.site.slug}/participants/{participant.uuid}/{action}/"


def _goal_url(goal: PlanGoal) -> str:
    return _url(goal.participant, f"plan/{goal.uuid}")


def goal_data(**overrides) -> dict:
    return {
        "domain": "id_documents",
        "goal": "Get my ID back so I can apply for a job",
        "status": "not_started",
        "target_date": (TODAY + timedelta(days=30)).isoformat(),
        **overrides,
    }


def _add(participant: Participant, by, **overrides) -> PlanGoal:
    fields = {"domain": "housing", "goal": "A room of my own", "status": "not_started", **overrides}
    with scopes_disabled():
        goal = goal_add(participant=participant, by=by, **fields)
        return PlanGoal.objects.select_related("participant__site").get(pk=goal.pk)


def _goals() -> list[PlanGoal]:
    with scopes_disabled():
        return list(PlanGoal.objects.all())


def _fresh(goal: PlanGoal) -> PlanGoal:
    with scopes_disabled():
        return PlanGoal.objects.select_related("participant__site").get(pk=goal.pk)


def _progress(goal: PlanGoal) -> list[GoalProgress]:
    with scopes_disabled():
        return list(GoalProgress.objects.filter(goal=goal).select_related("written_by"))


@pytest.fixture
def cm_client(client, case_manager):
    client.force_login(case_manager)
    return client


# -- Goals -------------------------------------------------------------------------------------


def test_a_goal_in_the_participants_words_is_added_to_the_plan(
    participant, case_manager, cm_client
):
    response = cm_client.post(_url(participant), goal_data())

    assert response.status_code == 302
    assert response["Location"] == _url(participant, "").rstrip("/") + "/#plan"
    [goal] = _goals()
    assert goal.participant == participant
    assert goal.site == participant.site
    assert goal.domain == "id_documents"
    assert goal.goal == "Get my ID back so I can apply for a job"
    assert goal.status == PlanGoal.Status.NOT_STARTED
    assert goal.target_date == TODAY + timedelta(days=30)
    assert goal.created_by == case_manager
    with scopes_disabled():
        assert goal.history.get().history_user == case_manager


def test_the_goal_form_offers_every_domain_and_status(participant, cm_client):
    page = cm_client.get(_url(participant)).content.decode()
    for value in ("housing", "substance_use", "income", "id_documents", "legal", "family"):
        assert f'<option value="{value}"' in page
    for value in PlanGoal.Status.values:
        assert f'<option value="{value}"' in page
    assert _goals() == []


def test_updating_a_goal_with_a_note_adds_progress_and_keeps_history(
    participant, case_manager, cm_client
):
    goal = _add(participant, case_manager)
    target = TODAY + timedelta(days=60)

    response = cm_client.post(
        _goal_url(goal),
        {"status": "in_progress", "target_date": target.isoformat(), "note": "Saw two rooms"},
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#plan")
    goal = _fresh(goal)
    assert goal.status == PlanGoal.Status.IN_PROGRESS
    assert goal.target_date == target
    [progress] = _progress(goal)
    assert progress.note == "Saw two rooms"
    assert progress.written_by == case_manager
    assert progress.site == participant.site
    with scopes_disabled():
        statuses = [h.status for h in goal.history.order_by("history_date")]
        users = {h.history_user for h in goal.history.all()}
        progress_history = progress.history.get()
    assert statuses == ["not_started", "in_progress"]
    assert users == {case_manager}
    assert progress_history.history_user == case_manager


def test_an_update_without_a_note_adds_no_progress(participant, case_manager, cm_client):
    goal = _add(participant, case_manager)
    response = cm_client.post(
        _goal_url(goal), {"status": "achieved", "target_date": "", "note": " "}
    )
    assert response.status_code == 302
    assert _fresh(goal).status == PlanGoal.Status.ACHIEVED
    assert _fresh(goal).target_date is None
    assert _progress(goal) == []


def test_a_goal_the_participant_changed_is_kept_with_its_progress(
    participant, case_manager, cm_client
):
    goal = _add(participant, case_manager)
    cm_client.post(_goal_url(goal), {"status": "in_progress", "note": "Applied at the shelter"})
    cm_client.post(_goal_url(goal), {"status": "changed", "note": "Wants to go back to Española"})

    assert _fresh(goal).status == PlanGoal.Status.CHANGED
    assert [p.note for p in _progress(goal)] == [
        "Wants to go back to Española",
        "Applied at the shelter",
    ]


def test_the_goal_page_shows_its_progress_and_who_wrote_it(participant, case_manager, cm_client):
    goal = _add(participant, case_manager, goal="Stay housed through the winter")
    with scopes_disabled():
        goal_update(
            goal=goal, by=case_manager, status="in_progress", target_date=None, note="Paid rent"
        )

    page = cm_client.get(_goal_url(goal)).content.decode()

    assert "Stay housed through the winter" in page
    assert "Paid rent" in page
    assert case_manager.display_name in page
    assert '<option value="in_progress" selected>' in page


# -- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"domain": "astrology"}, "domain"),
        ({"domain": ""}, "domain"),
        ({"status": "abandoned"}, "status"),
        ({"goal": ""}, "goal"),
        ({"goal": LONG}, "goal"),
        ({"goal": "Get my\x00ID"}, "goal"),
        ({"target_date": "9999-01-01"}, "target_date"),
        ({"target_date": "1850-01-01"}, "target_date"),
        ({"target_date": "next spring"}, "target_date"),
    ],
)
def test_bad_goal_input_gets_a_field_error_and_saves_nothing(
    participant, cm_client, overrides, field
):
    response = cm_client.post(_url(participant), goal_data(**overrides))
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert _goals() == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "abandoned"}, "status"),
        ({"status": ""}, "status"),
        ({"status": "achieved", "note": LONG}, "note"),
        ({"status": "achieved", "note": "done\x1b"}, "note"),
        ({"status": "achieved", "target_date": "2026-13-01"}, "target_date"),
    ],
)
def test_a_bad_goal_update_is_refused_and_changes_nothing(
    participant, case_manager, cm_client, data, field
):
    goal = _add(participant, case_manager)
    response = cm_client.post(_goal_url(goal), data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert _fresh(goal).status == PlanGoal.Status.NOT_STARTED
    assert _progress(goal) == []


def test_the_plan_services_refuse_unknown_values(participant, case_manager):
    with pytest.raises(ValidationError):
        _add(participant, case_manager, domain="astrology")
    with pytest.raises(ValidationError):
        _add(participant, case_manager, status="abandoned")
    with pytest.raises(ValidationError):
        _add(participant, case_manager, goal="   ")
    goal = _add(participant, case_manager)
    with scopes_disabled(), pytest.raises(ValidationError):
        goal_update(goal=goal, by=case_manager, status="abandoned", target_date=None, note="x")
    assert _fresh(goal).status == PlanGoal.Status.NOT_STARTED
    assert _progress(goal) == []
    assert len(_goals()) == 1


# -- What the participant page shows -----------------------------------------------------------


def test_the_plan_partial_lists_goals_by_domain_with_their_latest_progress(
    participant, case_manager
):
    housing = _add(participant, case_manager, domain="housing", goal="A room of my own")
    _add(participant, case_manager, domain="id_documents", goal="Birth certificate from Santa Fe")
    with scopes_disabled():
        goal_update(
            goal=housing,
            by=case_manager,
            status="in_progress",
            target_date=None,
            note="On the list at the housing authority",
        )
        goals = _goals_with_recent_progress(site=participant.site, participant=participant)

    with scope(site=participant.site):
        html = render_to_string(
            "participants/_plan.html", {"participant": participant, "goals": goals}
        )

    assert html.index("Housing") < html.index("A room of my own")
    assert html.index("ID documents") < html.index("Birth certificate from Santa Fe")
    assert "In progress" in html
    assert "On the list at the housing authority" in html
    assert _goal_url(housing) in html
    assert _url(participant) in html


def test_the_plan_partial_invites_the_first_goal(participant):
    with scope(site=participant.site):
        html = render_to_string(
            "participants/_plan.html", {"participant": participant, "goals": []}
        )
    assert "No goals yet" in html
    assert _url(participant) in html


# -- Who may change the plan ---------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OFFICER, Role.EVALUATOR])
def test_officers_and_evaluators_cannot_see_or_change_the_plan(
    client, site_a, role, participant, case_manager
):
    goal = _add(participant, case_manager)
    client.force_login(member(site_a, role, email=f"{role}.plan@example.org"))
    assert client.get(_url(participant)).status_code == 403
    assert client.post(_url(participant), goal_data()).status_code == 403
    assert client.get(_goal_url(goal)).status_code == 403
    assert client.post(_goal_url(goal), {"status": "achieved", "note": "x"}).status_code == 403
    assert len(_goals()) == 1
    assert _fresh(goal).status == PlanGoal.Status.NOT_STARTED
    assert _progress(goal) == []


def test_another_sites_participant_and_goal_are_not_found(
    participant, participant_b, case_manager_b, cm_client
):
    lea_goal = _add(participant_b, case_manager_b, goal="Lea goal")
    foreign = f"/s/taos/participants/{participant_b.uuid}/plan/"
    assert cm_client.get(foreign + "new/").status_code == 404
    assert cm_client.post(foreign + "new/", goal_data()).status_code == 404
    assert cm_client.post(f"{foreign}{lea_goal.uuid}/", {"status": "achieved"}).status_code == 404
    assert (
        cm_client.post(
            _url(participant, f"plan/{lea_goal.uuid}"), {"status": "achieved"}
        ).status_code
        == 404
    )
    assert cm_client.get(f"/s/lea/participants/{participant_b.uuid}/plan/new/").status_code == 404
    assert _fresh(lea_goal).status == PlanGoal.Status.NOT_STARTED
    assert len(_goals()) == 1


def test_a_goal_is_updated_only_through_its_own_participant(
    participant, make_participant, case_manager, cm_client
):
    other = make_participant(legal_first_name="Another", legal_last_name="Person")
    goal = _add(other, case_manager)
    response = cm_client.post(_url(participant, f"plan/{goal.uuid}"), {"status": "achieved"})
    assert response.status_code == 404
    assert _fresh(goal).status == PlanGoal.Status.NOT_STARTED
    assert cm_client.get(_url(participant, f"plan/{uuid.uuid4()}")).status_code == 404


def test_a_restricted_plan_is_not_found_for_colleagues_outside_the_restriction(
    participant, case_manager, site_a, client
):
    goal = _add(participant, case_manager)
    with scopes_disabled():
        participant_restrict(participant=participant, allowed=[case_manager], by=case_manager)
    client.force_login(member(site_a, Role.CASE_MANAGER, email="colleague.plan@example.org"))
    assert client.get(_goal_url(goal)).status_code == 404
    assert client.post(_goal_url(goal), {"status": "achieved"}).status_code == 404
    assert _fresh(goal).status == PlanGoal.Status.NOT_STARTED
