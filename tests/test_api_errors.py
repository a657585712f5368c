"""Every answer under /api/ is JSON — unknown URLs, wrong methods, a missing slash, a crash —
while pages keep answering HTML."""

import json

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from blueprints.models import Step
from frontstage.urls import urlpatterns as site_urls
from tests.conftest import World


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


# The site's URLs plus one view that fails, to see what a client gets from a crash.
urlpatterns = [path("api/v1/crash/", crash), *site_urls]


def detail_of(response: HttpResponse) -> str:
    assert response["Content-Type"] == "application/json", response.content[:200]
    return json.loads(response.content)["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/v1/nothing/", "/api/nothing/", "/api/v1/steps/abc/", "/api/v2/steps/"]
)
def test_an_unknown_api_url_answers_404_in_json(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 404
    assert detail_of(response) == "Not found."


@pytest.mark.django_db
def test_api_itself_answers_404_in_json() -> None:
    response = Client().get("/api")
    assert response.status_code == 404
    assert detail_of(response) == "Not found."


@pytest.mark.django_db
def test_a_post_missing_its_slash_is_sent_on_with_308_and_its_body_still_creates(
    world: World,
) -> None:
    api = world.client("facilitator")
    body = {
        "blueprint": world.a.blueprint.pk,
        "lane": world.a.lane.pk,
        "phase": world.a.phase.pk,
        "title": "Calls back",
    }
    response = api.post("/api/v1/steps", body, format="json")
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/steps/"
    assert detail_of(response) == "This URL ends with a slash."
    assert not Step.objects.filter(title="Calls back").exists()

    again = api.post(response["Location"], body, format="json")  # what a client does on 308
    assert again.status_code == 201
    assert Step.objects.filter(title="Calls back", blueprint=world.a.blueprint).count() == 1


@pytest.mark.django_db
def test_a_method_the_docs_do_not_take_answers_405_in_json_with_allow() -> None:
    response = Client().post("/api/docs/")
    assert response.status_code == 405
    assert detail_of(response) == 'Method "POST" not allowed.'
    assert "GET" in response["Allow"]


@pytest.mark.django_db
def test_the_schema_view_refuses_a_put_in_json_not_yaml() -> None:
    response = Client().put("/api/schema/")
    assert response.status_code == 405
    assert detail_of(response) == 'Method "PUT" not allowed.'


@pytest.mark.django_db
def test_the_api_speaks_the_readers_language_in_these_answers() -> None:
    response = Client().get("/api/v1/nothing/", headers={"accept-language": "es"})
    assert response.status_code == 404
    assert detail_of(response) != "Not found."


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_crash_under_the_api_answers_500_in_json_without_the_trace() -> None:
    response = Client(raise_request_exception=False).get("/api/v1/crash/")
    assert response.status_code == 500
    assert detail_of(response) == "Server error."
    assert b"a bug in a view" not in response.content


@pytest.mark.django_db
def test_pages_keep_answering_html() -> None:
    response = Client().get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    apiary = Client().get("/apiary/")  # only /api/ itself and below are the API
    assert apiary.status_code == 404
    assert apiary["Content-Type"].startswith("text/html")
