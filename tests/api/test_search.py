"""Knowledge search through the API: a question gets the passages an answer would use."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from knowledge.models import KnowledgeBase
from profiles.models import PhoneProfile


def search(client, **body):
    return client.post("/api/search/", body, format="json")


def test_a_question_gets_ranked_passages_with_scores(staff, clinic_knowledge):
    response = search(
        staff, question="Is there free parking?", knowledge_base=clinic_knowledge.pk, top_k=3
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["question"] == "Is there free parking?"
    assert data["knowledge_bases"] == [clinic_knowledge.pk]
    passages = data["passages"]
    assert len(passages) == 3
    best = passages[0]
    assert best["title"] == "Location and parking"
    assert "parking" in best["text"].lower()
    assert best["similarity"] is not None and best["text_rank"] is not None
    scores = [passage["score"] for passage in passages]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_a_document_uploaded_through_the_api_is_found(
    staff, media, clinic_knowledge, django_capture_on_commit_callbacks
):
    text = b"# Pets\n\nGuide dogs are welcome in the clinic; other pets must stay outside."
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(
            "/api/documents/",
            {
                "knowledge_base": clinic_knowledge.pk,
                "source_file": SimpleUploadedFile("pets.txt", text),
            },
            format="multipart",
        )
    response = search(staff, question="Can I bring my dog?", knowledge_base=clinic_knowledge.pk)
    assert response.json()["passages"][0]["title"] == "pets.txt"


def test_a_profile_searches_its_own_knowledge_bases_in_its_language(staff, clinic_knowledge):
    profile = PhoneProfile.objects.create(number="+15550100000", name="Clínica", language="es-MX")
    profile.knowledge_bases.add(clinic_knowledge)
    other = KnowledgeBase.objects.create(name="Empty")
    response = search(staff, question="¿A qué hora abren los sábados?", profile=profile.pk)
    assert response.status_code == 200
    data = response.json()
    assert data["knowledge_bases"] == [clinic_knowledge.pk]
    assert other.pk not in data["knowledge_bases"]
    assert data["passages"][0]["title"] == "Información en español"


def test_a_profile_without_knowledge_finds_nothing(staff, clinic_knowledge):
    profile = PhoneProfile.objects.create(number="+15550100000", name="Bare line")
    data = search(staff, question="Is there parking?", profile=profile.pk).json()
    assert data == {"question": "Is there parking?", "knowledge_bases": [], "passages": []}


def test_top_k_limits_the_passages(staff, clinic_knowledge):
    data = search(staff, question="hours", knowledge_base=clinic_knowledge.pk, top_k=1).json()
    assert len(data["passages"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"knowledge_base": "{kb}"}, "question"),
        ({"question": "", "knowledge_base": "{kb}"}, "question"),
        ({"question": "parking?"}, "non_field_errors"),
        (
            {"question": "parking?", "knowledge_base": "{kb}", "profile": "{profile}"},
            "non_field_errors",
        ),
        ({"question": "parking?", "knowledge_base": 999999}, "knowledge_base"),
        ({"question": "parking?", "profile": 999999}, "profile"),
        ({"question": "parking?", "knowledge_base": "{kb}", "top_k": 0}, "top_k"),
        ({"question": "x" * 501, "knowledge_base": "{kb}"}, "question"),
    ],
    ids=[
        "no question",
        "empty",
        "no scope",
        "both scopes",
        "unknown kb",
        "unknown profile",
        "top_k 0",
        "too long",
    ],
)
def test_a_question_that_cannot_be_searched_is_a_400(staff, clinic_knowledge, body, field):
    profile = PhoneProfile.objects.create(number="+15550100000", name="Line")
    ids = {"kb": clinic_knowledge.pk, "profile": profile.pk}
    body = {k: int(v.format(**ids)) if v in ("{kb}", "{profile}") else v for k, v in body.items()}
    response = search(staff, **body)
    assert response.status_code == 400
    assert field in response.json(), response.json()


def test_search_says_so_when_the_embedding_provider_is_down(staff, clinic_knowledge, settings):
    settings.EMBEDDING_PROVIDER = "openai"
    settings.OPENAI_API_KEY = ""
    response = search(staff, question="Is there parking?", knowledge_base=clinic_knowledge.pk)
    assert response.status_code == 503
    assert response.json() == {
        "detail": "EMBEDDING_PROVIDER is openai but OPENAI_API_KEY is not set."
    }
