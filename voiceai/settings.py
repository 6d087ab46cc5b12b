"""Django settings for voiceai, read once from the environment (see README, "Configuration").

Every variable goes through a small helper that refuses a bad value with ImproperlyConfigured,
so a typo fails at start-up with the variable's name instead of misbehaving later.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = env_str(name).lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = env_str(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env_str(name)
    if not raw:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {sorted(choices)}; got {value!r}.")
    return value


def env_url(name: str, default: str, *, schemes: set[str]) -> str:
    """A URL with one of `schemes` and a host; returned without a trailing slash."""
    value = env_str(name, default)
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with {' or '.join(sorted(schemes))}:// and naming a "
            f"host; got {value!r}."
        )
    return value.rstrip("/")


def database_from_url(url: str) -> dict:
    """Django's DATABASES entry for a postgres:// URL; any other scheme is refused."""
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            "DATABASE_URL must be a postgres:// URL: PostgreSQL with pgvector is the only "
            "supported database."
        )
    try:
        config = dj_database_url.parse(url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL could not be read: {exc}") from None
    config["ENGINE"] = "django.db.backends.postgresql"
    config.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    return config


# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", "http://127.0.0.1:8000", schemes={"http", "https"})

# Twilio reaches us at PUBLIC_BASE_URL's host, so that host is always allowed.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
_public_host = urlsplit(PUBLIC_BASE_URL).hostname
if _public_host and _public_host not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_public_host)
CSRF_TRUSTED_ORIGINS = [f"{urlsplit(PUBLIC_BASE_URL).scheme}://{urlsplit(PUBLIC_BASE_URL).netloc}"]
if urlsplit(PUBLIC_BASE_URL).scheme == "https":
    # Served over https (behind a TLS proxy, which sets X-Forwarded-Proto: deploy/nginx.conf).
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN")
if not TWILIO_AUTH_TOKEN and not DEBUG:
    raise ImproperlyConfigured(
        "TWILIO_AUTH_TOKEN must be set when DJANGO_DEBUG is off: without it, anyone could "
        "pose as Twilio."
    )
# How long the relay session token in the TwiML stays valid: Twilio opens the WebSocket
# within a second or two of fetching the TwiML.
RELAY_SESSION_TOKEN_MAX_AGE = env_int("RELAY_SESSION_TOKEN_MAX_AGE", 600, minimum=10)

OPENAI_API_KEY = env_str("OPENAI_API_KEY")
OPENAI_BASE_URL = env_url("OPENAI_BASE_URL", "", schemes={"http", "https"})
# Longest wait for the LLM's first piece of an answer, and between pieces.
LLM_TIMEOUT_SECONDS = env_int("LLM_TIMEOUT_SECONDS", 10, minimum=1)
# The relay closes a call when Twilio has sent nothing for this long.
RELAY_SILENCE_TIMEOUT_SECONDS = env_int("RELAY_SILENCE_TIMEOUT_SECONDS", 900, minimum=5)
# How often a call's relay rejoins its channel-layer group (Redis forgets groups when it
# restarts; until then staff cannot take the call over). Live monitors rejoin every 2 s.
RELAY_GROUP_REJOIN_SECONDS = env_int("RELAY_GROUP_REJOIN_SECONDS", 10, minimum=1)
# Keypad digits typed without # are submitted after this pause.
RELAY_DTMF_PAUSE_MS = env_int("RELAY_DTMF_PAUSE_MS", 3000, minimum=200)

EMBEDDING_PROVIDER = env_choice("EMBEDDING_PROVIDER", "local", {"local", "openai"})
EMBEDDING_MODEL = env_str("EMBEDDING_MODEL")
# How many knowledge passages an answer is grounded in.
KNOWLEDGE_TOP_K = env_int("KNOWLEDGE_TOP_K", 4, minimum=1)

# --- Apps ---------------------------------------------------------------------------------------

INSTALLED_APPS = [
    # Daphne first: its runserver serves ASGI (WebSockets included) in development.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "knowledge",
    "profiles",
    "calls",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "voiceai.urls"
ASGI_APPLICATION = "voiceai.asgi.application"

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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    # The embedded server is started on first connection by this backend, so commands that
    # never touch the database (check, help) do not start PostgreSQL.
    DATABASES = {
        "default": {
            "ENGINE": "voiceai.embedded_postgres",
            "NAME": "postgres",
            "USER": "postgres",
            "PGDATA": str(VAR_DIR / "pgdata"),
            "OPTIONS": {"connect_timeout": 5},
        }
    }
# A pool of connections per process (psycopg_pool, through Django): without it every database
# call of a relay session or request opens a connection of its own, which cost more CPU (ours
# and the server's) than the whole answer. Connections are checked before use, so a database
# restart costs the next query nothing but a reconnect.
DATABASES["default"]["OPTIONS"]["pool"] = {
    "min_size": 1,
    "max_size": env_int("DATABASE_POOL_SIZE", 10, minimum=1),
    "timeout": 5,
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer and Celery ------------------------------------------------------------

REDIS_URL = env_url("REDIS_URL", "", schemes={"redis", "rediss"})
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels-redis, but losing Redis does not end calls in progress.
            "BACKEND": "voiceai.channel_layer.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    # Without a broker, tasks run inline in the process that enqueues them.
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it finished, so a killed worker's task is delivered again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Auth, i18n, static -------------------------------------------------------------------------

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/calls/"
LOGOUT_REDIRECT_URL = "/login/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The site's own CSS (and any vendored script), shared by every app's pages.
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# In development, serve static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# The API is for staff and their integrations. Token first: a request without credentials then
# gets 401 with `WWW-Authenticate: Token`, not the 403 that session auth alone would give.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "voiceai.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "voiceai API",
    "DESCRIPTION": "Phone profiles, call transcripts, knowledge bases and knowledge search. "
    "Staff only: authenticate with `Authorization: Token <key>` (python manage.py "
    "drf_create_token <username>) or a staff session.",
    "VERSION": "1.0.0",
    # The schema and its docs are staff-only, like the API they describe.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAdminUser"],
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets named once each, whichever fields use them.
    "ENUM_NAME_OVERRIDES": {
        "CallStatusEnum": "calls.models.CallStatus",
        "DocumentStatusEnum": "knowledge.models.DocumentStatus",
        "CallerInputEnum": "profiles.models.CallerInput",
    },
    # Swagger UI and Redoc from the sidecar package's static files: servers here have no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging ------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        # pgserver logs every pg_ctl command line at INFO.
        "pgserver": {"level": "WARNING"},
        # The LLM client logs every request at INFO.
        "httpx2": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
    },
}

# --- Tests --------------------------------------------------------------------------------------

# `manage.py test` runs the pytest suite; Django's system checks run as their own step (Makefile).
TEST_RUNNER = "pytest_django.runner.TestRunner"
