from django.urls import path

from innovation.consumers import InnovationConsumer

websocket_urlpatterns = [
    path("ws/workspaces/<int:workspace_id>/innovation/", InnovationConsumer.as_asgi()),
]
