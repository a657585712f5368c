import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontstage.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from blueprints.routing import websocket_urlpatterns  # noqa: E402
from frontstage.bodylimit import BodyLimitMiddleware  # noqa: E402
from frontstage.origins import SameOriginValidator  # noqa: E402
from innovation.routing import websocket_urlpatterns as innovation_websockets  # noqa: E402
from workshops.middleware import GuestWebSocketMiddleware  # noqa: E402
from workshops.routing import websocket_urlpatterns as workshop_websockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": SameOriginValidator(
            AllowedHostsOriginValidator(
                AuthMiddlewareStack(
                    GuestWebSocketMiddleware(
                        URLRouter(
                            websocket_urlpatterns + workshop_websockets + innovation_websockets
                        )
                    )
                )
            )
        ),
    }
)
