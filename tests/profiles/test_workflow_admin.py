"""Staff edit workflows in the admin; a workflow whose steps do not hold together is refused."""

import pytest

from profiles.demo import demo_booking_workflow_create
from profiles.models import PhoneProfile, Workflow
from profiles.workflows import flow_from_workflow, flow_problems

pytestmark = pytest.mark.django_db

STEP_FIELDS = {
    "position": "",
    "key": "",
    "kind": "",
    "text_en": "",
    "text_es": "",
    "reprompt_en": "",
    "reprompt_es": "",
    "slot": "",
    "validation": "",
    "pattern": "",
    "min_digits": "",
    "max_digits": "",
    "max_attempts": "3",
    "next_step": "",
    "no_step": "",
    "failure_step": "",
    "branches": "",
    "url": "",
    "secret": "",
    "timeout_seconds": "5",
    "number": "",
}


@pytest.fixture
def profile():
    return PhoneProfile.objects.create(number="+15550100001", name="Bright Smile Dental")


def form_data(profile, steps: list[dict]) -> dict:
    data = {
        "profile": profile.pk,
        "name": "Billing",
        "description": "",
        "is_active": "on",
        "priority": "100",
        "trigger_phrases": "billing question",
        "trigger_keywords": "",
        "trigger_digit": "",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for index, step in enumerate(steps):
        for name, value in {**STEP_FIELDS, **step}.items():
            data[f"steps-{index}-{name}"] = value
    return data


def test_a_workflow_with_its_steps_is_saved(staff_client, profile):
    steps = [
        {
            "position": "1",
            "key": "ask_account",
            "kind": "collect_digits",
            "slot": "account",
            "text_en": "Please key in your account number.",
            "min_digits": "6",
            "max_digits": "8",
        },
        {
            "position": "2",
            "key": "thanks",
            "kind": "say",
            "text_en": "Thanks, {account}.",
            "finishes": "on",
        },
    ]
    response = staff_client.post("/admin/profiles/workflow/add/", form_data(profile, steps))
    assert response.status_code == 302, response.context["inline_admin_formsets"][
        0
    ].formset.non_form_errors()
    workflow = Workflow.objects.get(name="Billing")
    assert [s.key for s in workflow.steps.order_by("position")] == ["ask_account", "thanks"]


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        (
            [
                {
                    "position": "1",
                    "key": "hello",
                    "kind": "say",
                    "text_en": "Hi",
                    "next_step": "nowhere",
                }
            ],
            "nowhere",
        ),
        (
            [{"position": "1", "key": "thanks", "kind": "say", "text_en": "Thanks, {account}."}],
            "account",
        ),
    ],
)
def test_a_workflow_that_names_a_missing_step_or_slot_is_refused(
    staff_client, profile, steps, problem
):
    response = staff_client.post("/admin/profiles/workflow/add/", form_data(profile, steps))
    assert response.status_code == 200
    errors = " ".join(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert problem in errors
    assert not Workflow.objects.exists()


def test_the_demo_booking_workflow_holds_together_and_opens_in_the_admin(staff_client, profile):
    demo_booking_workflow_create(profile)
    workflow = Workflow.objects.prefetch_related("steps").get()
    assert flow_problems(flow_from_workflow(workflow)) == []
    page = staff_client.get(f"/admin/profiles/workflow/{workflow.pk}/change/")
    assert page.status_code == 200
    assert "ask_birth_date" in page.content.decode()
