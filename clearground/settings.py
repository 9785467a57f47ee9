"""The one settings module. Every variable it reads is listed in docs/configuration.md."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CLEARGROUND_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated environment variable."""
    value = os.environ.get(name)
    return [v.strip() for v in value.split(",") if v.strip()] if value else default


def env_json(name: str, default: object) -> object:
    """Read a JSON environment variable; a malformed value stops the server at start, naming the variable."""
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return json.loads(value)
    except ValueError as e:
        raise ValueError(f"{name} must be JSON: {e}") from None


def embedded_database_url() -> str:
    """The private cluster that `make run` starts under var/ (see clearground/dbcluster.py)."""
    password_file = VAR_DIR / "pg" / "password"
    password = password_file.read_text().strip() if password_file.exists() else ""
    port = os.environ.get("CLEARGROUND_DB_PORT", "54320")
    return f"postgres://clearground:{password}@127.0.0.1:{port}/clearground"


def database_from_url(url: str) -> dict[str, object]:
    """Turn postgres://user:pass@host:port/name?host=/socket/dir into Django's DATABASES entry."""
    parts = urlparse(url)
    if parts.scheme not in {"postgres", "postgresql", "postgis"}:
        raise ValueError(f"DATABASE_URL must be a postgres:// URL, not {parts.scheme}://")
    query = parse_qs(parts.query)
    host = query.get("host", [unquote(parts.hostname or "")])[0]
    return {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        "NAME": unquote(parts.path.lstrip("/")) or "clearground",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": int(os.environ.get("CLEARGROUND_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
        # No parallel query: on a server's few cores, concurrent requests already use them all, and a
        # parallel plan made a 0.1° bbox count 50× slower at 100,000 hazards (decision 0018). No JIT:
        # it spent 200 ms compiling each low-zoom tile statement that runs in 600 (decision 0019).
        "OPTIONS": {"options": "-c max_parallel_workers_per_gather=0 -c jit=off"},
        "TEST": {"NAME": "test_clearground"},
    }


DEVELOPMENT_SECRET_KEY = "dev-only-not-secret-change-me-for-any-server"
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Production (decision 0031): served over TLS, so cookies travel only over TLS, plain http redirects to
# https, and browsers are told (HSTS) never to try http again. `make run` (http on 127.0.0.1) leaves it off.
CLEARGROUND_HTTPS = env_bool("CLEARGROUND_HTTPS", False)
if CLEARGROUND_HTTPS and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("CLEARGROUND_HTTPS is on but SECRET_KEY is the development key: set SECRET_KEY")
SECURE_SSL_REDIRECT = CLEARGROUND_HTTPS
SESSION_COOKIE_SECURE = CLEARGROUND_HTTPS
CSRF_COOKIE_SECURE = CLEARGROUND_HTTPS
# One year by default; a first roll-out may start lower (an hour) and raise it once https is known to hold.
SECURE_HSTS_SECONDS = int(os.environ.get("CLEARGROUND_HSTS_SECONDS", "31536000")) if CLEARGROUND_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Behind a reverse proxy that terminates TLS (nginx, a load balancer), which must set X-Forwarded-Proto and
# append the client's address to X-Forwarded-For, overwriting what the client sent. Off: a client could
# claim https or any address by sending those headers itself.
CLEARGROUND_BEHIND_PROXY = env_bool("CLEARGROUND_BEHIND_PROXY", False)
if CLEARGROUND_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Django's defaults, stated because decision 0031 relies on them (SecurityMiddleware sends them).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Login throttling (accounts/throttle.py): failed sign-ins counted from the audit log over a sliding window.
CLEARGROUND_LOGIN_WINDOW_SECONDS = int(os.environ.get("CLEARGROUND_LOGIN_WINDOW_SECONDS", "900"))
CLEARGROUND_LOGIN_FAILURES_PER_USER = int(os.environ.get("CLEARGROUND_LOGIN_FAILURES_PER_USER", "5"))
CLEARGROUND_LOGIN_FAILURES_PER_IP = int(os.environ.get("CLEARGROUND_LOGIN_FAILURES_PER_IP", "30"))
# API tokens (accounts/tokens.py, decision 0038) work this long after they are issued, unless revoked
# first. A week: a QGIS connection holds a pasted token for a working week, and no token outlives a
# web session (Django's 2 weeks); logout, a password change and a deactivation revoke them at once.
CLEARGROUND_TOKEN_TTL_HOURS = float(os.environ.get("CLEARGROUND_TOKEN_TTL_HOURS", "168"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_gis",
    "drf_spectacular",
    "clearground",
    "vocab",  # no models: listed so that vocab/locale (the IMAS vocabulary's translations) is loaded
    "accounts",
    "places",
    "ordnance",  # the explosive ordnance catalogue (decision 0049), read by hazards
    "hazards",
    "reports",
    "interop",
    "demo",
    "treaty",
    "obligations",
    "casualties",
    "assistance",
    "quality",
    "risk_education",
    "operations",
    "jobs",
    "field",  # the OpenRosa server for ODK Collect and KoboCollect (decision 0051)
    # The web application (issue 6): one app per area of pages, each with its templates, static files
    # and translations (web/<area>/locale), so each area can be changed and translated on its own.
    "web.shell",
    "web.atlas",
    "web.workbench",
    "web.dashboard",
    "web.treaty_pages",
    "web.transfers",
    "web.administration",
    "web.tasking",
    "web.quality_pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The content security policy and permissions policy on every response (decision 0031).
    "clearground.security.SecurityHeadersMiddleware",
    # A lost database connection answers 503 with Retry-After, not 500 (decision 0028).
    "clearground.middleware.DatabaseOutageMiddleware",
    # A body over the upload limit (413) or a NUL in the URL (400) is refused before anything reads it (decision 0033).
    "clearground.input_guard.InputGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions (the chosen language is kept there and in a cookie), before common (URL handling).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "clearground.urls"
WSGI_APPLICATION = "clearground.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "clearground" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.quality_pages.context.quality_nav",
                "web.tasking.context_processors.notifications",
            ]
        },
    }
]

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL") or embedded_database_url())}
# A second connection to the same database for job progress (jobs/actions.py): an import runs in one
# transaction, and progress written on that same connection would stay invisible until the commit.
# In tests it points at the test database; it is still a separate session (decision 0015).
DATABASES["progress"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 for new passwords (decision 0031); PBKDF2 stays so older hashes verify and are rehashed on sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
# Django's model backend, refusing while an account or address is throttled (accounts/throttle.py).
AUTHENTICATION_BACKENDS = ["accounts.throttle.ThrottledModelBackend"]

LANGUAGE_CODE = "en"
# The four languages of the web application (issue 6); Arabic is laid out right to left.
LANGUAGES = [("en", "English"), ("uk", "Українська"), ("es", "Español"), ("ar", "العربية")]
LANGUAGE_COOKIE_NAME = "clearground_language"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Browser libraries and the basemap come from npm (package.json, installed by command 1) and are served
# by the app itself: no page fetches anything from the internet (issue 6).
STATICFILES_DIRS = [
    ("vendor/maplibre-gl", BASE_DIR / "node_modules" / "maplibre-gl" / "dist"),
    ("vendor/topojson-client", BASE_DIR / "node_modules" / "topojson-client" / "dist"),
    ("vendor/world-atlas", BASE_DIR / "node_modules" / "world-atlas"),
    # PMTiles basemaps read by range requests, and the style of a Protomaps build (decision 0056).
    ("vendor/pmtiles", BASE_DIR / "node_modules" / "pmtiles" / "dist"),
    ("vendor/protomaps-basemaps", BASE_DIR / "node_modules" / "@protomaps" / "basemaps" / "dist"),
    # ODK Web Forms and what its ES modules import by bare name, mapped by the fill page's import map
    # (field/browser.py, decision 0058): no bundler, no CDN.
    ("vendor/odk-web-forms", BASE_DIR / "node_modules" / "@getodk" / "web-forms" / "dist"),
    ("vendor/vue", BASE_DIR / "node_modules" / "vue" / "dist"),
    ("vendor/rbush", BASE_DIR / "node_modules" / "rbush"),
    ("vendor/quickselect", BASE_DIR / "node_modules" / "quickselect"),
]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# The largest file an import or a form may upload (a larger one is a 413); an archive may unpack to ten
# times this (interop/imports/uploads.py, decision 0033). Django keeps uploads over 2.5 MB on disk, not in
# memory, and refuses a form whose fields other than files pass DATA_UPLOAD_MAX_MEMORY_SIZE (its default).
CLEARGROUND_UPLOAD_MAX_BYTES = int(os.environ.get("CLEARGROUND_UPLOAD_MAX_BYTES", str(200 * 1024 * 1024)))
# A report's attachment (photo, sketch map, PDF) at most this large; an OpenRosa POST (the submission and
# the attachments sent with it) at most the second, which /openrosa/ announces so that ODK Collect splits
# a larger set of attachments over several POSTs (decision 0051).
CLEARGROUND_ATTACHMENT_MAX_BYTES = int(os.environ.get("CLEARGROUND_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
CLEARGROUND_OPENROSA_MAX_BYTES = int(os.environ.get("CLEARGROUND_OPENROSA_MAX_BYTES", str(25 * 1024 * 1024)))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, stated: what counts as a small upload
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Our own tokens, stored as digests, expiring and revocable (decision 0038), not DRF's authtoken.
        "clearground.api.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON for programs; the browsable API lets a signed-in person walk the API in a browser.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "EXCEPTION_HANDLER": "clearground.api.errors.exception_handler",
    # DRF's parsers, refusing text with a NUL character (PostgreSQL cannot store one) as a 400 (decision 0030).
    "DEFAULT_PARSER_CLASSES": [
        "clearground.api.parsers.JSONParser",
        "clearground.api.parsers.FormParser",
        "clearground.api.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clearground API",
    "DESCRIPTION": "The land-release register: hazards, field reports, approvals.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "HazardStatusEnum": "vocab.choices.HazardStatus",
        "ReportStatusEnum": "reports.models.ReportStatus",
    },
    # Every operation's error answers, in one place (decision 0030); the default enum hook stays first.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clearground.api.schema.add_error_responses",
        "clearground.api.schema.add_report_payloads",
    ],
}

# Boundary tolerance for "a product lies within its hazard": GPS and digitising error in the field.
PRODUCT_BOUNDARY_TOLERANCE_M = float(os.environ.get("CLEARGROUND_PRODUCT_TOLERANCE_M", "1.0"))
# Fernet key(s) encrypting casualty identities at rest (comma-separated: the first encrypts, all decrypt).
# Empty: a DEVELOPMENT key, accepted only while SECRET_KEY is the development one (casualties/crypto.py).
CLEARGROUND_FIELD_KEY = os.environ.get("CLEARGROUND_FIELD_KEY", "")
# Tasking (decision 0050): every report of work names the task order it was done under; an EOD spot report
# outside any task makes its own task (a call-out) where call-outs are allowed.
# Mail (decision 0053: task notifications). The console backend by default: a development server prints
# the e-mail; production names its SMTP backend and server.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "clearground@localhost")
CLEARGROUND_TASKING_REQUIRED = env_bool("CLEARGROUND_TASKING_REQUIRED", True)
CLEARGROUND_EOD_CALL_OUTS = env_bool("CLEARGROUND_EOD_CALL_OUTS", True)
# OGC API – Features (decision 0018): may anonymous callers read the published (non-restricted) collections?
CLEARGROUND_PUBLISH_ANONYMOUS = env_bool("CLEARGROUND_PUBLISH_ANONYMOUS", True)
# What the authority publishes to anonymous callers (decision 0037): collection → the fields shown. Safe by
# default: the released-land summary only. Only fields the registry marks publishable
# (interop/collections.py) are ever shown, whatever this says; finds and accidents never are.
CLEARGROUND_PUBLISHED = env_json(
    "CLEARGROUND_PUBLISHED",
    {
        "released_land": [
            "admin_pcode", "admin_area", "hazards", "open_hazards", "original_m2", "cancelled_m2", "reduced_m2",
            "cleared_m2", "remaining_m2", "latest_information",
        ]
    },
)  # fmt: skip
# Basemaps the map pages offer (decision 0056): a JSON list of {name, type: pmtiles|xyz|wmts, url or file,
# attribution[, style: clearground|protomaps]}. A pmtiles `file` (relative to the checkout) is served by
# /basemaps/<name>.pmtiles with range requests; an online url is fetched by the browser only because it is
# listed here. The default is the archive `clearground basemap build` makes from the loaded admin areas and
# places (scripts/run.sh builds it once), shown when it exists. No request leaves the server otherwise.
CLEARGROUND_BASEMAPS = env_json(
    "CLEARGROUND_BASEMAPS",
    [{"name": "demo", "type": "pmtiles", "file": "var/basemap/demo.pmtiles",
      "attribution": "Natural Earth; GeoNames (CC BY 4.0)"}],
)  # fmt: skip
# The static public map (decision 0056): the folder `clearground publish` writes and the worker keeps current
# (empty: the worker publishes nothing), and how often the worker compares its data version with the register's.
CLEARGROUND_PUBLIC_MAP_DIR = os.environ.get("CLEARGROUND_PUBLIC_MAP_DIR", "")
CLEARGROUND_PUBLIC_MAP_CHECK_SECONDS = float(os.environ.get("CLEARGROUND_PUBLIC_MAP_CHECK_SECONDS", "60"))
# The parcel status statement (decision 0061): how many statements one client address may have per minute
# (429 with Retry-After beyond), and the authority's standard caveat printed on each (empty: Clearground's own,
# translated): a text, or a JSON object language → text.
CLEARGROUND_STATEMENTS_PER_MINUTE = int(os.environ.get("CLEARGROUND_STATEMENTS_PER_MINUTE", "6"))
_caveat = os.environ.get("CLEARGROUND_STATEMENT_CAVEAT", "")
CLEARGROUND_STATEMENT_CAVEAT: object = (
    env_json("CLEARGROUND_STATEMENT_CAVEAT", {}) if _caveat.lstrip().startswith("{") else _caveat
)
# This server's public address (https://register.example.org): the static public map links its parcel
# statement there. Empty: the static map has no such link (it cannot know where the server is).
CLEARGROUND_PUBLIC_URL = os.environ.get("CLEARGROUND_PUBLIC_URL", "").rstrip("/")
# `clearground publish --to s3://bucket/prefix` (decision 0062): the S3-compatible endpoint's URL (empty: AWS);
# credentials and region come from the standard AWS_* variables, which boto3 reads itself.
CLEARGROUND_PUBLISH_S3_ENDPOINT = os.environ.get("CLEARGROUND_PUBLISH_S3_ENDPOINT", "")
# Vector tiles kept on the server for the current data version (decision 0062): a folder, or empty (off). Off by
# default because the key is the data version: empty the folder after re-creating the database from scratch.
CLEARGROUND_TILE_CACHE_DIR = os.environ.get("CLEARGROUND_TILE_CACHE_DIR", "")
# How often the worker queues the periodic jobs that are due (jobs/schedule.py, decision 0057), in seconds.
CLEARGROUND_SCHEDULE_CHECK_SECONDS = float(os.environ.get("CLEARGROUND_SCHEDULE_CHECK_SECONDS", "60"))

# Background jobs (jobs/, decision 0015): how often a worker polls an empty queue, how often a running
# job's heartbeat is written, after how long without one a job counts as abandoned (its worker was
# killed) and is queued again, how many attempts it gets, and the least time between progress writes.
CLEARGROUND_WORKER_POLL_SECONDS = float(os.environ.get("CLEARGROUND_WORKER_POLL_SECONDS", "1.0"))
CLEARGROUND_JOB_HEARTBEAT_SECONDS = float(os.environ.get("CLEARGROUND_JOB_HEARTBEAT_SECONDS", "10"))
CLEARGROUND_JOB_STALE_SECONDS = float(os.environ.get("CLEARGROUND_JOB_STALE_SECONDS", "120"))
CLEARGROUND_JOB_MAX_ATTEMPTS = int(os.environ.get("CLEARGROUND_JOB_MAX_ATTEMPTS", "3"))
CLEARGROUND_JOB_PROGRESS_SECONDS = float(os.environ.get("CLEARGROUND_JOB_PROGRESS_SECONDS", "0.5"))

# Debian 12's GDAL 3.6 cannot sandbox file/network access in spatial references (GDAL >= 3.9 can).
# We build spatial references only from EPSG codes we choose, never from user-supplied text.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
