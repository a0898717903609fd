"""Settings for meetstream, read from the environment (see .env.example)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from dotenv import load_dotenv

from config.environment import (
    env,
    env_bool,
    env_float,
    env_int,
    env_list,
    require_networks,
)
from config.keys import require_strong_key
from config.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = require_strong_key(
    "DJANGO_SECRET_KEY", env("DJANGO_SECRET_KEY"), debug=DEBUG
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
# Addresses that may read /readyz and /metrics (config/operator_access.py):
# loopback and the private ranges where load balancers and Prometheus live.
OPERATOR_NETWORKS = require_networks(
    "OPERATOR_NETWORKS",
    env_list(
        "OPERATOR_NETWORKS",
        "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
    ),
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "meetings.admin.apps.MeetstreamAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "accounts",
    "meetings",
    "events",
]

# Serve /static/ from the app (WhiteNoise, config/static.py); behind nginx, let
# nginx do it instead.
SERVE_STATIC = env_bool("DJANGO_SERVE_STATIC", True)
MIDDLEWARE = [
    # First, so that it counts and times every answer (config/request_metrics.py).
    "config.request_metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    *(["whitenoise.middleware.WhiteNoiseMiddleware"] if SERVE_STATIC else []),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as axes asks: answers a locked-out log-in with 429 (accounts/).
    "accounts.middleware.LockoutMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
# How uvicorn serves it (config/server.py, devserver): the lifespan drains the
# streams on a signal (config/lifespan.py), within a second or two; the
# graceful timeout is the backstop.
ASGI_SERVER_OPTIONS = {"lifespan": "on", "timeout_graceful_shutdown": 10}
WSGI_APPLICATION = "config.wsgi.application"

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

# Under ASGI a persistent connection would stay pinned to a long-lived request.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", "") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, which live-server tests share with the servers they
    # start; one per test run, so that concurrent runs do not share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A table of the database, so every instance shares the API's per-user rate
# limits (meetings/api/throttles.py); `manage.py migrate` makes it (migration
# 0002_cache_table), and /readyz answers 503 naming it while it is missing.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "meetstream_cache",
        # Culling drops live entries, rate counts too, only past this many.
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "meetings:list"
LOGOUT_REDIRECT_URL = "login"

# Credential guessing (docs/security.md, accounts/lockout.py): an address is
# locked out of a username after LOGIN_FAILURES_PER_USERNAME failures for it
# from that address, and out of every one after LOGIN_FAILURES_PER_ADDRESS.
# The address is REMOTE_ADDR (X-Forwarded-For from FORWARDED_ALLOW_IPS only).
LOGIN_FAILURES_PER_USERNAME = env_int("LOGIN_FAILURES_PER_USERNAME", 10)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30)
# Past this many failures for a username from all addresses together, an
# address that has failed for it waits this many seconds after the username's
# last failure (429 with Retry-After); an address that has not is checked.
LOGIN_USERNAME_SLOWDOWN_FAILURES = env_int("LOGIN_USERNAME_SLOWDOWN_FAILURES", 20)
LOGIN_USERNAME_SLOWDOWN_SECONDS = env_int("LOGIN_USERNAME_SLOWDOWN_SECONDS", 5)
# Failures count for this long; a lock ends this long after the failure that
# set it, since attempts refused during a lock are not counted.
AXES_COOLOFF_TIME = timedelta(seconds=env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success keeps the counts: one good account must not clear its address's.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
# The handler holds each parameter against its own limit, and adds the slowdown.
AXES_HANDLER = "accounts.lockout.LoginFailures"
AXES_FAILURE_LIMIT = LOGIN_FAILURES_PER_USERNAME
AXES_USERNAME_CALLABLE = "accounts.lockout.attempted_username"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # only failures matter, not a row per log-in
AXES_VERBOSE = False  # no banner on every start; failures are still warnings
# Axes' backend comes first: it refuses a locked-out log-in before the next
# one hashes the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# axes.W002 asks for axes.middleware.AxesMiddleware, which LockoutMiddleware is.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Content-hashed names from collectstatic's manifest, served as immutable
# (config/static.py). The test process, which does not collect, uses plain
# names (tests/conftest.py, as Django's docs advise); its servers the hashed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.static.StaticStorage"},
}
# Threads per process that serve every request but the streams (config/asgi.py):
# how many page and API requests one process works on at once, of which one
# user has at most REQUEST_USER_SHARE; REQUEST_USER_QUEUE more of theirs wait
# up to REQUEST_USER_WAIT seconds on the loop, then 429 (config/user_share.py).
REQUEST_THREADS = env_int("DJANGO_REQUEST_THREADS", 8)
REQUEST_USER_SHARE = env_int("DJANGO_REQUEST_USER_SHARE", 1)
REQUEST_USER_QUEUE = env_int("DJANGO_REQUEST_USER_QUEUE", 16)
REQUEST_USER_WAIT = env_float("DJANGO_REQUEST_USER_WAIT", 1.0)
# Slow clients wait on the event loop, never on those threads (config/asgi.py):
# seconds allowed between two parts of a request body (then 408), and for a
# client to take the next chunk of a file or streaming response (then dropped).
# docs/operations.md lists every timeout.
REQUEST_BODY_TIMEOUT = env_float("DJANGO_REQUEST_BODY_TIMEOUT", 30.0)
RESPONSE_SEND_TIMEOUT = env_float("DJANGO_RESPONSE_SEND_TIMEOUT", 60.0)

# Requests larger than this are refused with 413 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_MAX_BODY_BYTES", 256 * 1024)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Pages load scripts and styles from this origin only: no inline code at all.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# nginx overwrites X-Forwarded-Proto with its own $scheme: trust it, so that
# requests that reached it over HTTPS are secure. Reach the app only through it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# To the console; a client's error is one line, a server's a traceback.
LOGGING = logging_config(env("LOG_LEVEL", "INFO"))

# Meetings: the store backend (meetings/store/), as SESSION_ENGINE names sessions'.
# "meetings.store.memory" keeps them in one process's memory, with no DynamoDB.
MEETINGS_STORE = env("MEETINGS_STORE", "meetings.store.dynamodb")
DYNAMODB_ENDPOINT_URL = env("DYNAMODB_ENDPOINT_URL", "")
DYNAMODB_TABLE = env("DYNAMODB_TABLE", "meetings")
AWS_REGION = env("AWS_REGION", "us-east-1")
# DynamoDB Local accepts any credentials; real AWS uses the usual chain.
DYNAMODB_CREDENTIALS = (
    {
        "aws_access_key_id": env("AWS_ACCESS_KEY_ID", "local"),
        "aws_secret_access_key": env("AWS_SECRET_ACCESS_KEY", "local"),
    }
    if DYNAMODB_ENDPOINT_URL
    else {}
)
DYNAMODB_MAX_ATTEMPTS = env_int("DYNAMODB_MAX_ATTEMPTS", 3)
# Capacity units per second the table is budgeted for, exported on /metrics for
# the consumed-capacity alerts (deploy/prometheus/rules.yml); 0: no budget.
DYNAMODB_READ_BUDGET = env_float("DYNAMODB_READ_BUDGET", 0.0)
DYNAMODB_WRITE_BUDGET = env_float("DYNAMODB_WRITE_BUDGET", 0.0)
DYNAMODB_CONNECT_TIMEOUT = env_float("DYNAMODB_CONNECT_TIMEOUT", 1.0)
DYNAMODB_READ_TIMEOUT = env_float("DYNAMODB_READ_TIMEOUT", 3.0)
DYNAMODB_MAX_POOL_CONNECTIONS = env_int("DYNAMODB_MAX_POOL_CONNECTIONS", 20)
# The staff timeline is bucketed by month; no meeting was created before this.
MEETINGS_EPOCH_MONTH = env("MEETINGS_EPOCH_MONTH", "2025-01")
# Creates per user through POST /v1/meetings, in DRF's rate syntax (N/s, N/min,
# N/hour, N/day), counted atomically in the database (meetings/quota.py);
# beyond it, 429 with Retry-After.
MEETINGS_CREATE_RATE = env("MEETINGS_CREATE_RATE", "60/min")
# Seconds a paging cursor stays valid after it was issued; then 400
# invalid_cursor, and the pages start again from the first page.
MEETINGS_CURSOR_MAX_AGE = env_float("MEETINGS_CURSOR_MAX_AGE", 3600.0)
# The search index (meetings/search/): "auto" takes the database's engine (SQLite's
# FTS5, PostgreSQL's pg_trgm); "none" filters the DynamoDB listing instead (slow).
MEETINGS_SEARCH_INDEX = env("MEETINGS_SEARCH_INDEX", "auto")
# Seconds between passes of each server's search-index reconciler; 0: none (then
# run `manage.py reconcile_search_index`).
MEETINGS_SEARCH_RECONCILE_INTERVAL = env_float(
    "MEETINGS_SEARCH_RECONCILE_INTERVAL", 5.0
)

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "meetings.api.authentication.CachedUserJWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["config.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per-user rates (API_READ_RATE, API_WRITE_RATE), in the shared cache.
    "DEFAULT_THROTTLE_CLASSES": [
        "meetings.api.throttles.ReadRateThrottle",
        "meetings.api.throttles.WriteRateThrottle",
    ],
}
# API requests per user (per address when anonymous), reads and writes apart,
# in DRF's rate syntax, then 429 (docs/security.md); empty turns one off.
API_READ_RATE = env("API_READ_RATE", "1200/min")
API_WRITE_RATE = env("API_WRITE_RATE", "300/min")
# Whether /v1/schema and /v1/docs answer anyone; otherwise only authenticated
# users (a token or a session). On under DJANGO_DEBUG, as for scripts/run.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", DEBUG)
# Bearer requests check their user against a copy loaded at most this many
# seconds ago (meetings/api/authentication.py); 0 loads it on every request.
API_USER_CACHE_SECONDS = env_float("API_USER_CACHE_SECONDS", 5.0)
# Checked like SECRET_KEY, its default, when set apart.
JWT_SIGNING_KEY = require_strong_key(
    "JWT_SIGNING_KEY", env("JWT_SIGNING_KEY", SECRET_KEY), debug=DEBUG
)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(
        seconds=env_int("JWT_ACCESS_TOKEN_SECONDS", 15 * 60)
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(
        seconds=env_int("JWT_REFRESH_TOKEN_SECONDS", 24 * 3600)
    ),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # A refresh gives a new refresh token, and the used one is refused after.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Tokens carry a hash of the password hash: a password change revokes them.
    "CHECK_REVOKE_TOKEN": True,
    "TOKEN_REFRESH_SERIALIZER": "accounts.tokens.CheckedTokenRefreshSerializer",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "meetstream API",
    "DESCRIPTION": "Meetings stored in DynamoDB, with live status over SSE.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["meetings.api.permissions.ApiDocsAccess"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.add_error_responses",
        "events.openapi.add_stream_paths",
    ],
}

# Live status stream (docs/events.md): every SSE_* setting.
from config.stream_settings import *  # noqa: E402, F403
