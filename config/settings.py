"""Settings for the Skills Scan and Learning Progress Tracker.

One module for every environment: everything that differs between a laptop and production
comes from environment variables (see the README). The defaults are safe: DEBUG is off unless
asked for, and with DEBUG off the app refuses to start without a real SECRET_KEY.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config import files
from config.env import env_bool, env_int, env_list
from core.logs import init_sentry, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value, or set DEBUG=1 for development."
        )
    SECRET_KEY = "django-insecure-development-only-key-set-SECRET_KEY-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "csp",
    "simple_history",
    "core",
    "standards",
    "accounts",
    "skillscan",
    "tracker",
    "progress",
    "notify",
    "demo",
]

MIDDLEWARE = [
    # First: an id for the request's log lines; the load balancer's probes (/healthz, /readyz)
    # answered before sessions, CSRF, ALLOWED_HOSTS and the HTTPS redirect (core/health.py);
    # then the timing of everything else, when METRICS_ENABLED is on.
    "core.middleware.RequestIdMiddleware",
    "core.health.ProbeMiddleware",
    "core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RefuseMalformedQueryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.PrivateNoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Records who made each change kept by django-simple-history (standards' wording).
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "notify.context_processors.bell",
            ],
        },
    },
    {
        # The layout and the pages that show hundreds of values (core/jinja.py says why). Django
        # looks for a template here when templates/ has none of that name.
        "BACKEND": "core.jinja.Jinja2",
        "NAME": "jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "core.jinja.environment",
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notify.context_processors.bell",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# DATABASE_URL, e.g. postgres://user:password@host:5432/name; a SQLite file by default so the
# app runs with no database server at all.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiler starts on queries whose estimated cost is high, as the
    # dashboard's correlated subqueries are (the planner cannot know most of them never run):
    # compiling took 50 ms to save 5. This app's queries are short; JIT stays off.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # A database that does not answer fails a request (and /readyz) in seconds instead of
    # holding it until the operating system gives up on the connection.
    DATABASES["default"]["OPTIONS"]["connect_timeout"] = env_int("DATABASE_CONNECT_TIMEOUT", 5)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several server processes writing at once: a transaction takes the write lock when it
    # begins (IMMEDIATE), so two never both read and then fail to upgrade to writing ("database
    # is locked" at once, whatever the timeout); a writer waits up to `timeout` seconds for
    # another; WAL lets reads go on during a write; NORMAL syncs at checkpoints, safe with WAL.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        timeout=20,
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# "default" is shared by every server process, as allauth's rate limits must be (a count kept
# per process lets four workers take four times the tries): Redis when REDIS_URL is set (e.g.
# redis://127.0.0.1:6379/0), else a table in the database, made by core's migration. "local" is
# each process's own memory, for what is read on every page and keyed so it is never stale.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        # Django's RedisCache with 1 s socket timeouts that answers a miss while Redis is down
        # (core/cache.py): pages keep working, allauth's rate limits let attempts through.
        {"BACKEND": "core.cache.TolerantRedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
            # Room for every counter in use: culling a full table would forget some.
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    ),
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
# Sessions stay in the database, with or without Redis, so a restart of Redis logs nobody out;
# "cached_db" would also bring back a session logged out of while Redis was unreachable, from
# Redis's old copy. One primary-key read per request is the price.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "progress:start"

# django-allauth: e-mail is the login, there are no usernames.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
# Mandatory everywhere (in development the mails go to the console; the demo users are
# verified already). Opening an invitation link verifies the invited address.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# One address per person: changing it needs the new one verified first.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_USER_DISPLAY = str
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Skills Tracker] "
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# allauth's rate limits (failed logins, password resets, ...) stay at their defaults, counted per
# client address; "invitation" is ours: the invitation e-mails a manager may send (resends too).
ACCOUNT_RATE_LIMITS = {"invitation": "10/m/user,100/d/user"}
# Behind proxies the client's address is not REMOTE_ADDR (every client would share the proxy's
# and its limits): either the number of proxies of ours that append to X-Forwarded-For, or the
# header a proxy of ours sets to the client's address (e.g. X-Real-IP). Never set either without
# such a proxy: clients could then claim any address.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = os.environ.get("TRUSTED_CLIENT_IP_HEADER") or None

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# In development WhiteNoise serves straight from the apps' and packages' static folders; in
# production from STATIC_ROOT, filled by `collectstatic`.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Uploaded evidence goes through Django's storage API: a local folder by default; S3-compatible
# storage is a STORAGES["default"] setting away. Files are never served from a public URL, only
# through a view that checks who may see them.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# --- Files ------------------------------------------------------------------------------------
# The local disk, or the S3-compatible object store STORAGE_S3_BUCKET names (config.files).
STORAGES["default"] = files.default_storage(os.environ, max_memory_size=2_621_440)
# With the object store, a download the view has allowed is a redirect to a link the store
# serves for a minute (core.storage), instead of the bytes passing through the web instance.
STORAGE_S3_SIGNED_DOWNLOADS = env_bool("STORAGE_S3_SIGNED_DOWNLOADS", False)
if STORAGE_S3_SIGNED_DOWNLOADS and STORAGES["default"] == files.LOCAL_DISK:
    raise ImproperlyConfigured("STORAGE_S3_SIGNED_DOWNLOADS needs STORAGE_S3_BUCKET.")
# A request's form fields (not its files) are held in memory: past 2.5 MB, far above the
# largest form (a skills scan with every comment at its 2,000 characters), the answer is a 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# An uploaded file is held in memory up to 2.5 MB and written to a temporary file past that.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# tracker's handler comes first: it passes on no byte of an attachment past its 10 MB limit, nor
# any of a request too long for a file within it, so such a file is never kept whole.
FILE_UPLOAD_HANDLERS = [
    "tracker.files.AttachmentSizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# E-mail: printed to the console in development; SMTP settings from the environment otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds to wait for the mail server: without it a server that does not answer holds the
# request (and the worker) until the connection gives up on its own.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Skills Tracker <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the site is reached, for the links in e-mails sent outside a request (reminders, digests).
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000")

# Background work. Every e-mail is a row of accounts' outbox, written in the transaction of the
# action that sends it, and a Celery task enqueued once that transaction commits. With
# CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/1) the tasks go to a broker for `celery
# worker`; without it they run at once in the process that enqueued them (`make run`, tests).
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
# In-process, Celery still names a broker: its in-memory one, never used.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://localhost/"
# A task that fails in-process raises, as any other code would, instead of hiding in a result.
CELERY_TASK_EAGER_PROPAGATES = True
# Nothing reads a task's return value: no result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# A broker that is down must not hold the request that enqueues: a refused connection gives up
# at once, one that never answers within about two seconds (a 1 s connect and a 2 s read
# timeout, publishing tried twice); the outbox row then waits for the next flush.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker takes one task at a time from the broker, so a killed worker strands at most one.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# The worker logs through LOGGING (JSON lines with the task's request id), not its own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# `celery beat` runs these; the outbox flush also runs as `manage.py flush_outbox` from cron.
CELERY_BEAT_SCHEDULE = {
    "flush-outbox": {"task": "accounts.tasks.flush_outbox", "schedule": 60.0},
    # Reminders once a day before the working day (each goes once per period whenever run).
    "send-reminders": {
        "task": "notify.tasks.send_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # Digests go out early in the morning: daily ones every day, weekly ones on Mondays.
    "send-digests": {"task": "notify.tasks.send_digests", "schedule": crontab(hour=7, minute=15)},
}
# Tries of an e-mail before it is given up as failed; waits between them double from a minute
# up to OUTBOX_MAX_DELAY_MINUTES.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
OUTBOX_MAX_DELAY_MINUTES = env_int("OUTBOX_MAX_DELAY_MINUTES", 60)

# Security. Every page is served under a strict Content-Security-Policy: no inline scripts or
# styles and nothing from another origin, which is why all assets come from packages.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
# A form sent with an expired token gets the site's layout and "reload the form".
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Operations. Logs go to standard output, every line with the id of its request or task:
# JSON, one object a line, by default in production (LOG_FORMAT=json); plain text with DEBUG on.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "").strip().lower() or ("text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text; got {LOG_FORMAT!r}.")
LOGGING = logging_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))

# Prometheus metrics at /metrics (core/metrics.py), off by default; with METRICS_TOKEN set a
# scraper must send `Authorization: Bearer <token>`.
METRICS_ENABLED = env_bool("METRICS_ENABLED", False)
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Error reports to Sentry only when SENTRY_DSN is set; no personal data is sent.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    init_sentry(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE", ""),
    )
