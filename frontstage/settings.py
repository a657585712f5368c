"""Frontstage settings: everything comes from the environment, SQLite by default."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# A secret never has a production default: outside DEBUG (and tests) it must be set.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or env_bool("FRONTSTAGE_INSECURE_DEV_KEY", False):
        SECRET_KEY = "insecure-development-key-never-used-in-production"
    else:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_tasks_db",
    "workspaces",
    "workshops",
    "blueprints",
    "personas",
    "innovation",
    "book",
    "frontstage",  # the roof: seed_demo, over every app
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "frontstage.compression.CompressionMiddleware",
    "frontstage.rest.ApiErrorsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "frontstage.staticfiles.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "frontstage.rest.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "workshops.middleware.GuestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "frontstage.middleware.UploadLimitMiddleware",
    "frontstage.throttle.LoginThrottleMiddleware",
    "frontstage.pages.DomainErrorMiddleware",
]

ROOT_URLCONF = "frontstage.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
            ],
        },
    },
]

WSGI_APPLICATION = "frontstage.wsgi.application"
ASGI_APPLICATION = "frontstage.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Live editing means concurrent writers: wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # WAL with synchronous=NORMAL: a commit no longer waits for the disk (fsync) — about
            # 10 ms of every write on a busy machine, the largest part of a note's or vote's
            # time (bench/bench_workshop.py). The database stays consistent; only a power cut
            # (not a crash of the server) may lose the last commits.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

REDIS_URL = os.environ.get("REDIS_URL", "")
# Seconds a live event may take to reach Redis before it is dropped (frontstage/broadcast.py).
BROADCAST_TIMEOUT = float(os.environ.get("BROADCAST_TIMEOUT", "1"))
# The sign-in counts (frontstage/throttle.py) are shared by every server process through Redis.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rendered boards, shared by every page of one process asking for the same snapshot
    # (blueprints/views.py shared_board); a handful of big entries, gone after ten minutes.
    "boards": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "boards",
        "OPTIONS": {"MAX_ENTRIES": 64},
    },
    "throttle": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CHANNELS_REDIS_PREFIX", "asgi") + "-throttle",
            # A hung Redis must not hold sign-ins: past this, they go on unthrottled.
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
    ),
}
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # A prefix of its own lets deployments (or test runs) share one Redis.
            "CONFIG": {
                # A burst (a page of 200 people all answering a newcomer) needs more
                # connections at once than redis-py's default pool of 100 allows. Receiving
                # blocks in Redis for 5 s at a time; redis-py 8 also gives up reading after
                # 5 s by default, which closed idle live connections: wait longer than that.
                "hosts": [{"address": REDIS_URL, "max_connections": 1000, "socket_timeout": 15}],
                "prefix": os.environ.get("CHANNELS_REDIS_PREFIX", "asgi"),
                # Every connection of a process shares one Redis queue, so one event to a page
                # with 200 people is 200 messages in it; past the capacity they are dropped.
                "capacity": 5000,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Workshop rooms (workshops/events.py): a room of 60 sharing the default layer's one queue
# per process meant 60 Redis round trips per event. Pub/sub publishes an event once and each
# process hands it to its own connections; a message missed meanwhile is caught up by `seq`.
CHANNEL_LAYERS["workshops"] = (
    {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "hosts": [{"address": REDIS_URL}],
            "prefix": os.environ.get("CHANNELS_REDIS_PREFIX", "asgi") + ".workshops",
        },
    }
    if REDIS_URL
    else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("pt-br", "Português (Brasil)"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60  # the switcher's choice outlives the session
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end libraries come from the npm registry at set-up time (see package.json).
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
WHITENOISE_USE_FINDERS = True
# collectstatic writes fingerprinted copies (content hash in the name, module imports and CSS
# url()s rewritten to them) with gzip and Brotli copies; pages name those, which are cached
# for a year, immutable (frontstage/staticfiles.py). Plain names (DEBUG, no collectstatic)
# are revalidated (ETag, Last-Modified) after this many seconds.
WHITENOISE_MAX_AGE = int(os.environ.get("STATIC_MAX_AGE", "0" if DEBUG else "3600"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "frontstage.staticfiles.FingerprintedStaticFilesStorage"},
}
# Only the fingerprinted copies are kept and compressed (the plain names still answer, from
# the source folders); source maps are for developer tools only and stay uncompressed.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/accounts/login/"
# Failed sign-ins (login page and API token) per account and per address within the window;
# past either, no password is checked until the window has passed (frontstage/throttle.py).
AUTHENTICATION_BACKENDS = ["frontstage.throttle.ThrottledModelBackend"]
LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "20"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", "900"))  # seconds
# Password checks one process runs at once, and how long a sign-in waits for a free one
# before it answers 429: guesses spread over many accounts cannot take all the CPU.
PASSWORD_CHECKS_AT_ONCE = int(
    os.environ.get("PASSWORD_CHECKS_AT_ONCE", str(max(1, (os.cpu_count() or 2) // 2)))
)
PASSWORD_CHECK_WAIT = float(os.environ.get("PASSWORD_CHECK_WAIT", "5"))
# Wrong workshop codes at /join/ per address within LOGIN_FAILURE_WINDOW; catch-ups one person
# may ask over live connections per minute (frontstage/throttle.py).
JOIN_FAILURES_PER_ADDRESS = int(os.environ.get("JOIN_FAILURES_PER_ADDRESS", "20"))
CATCH_UPS_PER_MINUTE = int(os.environ.get("CATCH_UPS_PER_MINUTE", "60"))

# Who may create workspaces: any of `staff`, `facilitators` (of some workspace), `anyone`
# (signed in). Everyone else joins a workspace by a facilitator's invitation.
WORKSPACE_CREATORS = env_list("WORKSPACE_CREATORS", "staff,facilitators")
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Uploads (CRM files) are capped; larger bodies answer 413 before they are read.
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))
# Write requests of people not signed in (login, token, joining a workshop) carry small bodies.
MAX_ANONYMOUS_BODY_BYTES = int(os.environ.get("MAX_ANONYMOUS_BODY_BYTES", str(64 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded files (CRM exports) are kept here, never served.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

# Long work (CRM imports, segmentations) runs as Django tasks, queued in the database and run
# by `manage.py db_worker` (django-tasks-db): any number of workers, on any machines, against
# the one database. TASKS_BACKEND=frontstage.tasks.ThreadBackend runs them in a thread of the
# web process instead (the test suite does). A running task beats a heartbeat every
# TASK_LEASE_SECONDS / 6; one silent for TASK_LEASE_SECONDS is failed and cleaned up
# (personas/runs.py).
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
TASK_LEASE_SECONDS = float(os.environ.get("TASK_LEASE_SECONDS", "30"))
# A merge of at least this many team steps runs in the background (blueprints/merge_jobs.py).
MERGE_BACKGROUND_STEPS = int(os.environ.get("MERGE_BACKGROUND_STEPS", "2000"))

# Blueprint diagrams: Graphviz renders are cached by content hash (see blueprints/render.py).
GRAPHVIZ_DOT = os.environ.get("GRAPHVIZ_DOT", "dot")
RENDER_CACHE_DIR = Path(os.environ.get("RENDER_CACHE_DIR", BASE_DIR / "var" / "render-cache"))
RENDER_TIMEOUT = float(os.environ.get("RENDER_TIMEOUT", "30"))
# seed_demo loads the demo's synthetic CRM contacts and segments them; the test suite turns
# that off where only the blueprints matter (DEMO_CONTACTS=0).
DEMO_CONTACTS = os.environ.get("DEMO_CONTACTS", "1") != "0"
RENDER_CACHE_MAX_BYTES = int(os.environ.get("RENDER_CACHE_MAX_BYTES", str(512 * 1024 * 1024)))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
X_FRAME_OPTIONS = "DENY"

# HTTPS, for deployments behind a proxy that terminates TLS (README: Production). The proxy
# must set the header SECURE_PROXY_SSL_HEADER names (e.g. X-Forwarded-Proto: https) and strip it
# from what clients send.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if os.environ.get("SECURE_PROXY_SSL_HEADER"):  # e.g. "HTTP_X_FORWARDED_PROTO=https"
    _header, _, _value = os.environ["SECURE_PROXY_SSL_HEADER"].partition("=")
    SECURE_PROXY_SSL_HEADER = (_header.strip(), _value.strip() or "https")

# Content-Security-Policy on every answer: scripts only from this site (ES modules under
# static/js; an inline script would need {{ csp_nonce }}), never inline handlers or eval.
# Inline style attributes stay allowed: the charts' bar widths and colours are data.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous request answers 401 with a WWW-Authenticate header.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "workspaces.authentication.GuestAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "frontstage.rest.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "frontstage.rest.Pagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "frontstage.schema.AutoSchema",
    "EXCEPTION_HANDLER": "frontstage.rest.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Frontstage API",
    "DESCRIPTION": "Service blueprints, workshops and personas.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "BlueprintKindEnum": "blueprints.models.BlueprintKind",
        "StepKindEnum": "blueprints.models.StepKind",
        "LinkKindEnum": "blueprints.models.LinkKind",
        "ChannelKindEnum": "blueprints.models.ChannelKind",
        "BandEnum": "blueprints.models.Band",
        "OpportunityStatusEnum": "innovation.models.OpportunityStatus",
        "ExperimentStatusEnum": "innovation.models.ExperimentStatus",
        "DataNeedStatusEnum": "innovation.models.DataNeedStatus",
        "HorizonEnum": "innovation.models.Horizon",
        "RoadmapTypeEnum": "innovation.models.RoadmapType",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
