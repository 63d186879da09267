"""Django settings for Weibao.

Everything that differs between installations comes from environment variables, so the
embedded default (SQLite in ``var/``) and a grown installation (PostgreSQL + Redis on several
hosts) run the same code. See README.md for the list.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("WEIBAO_VAR_DIR", BASE_DIR.parent / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated variable, its items stripped and empty ones dropped."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """The SECRET_KEY from the environment, else one generated once and kept in ``var/``."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "*")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")
#: Reverse proxies (addresses or networks) whose X-Forwarded-For is believed; none by default.
WEIBAO_TRUSTED_PROXIES = _env_list("WEIBAO_TRUSTED_PROXIES")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",
    "csp",
    "huey.contrib.djhuey",
    "weibao.core",
    "weibao.accounts",
    "weibao.audit",
    "weibao.calendars",
    "weibao.contracts",
    "weibao.notifications",
    "weibao.documents",
    "weibao.servicedesk",
    "weibao.probes",
    "weibao.backups",
    "weibao.inspections",
    "weibao.assessments",
    "weibao.reports",
    "weibao.residency",
    "weibao.training",
    "weibao.records",
    "weibao.duty",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "weibao.accounts.middleware.SessionPolicyMiddleware",
    "weibao.accounts.middleware.MfaPolicyMiddleware",
    "weibao.accounts.middleware.PasswordPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# What an API request with a bearer token goes through (weibao.core.handlers): no session,
# CSRF, messages, login lockout or page policies, which have nothing to do for it.
API_TOKEN_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "weibao.urls"
WSGI_APPLICATION = "weibao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "weibao.core.context_processors.navigation",
            ],
        },
    }
]

# --- database ---------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'weibao.sqlite3'}"),
        conn_max_age=_env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with the health check of a persistent connection skipped while it is busy.
    DATABASES["default"]["ENGINE"] = "weibao.core.db.postgresql"
if DATABASES["default"]["ENGINE"] in ("django.db.backends.sqlite3", "weibao.core.db.sqlite3"):
    # Connections persist as on PostgreSQL (DB_CONN_MAX_AGE): opening one and running the PRAGMAs
    # cost ~3 ms, a quarter of an API request.
    # Django's backend, with writers queued on a file lock instead of SQLite's sleeping retries.
    DATABASES["default"]["ENGINE"] = "weibao.core.db.sqlite3"
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue instead of failing on a lock upgrade.
        # A 64 MiB page cache per connection (SQLite's default is 2 MiB): connections persist,
        # so tickets and timelines read once stay in memory.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; "
            "PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # ":memory:" rather than None, which pytest-django would otherwise take for a server database
    # under pytest-xdist (this engine is not named django.db.backends.sqlite3).
    DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        os.environ.get("WEIBAO_TEST_SQLITE_NAME") or ":memory:"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "weibao.core.cache.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- background jobs ----------------------------------------------------------------------------
HUEY_IMMEDIATE = _env_bool("WEIBAO_HUEY_IMMEDIATE")
if REDIS_URL:
    HUEY = {
        "huey_class": "weibao.core.db.queue.RedisQueue",
        "name": os.environ.get("WEIBAO_HUEY_NAME", "weibao"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": _env_int("WEIBAO_WORKERS", 2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "weibao.core.db.queue.EmbeddedHuey",
        "name": "weibao",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": _env_int("WEIBAO_WORKERS", 2), "worker_type": "thread"},
    }

# --- authentication and the security baseline ---------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "weibao.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "weibao.accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "weibao.accounts.validators.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

WEIBAO_PASSWORD_MAX_AGE_DAYS = _env_int("WEIBAO_PASSWORD_MAX_AGE_DAYS", 90)
WEIBAO_SESSION_IDLE_SECONDS = _env_int("WEIBAO_SESSION_IDLE_SECONDS", 30 * 60)
WEIBAO_SESSION_ABSOLUTE_SECONDS = _env_int("WEIBAO_SESSION_ABSOLUTE_SECONDS", 12 * 3600)
# How long the home pages keep their slow figures per user (servicedesk/dashboards.py); 0 = never:
# this month's breaches and the engineers' workload a minute, the 12-week trend and compliance
# tables ten minutes (a manager's cost a few seconds of database work over a million tickets).
WEIBAO_DASHBOARD_SECONDS = _env_int("WEIBAO_DASHBOARD_SECONDS", 60)
WEIBAO_TREND_SECONDS = _env_int("WEIBAO_TREND_SECONDS", 600)
WEIBAO_AUDIT_RETENTION_DAYS = max(180, _env_int("WEIBAO_AUDIT_RETENTION_DAYS", 365))
# The audit chain's head is appended here on each `weibao audit verify` and daily (keep it off
# the database's host or at least out of its users' reach; back it up). The key is in
# WEIBAO_AUDIT_KEYS or var/audit.key (weibao/audit/keys.py).
WEIBAO_AUDIT_ANCHOR_FILE = Path(os.environ.get("WEIBAO_AUDIT_ANCHOR_FILE") or VAR_DIR / "audit-anchor.log")
WEIBAO_AUDIT_ANCHOR_SYSLOG = _env_bool("WEIBAO_AUDIT_ANCHOR_SYSLOG")
# 403s are audited at most once per user (or address) and action in this many seconds; the
# refusals in between are counted on the next record.
WEIBAO_AUDIT_REFUSAL_INTERVAL = _env_int("WEIBAO_AUDIT_REFUSAL_INTERVAL", 60)
# Backups (weibao backup / restore, and the nightly job): where they go, how many are kept, the
# passphrase (or a file holding it, or a recipient's public key) they are encrypted with, and an
# optional off-site SFTP copy ("sftp://user@host:port/path", a private key file, known_hosts).
WEIBAO_BACKUP_DIR = Path(os.environ.get("WEIBAO_BACKUP_DIR", VAR_DIR / "backups"))
WEIBAO_BACKUP_PASSPHRASE = os.environ.get("WEIBAO_BACKUP_PASSPHRASE", "")
WEIBAO_BACKUP_PASSPHRASE_FILE = os.environ.get("WEIBAO_BACKUP_PASSPHRASE_FILE", "")
WEIBAO_BACKUP_RECIPIENT = os.environ.get("WEIBAO_BACKUP_RECIPIENT", "")
WEIBAO_BACKUP_KEEP_DAILY = _env_int("WEIBAO_BACKUP_KEEP_DAILY", 7)
WEIBAO_BACKUP_KEEP_WEEKLY = _env_int("WEIBAO_BACKUP_KEEP_WEEKLY", 4)
WEIBAO_BACKUP_KEEP_MONTHLY = _env_int("WEIBAO_BACKUP_KEEP_MONTHLY", 12)
WEIBAO_BACKUP_SFTP_URL = os.environ.get("WEIBAO_BACKUP_SFTP_URL", "")
WEIBAO_BACKUP_SFTP_KEY_FILE = os.environ.get("WEIBAO_BACKUP_SFTP_KEY_FILE", "")
WEIBAO_BACKUP_SFTP_KNOWN_HOSTS = os.environ.get("WEIBAO_BACKUP_SFTP_KNOWN_HOSTS", "")
# Audit records older than the retention period are written to a signed archive here, then pruned.
WEIBAO_AUDIT_ARCHIVE_DIR = Path(os.environ.get("WEIBAO_AUDIT_ARCHIVE_DIR", VAR_DIR / "audit-archive"))
# Where users reach this installation; links in emails and group-robot messages start with it.
WEIBAO_BASE_URL = os.environ.get("WEIBAO_BASE_URL", "").rstrip("/")
WEIBAO_AUTO_CLOSE_WORKDAYS = _env_int("WEIBAO_AUTO_CLOSE_WORKDAYS", 3)
# Probes: how many run at once in a worker (threads), and how long their results are kept.
WEIBAO_PROBE_CONCURRENCY = max(1, _env_int("WEIBAO_PROBE_CONCURRENCY", 64))
WEIBAO_PROBE_RAW_DAYS = max(1, _env_int("WEIBAO_PROBE_RAW_DAYS", 30))
WEIBAO_PROBE_HOURLY_DAYS = max(30, _env_int("WEIBAO_PROBE_HOURLY_DAYS", 730))
# Hosts a group robot's webhook may point at ("host" or "host:port"): WeCom's and DingTalk's own,
# plus, on an intranet, the relay that forwards to them. Nothing else is posted to, so a robot
# cannot be aimed at an internal service.
WEIBAO_ROBOT_HOSTS = [
    h.lower() for h in _env_list("WEIBAO_ROBOT_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")
]
# Robots post over https only; an intranet relay with a certificate of its own CA needs that CA.
WEIBAO_ROBOT_CA_FILE = os.environ.get("WEIBAO_ROBOT_CA_FILE") or None
# In-app notifications (read or not), and the record of deliveries sent or failed for good, are
# kept this long; a delivery still pending is kept whatever its age.
WEIBAO_NOTIFICATION_RETENTION_DAYS = max(30, _env_int("WEIBAO_NOTIFICATION_RETENTION_DAYS", 365))
# How long a worker holds a delivery while sending it; one that dies mid-send leaves it to be
# sent again after this. Longer than a send can take (the SMTP and HTTP timeouts are seconds).
WEIBAO_DELIVERY_LEASE_SECONDS = max(1, _env_int("WEIBAO_DELIVERY_LEASE_SECONDS", 120))
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Two-factor sign-in (django-otp): platform and hospital admins must enrol an authenticator (TOTP)
# and get ten one-time recovery codes; others may. A wrong code makes the next try wait 1, 2, 4 …
# seconds (per device, reset by a right one).
OTP_TOTP_ISSUER = os.environ.get("WEIBAO_MFA_ISSUER", "维保平台")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

AXES_FAILURE_LIMIT = _env_int("WEIBAO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("WEIBAO_LOGIN_LOCK_MINUTES", 30))
# Lock the pair (account, client address): failures from one address lock that address out of
# that account only, so nobody can keep an admin locked out from everywhere by guessing wrong
# (and a hospital behind one NAT address is not locked out as a whole). An admin of the user's
# organisations can lift a lock early (accounts.services.user_unlock).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client address as the audit log reads it: X-Forwarded-For only behind WEIBAO_TRUSTED_PROXIES.
AXES_CLIENT_IP_CALLABLE = "weibao.audit.context.client_ip"
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

SESSION_COOKIE_AGE = WEIBAO_SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
HTTPS = _env_bool("WEIBAO_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "weibao.core.views.csrf_failure"
# Content-Security-Policy on every page: scripts, styles, images and requests only from the
# installation itself, so injected markup can neither run script nor call out. No template
# carries inline script or style (behaviour is in weibao/static/weibao/app.js, looks in app.css);
# the API docs page adds only what Swagger UI needs (weibao.core.api.LocalSwagger).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and uploaded files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "weibao@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # The job consumer logs through its own handler; not again through the root one.
    "loggers": {"huey": {"handlers": [], "propagate": False}},
}
