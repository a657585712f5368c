from django.urls import path

from blueprints.consumers import BlueprintConsumer

websocket_urlpatterns = [
    path("ws/blueprints/<int:blueprint_id>/", BlueprintConsumer.as_asgi()),
]
