"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest

from weibao.accounts.choices import Role
from weibao.testing.browser import browser, new_context, page, phone_page  # noqa: F401
from weibao.testing.factories import PASSWORD, DepartmentFactory, HospitalFactory, VendorFactory, member


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Each test has its own database: a schedule cached by another test must not leak into it."""
    from django.core.cache import cache

    from weibao.calendars.selectors import clear_cache
    from weibao.core.cache.generation import forget_local

    clear_cache()
    cache.clear()  # cached visibility scopes are keyed by user id, which the next test reuses
    forget_local()
    yield
    clear_cache()
    cache.clear()
    forget_local()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests make thousands of users: hash their passwords with a fast hasher (the installation's
    own hashers stay listed after it, so their hashes still verify). Django's advice for tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]


@pytest.fixture(autouse=True)
def _audit_anchor_file(settings, tmp_path_factory):
    """Each test database has its own audit chain: anchors of another test's chain must not be
    checked against it."""
    settings.WEIBAO_AUDIT_ANCHOR_FILE = tmp_path_factory.mktemp("audit") / "audit-anchor.log"


@pytest.fixture(autouse=True)
def _builtin_calendars(request):
    """Transactional tests (the browser tests) flush the database after each test, and with it
    the built-in calendars and holidays the migrations created; put them back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        from weibao.calendars.builtin import ensure_builtins

        ensure_builtins()


@pytest.fixture(autouse=True)
def _huey_immediate():
    """Jobs run inline in tests unless a test drives the real queue itself."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = True


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def hospital(db):
    return HospitalFactory()


@pytest.fixture
def other_hospital(db):
    return HospitalFactory()


@pytest.fixture
def vendor(db):
    return VendorFactory()


@pytest.fixture
def hospital_admin(hospital):
    return member(hospital, Role.HOSPITAL_ADMIN)


@pytest.fixture
def department_user(hospital):
    return member(
        hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital, name="放射科")
    )


@pytest.fixture
def platform_admin(db):
    from weibao.testing.factories import PlatformOrgFactory

    return member(PlatformOrgFactory(), Role.PLATFORM_ADMIN)


def _client_for(user):
    """A client logged in as ``user``; for a user who has or needs a second factor, a session that
    gave it (a platform or hospital admin gets an authenticator)."""
    from django.test import Client

    from weibao.accounts.mfa import has_device, mfa_required
    from weibao.testing.mfa import verify_session

    c = Client()
    c.force_login(user)
    if mfa_required(user) or has_device(user):
        verify_session(c, user)
    return c


@pytest.fixture
def client_for():
    """Build a logged-in Django test client for a user."""
    return _client_for
