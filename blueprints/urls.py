from django.urls import path

from blueprints import views

urlpatterns = [
    path("", views.home, name="home"),
    path("blueprints/<int:blueprint_id>/", views.blueprint_page, name="blueprint"),
]
