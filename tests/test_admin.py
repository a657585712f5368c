"""Django admin: every model has a working changelist for a superuser."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import World


@pytest.mark.parametrize(
    "model",
    [
        m
        for m in admin.site._registry
        if m._meta.app_label in {"blueprints", "workshops", "personas", "innovation"}
    ],
    ids=lambda m: m._meta.label,
)
def test_every_model_has_a_working_admin_page(world: World, model: type) -> None:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="root-pass-123"))
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert client.get(url).status_code == 200


def test_the_domain_models_are_all_registered() -> None:
    from django.apps import apps

    models = [
        m for app in ("blueprints", "workshops") for m in apps.get_app_config(app).get_models()
    ]
    missing = [m._meta.label for m in models if m not in admin.site._registry]
    assert missing == []
