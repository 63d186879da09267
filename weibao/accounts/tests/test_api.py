"""The accounts API: tokens, the current user, organisations, memberships, error shapes."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from weibao.accounts.choices import Role
from weibao.accounts.models import ApiToken, Membership
from weibao.testing.factories import DepartmentFactory, member
from weibao.testing.mfa import verify_session

pytestmark = pytest.mark.django_db


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post_json(client, path, payload, **extra):
    return client.post(path, json.dumps(payload), content_type="application/json", **extra)


def test_token_lifecycle(client_for, hospital):
    user = member(hospital, Role.HOSPITAL_ADMIN)
    session = client_for(user)
    created = post_json(session, "/api/v1/tokens", {"name": "PACS 集成"})
    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith("wb_")
    stored = ApiToken.objects.get()
    assert stored.key_hash != raw and raw not in stored.key_hash and stored.key_hint == raw[-4:]
    anon = Client()
    me = anon.get("/api/v1/me", **bearer(raw))
    assert me.status_code == 200 and me.json()["username"] == user.username
    assert me.json()["memberships"][0]["role"] == "hospital_admin"
    listed = session.get("/api/v1/tokens").json()["items"]
    assert "token" not in listed[0] and listed[0]["key_hint"] == raw[-4:]
    assert session.delete(f"/api/v1/tokens/{stored.pk}").status_code == 200
    denied = anon.get("/api/v1/me", **bearer(raw))
    assert denied.status_code == 401
    assert denied.json() == {"detail": denied.json()["detail"], "code": "unauthorized"}


def test_unauthenticated_and_bad_tokens_get_json_401():
    client = Client()
    for headers in ({}, bearer("wb_nonsense"), {"HTTP_AUTHORIZATION": "Basic abc"}):
        response = client.get("/api/v1/me", **headers)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


def test_organisation_endpoints_and_validation(client_for, hospital, platform_admin):
    admin = client_for(platform_admin)
    ok = post_json(
        admin, "/api/v1/organizations", {"name": "新医院", "short_code": "XYY", "kind": "hospital"}
    )
    assert ok.status_code == 201 and ok.json()["short_code"] == "XYY"
    duplicate = post_json(
        admin, "/api/v1/organizations", {"name": "新医院", "short_code": "XYY", "kind": "hospital"}
    )
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "invalid"
    bad_kind = post_json(admin, "/api/v1/organizations", {"name": "x医院", "short_code": "AB", "kind": "zoo"})
    assert bad_kind.status_code == 422 and bad_kind.json()["code"] == "validation_error"
    bad_code = post_json(
        admin, "/api/v1/organizations", {"name": "x医院", "short_code": "中文", "kind": "vendor"}
    )
    assert bad_code.status_code == 422
    not_json = admin.post("/api/v1/organizations", "{not json", content_type="application/json")
    assert 400 <= not_json.status_code < 500 and "code" in not_json.json()
    assert admin.get("/api/v1/organizations/999999").json()["code"] == "not_found"
    listed = admin.get("/api/v1/organizations?limit=2")
    assert listed.status_code == 200 and len(listed.json()["items"]) == 2 and listed.json()["next_cursor"]
    assert admin.get("/api/v1/organizations?limit=abc").status_code == 422


def test_only_platform_admins_create_organisations(client_for, hospital):
    admin = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    response = post_json(
        admin, "/api/v1/organizations", {"name": "某医院", "short_code": "MYY", "kind": "hospital"}
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_hospital_admin_manages_members(client_for, hospital):
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    dept = DepartmentFactory(hospital=hospital, name="超声科")
    c = client_for(admin)
    created = post_json(
        c,
        "/api/v1/memberships",
        {
            "organization_id": hospital.pk,
            "role": "department_user",
            "department_id": dept.pk,
            "username": "us-li",
            "display_name": "李医生",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["initial_password"] and body["role"] == "department_user"
    wrong_role = post_json(
        c,
        "/api/v1/memberships",
        {"organization_id": hospital.pk, "role": "vendor_engineer", "username": "someone"},
    )
    assert wrong_role.status_code == 400 and "role" in wrong_role.json()["detail"]
    no_dept = post_json(
        c,
        "/api/v1/memberships",
        {"organization_id": hospital.pk, "role": "department_user", "username": "someone2"},
    )
    assert no_dept.status_code == 400 and "department" in no_dept.json()["detail"]
    ids = [m["id"] for m in c.get("/api/v1/memberships").json()["items"]]
    assert body["id"] in ids
    assert c.delete(f"/api/v1/memberships/{body['id']}").json()["is_active"] is False
    assert Membership.objects.get(pk=body["id"]).is_active is False


def test_memberships_are_admin_only(client_for, hospital):
    user = member(hospital, Role.DEPARTMENT_USER)
    response = client_for(user).get("/api/v1/memberships")
    assert response.status_code == 403


def test_session_api_calls_need_csrf_for_writes(hospital):
    user = member(hospital, Role.HOSPITAL_ADMIN)
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    verify_session(c, user)
    assert c.get("/api/v1/me").status_code == 200
    response = post_json(c, "/api/v1/tokens", {"name": "x"})
    assert response.status_code in (401, 403)
    assert not ApiToken.objects.exists()


def test_openapi_schema_is_valid_and_declares_errors(client):
    from openapi_spec_validator import validate

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    duplicated = []

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        duplicated.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(pairs)

    # The docs page parses the schema as YAML, which refuses a key given twice (200 and "200").
    schema = json.loads(response.content, object_pairs_hook=no_duplicates)
    assert not duplicated, duplicated
    validate(schema)
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            assert {"401", "404", "422"} <= set(op["responses"]), f"{method} {path} lacks error responses"


def test_docs_page_is_served_locally(client, hospital_admin):
    client.force_login(hospital_admin)
    verify_session(client, hospital_admin)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert not re.search(r"(src|href)=\"https?://", html), "the docs page must not load assets from elsewhere"


def test_token_user_is_cached_but_never_outlives_a_change(hospital, other_hospital, settings):
    """The second request with a token reads neither the token nor the memberships again; revoking
    the token, deactivating the user or moving them to another hospital takes effect at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from weibao.accounts.services import api_token_create

    user = member(hospital, Role.HOSPITAL_ADMIN)
    _token, raw = api_token_create(user=user, name="接口")
    anon = Client()
    assert anon.get("/api/v1/me", **bearer(raw)).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert anon.get("/api/v1/me", **bearer(raw)).json()["username"] == user.username
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert "accounts_apitoken" not in tables and "accounts_membership" not in tables

    membership = user.memberships.get()
    membership.organization = other_hospital
    membership.save()
    moved = anon.get("/api/v1/me", **bearer(raw)).json()
    assert [m["organization_id"] for m in moved["memberships"]] == [other_hospital.pk]

    user.is_active = False
    user.save()
    assert anon.get("/api/v1/me", **bearer(raw)).status_code == 401
    user.is_active = True
    user.save()
    assert anon.get("/api/v1/me", **bearer(raw)).status_code == 200
    ApiToken.objects.get().delete()
    assert anon.get("/api/v1/me", **bearer(raw)).status_code == 401


def test_scope_generation_crosses_processes_through_a_file(settings, tmp_path, monkeypatch):
    """With the embedded per-process cache, another process's change is seen through the
    generation file's modification time."""
    import os

    from weibao.core.cache import generation as generations
    from weibao.core.cache.generation import generation, invalidate_scopes

    monkeypatch.setattr(generations, "_shared_cache", lambda: False)  # as without Redis
    settings.VAR_DIR = tmp_path
    assert generation() == 0
    invalidate_scopes()
    first = generation()
    invalidate_scopes()
    assert generation() > first > 0
    stamp = generation() + 1_000_000
    os.utime(tmp_path / "scope.generation", ns=(stamp, stamp))  # what another process does
    assert generation() == stamp


def test_a_sign_in_starts_no_new_scope_generation(client, settings, tmp_path, monkeypatch, hospital):
    """Signing in writes ``last_login`` alone: nobody's scope changes, so every kept scope and
    home figure stays; a change that matters (deactivating the user) starts a new generation."""
    from weibao.core.cache import generation as generations
    from weibao.core.cache.generation import generation

    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(generations, "_shared_cache", lambda: False)
    user = member(hospital, Role.DEPARTMENT_USER)
    user.set_password("a-long-Passw0rd!")
    user.save()
    before = generation()
    assert (
        client.post(
            "/accounts/login/", {"username": user.username, "password": "a-long-Passw0rd!"}
        ).status_code
        == 302
    )
    user.refresh_from_db()
    assert user.last_login is not None
    assert generation() == before
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert generation() > before
