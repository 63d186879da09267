"""The one cursor pagination: every page walk sees each visible row once, in order, and never
another tenant's; a cursor the list did not hand out is refused with a JSON 4xx, never a 500."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.accounts.models import Department, Organization
from weibao.audit.models import AuditEvent
from weibao.audit.services import audit_record
from weibao.core.pagination import MAX_LIMIT, BadCursor, cursor_page, ordering_keys
from weibao.notifications.models import Notification
from weibao.notifications.selectors import inbox
from weibao.notifications.services import notify
from weibao.testing.factories import CampusFactory, DepartmentFactory, member

pytestmark = pytest.mark.django_db


def walk(client, path: str, limit: int) -> list[dict]:
    """Every item of a list, page after page, checking each page's shape on the way."""
    items, cursor, pages = [], None, 0
    while True:
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert len(body["items"]) == limit  # only the last page may be short
        assert pages < 100


def cursor_of(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# --- walking the pages -------------------------------------------------------------------------


def test_pages_of_a_queryset_hold_every_row_once_in_order(hospital):
    # Ties on the first keys (one hospital, one name in several campuses) are decided by the id.
    for i in range(7):
        DepartmentFactory(hospital=hospital, campus=CampusFactory(hospital=hospital), name="放射科")
        DepartmentFactory(hospital=hospital, name=f"科室 {i % 3}-{i}")
    everything = list(Department.objects.filter(hospital=hospital).order_by("hospital_id", "name", "id"))
    for limit in (1, 2, 3, 13, len(everything), MAX_LIMIT):
        seen, cursor = [], None
        while True:
            rows, cursor = cursor_page(
                Department.objects.filter(hospital=hospital), cursor=cursor, limit=limit
            )
            seen += rows
            if cursor is None:
                break
        assert seen == everything, limit


def test_a_row_added_between_two_pages_moves_nothing(hospital):
    for i in range(4):
        DepartmentFactory(hospital=hospital, name=f"科室 {i}")
    first, cursor = cursor_page(Department.objects.filter(hospital=hospital), cursor=None, limit=2)
    DepartmentFactory(hospital=hospital, name="A 新科室")  # sorts before every row already read
    rest, end = cursor_page(Department.objects.filter(hospital=hospital), cursor=cursor, limit=10)
    assert end is None
    assert [d.name for d in first + rest] == ["科室 0", "科室 1", "科室 2", "科室 3"]


def test_an_annotated_order_pages_like_one_long_list(hospital):
    """The inbox sorts unread first (an annotation), then newest first: same instants tie."""
    user = member(hospital, Role.HOSPITAL_ADMIN)
    made = [
        notify(event="ticket.assigned", recipients=[user], title=f"第 {i} 条", body="", hospital=hospital)[0]
        for i in range(9)
    ]
    instant = timezone.now() - timedelta(hours=1)
    Notification.objects.filter(pk__in=[n.pk for n in made[:6]]).update(created_at=instant)
    Notification.objects.filter(pk__in=[n.pk for n in made[::2]]).update(read_at=instant)
    everything = list(inbox(user=user))
    seen, cursor = [], None
    while True:
        rows, cursor = cursor_page(inbox(user=user), cursor=cursor, limit=2)
        seen += rows
        if cursor is None:
            break
    assert [n.pk for n in seen] == [n.pk for n in everything]
    assert [n.read_at is None for n in seen] == sorted((n.read_at is None for n in seen), reverse=True)


def test_the_api_walks_every_visible_row_and_none_of_another_tenant(client_for, hospital, other_hospital):
    admin_a, admin_b = member(hospital, Role.HOSPITAL_ADMIN), member(other_hospital, Role.HOSPITAL_ADMIN)
    for i in range(12):
        audit_record(action="test.a", actor=admin_a, organization=hospital, detail={"i": i})
        audit_record(action="test.b", actor=admin_b, organization=other_hospital, detail={"i": i})
    for i in range(5):
        DepartmentFactory(hospital=hospital, name=f"科室 {i}")
        DepartmentFactory(hospital=other_hospital, name=f"科室 {i}")
    client = client_for(admin_a)

    events = walk(client, "/api/v1/audit-events", limit=5)
    visible = list(AuditEvent.objects.visible_to(admin_a).values_list("id", flat=True))
    assert [e["id"] for e in events] == visible and len(visible) >= 12
    assert {e["organization_id"] for e in events} <= {hospital.pk, None}
    assert not [e for e in events if e["action"] == "test.b"]
    assert [e["id"] for e in walk(client, "/api/v1/audit-events?action=test.a", limit=5)] == list(
        AuditEvent.objects.filter(action="test.a").values_list("id", flat=True)
    )

    orgs = walk(client, "/api/v1/organizations", limit=1)
    assert [o["id"] for o in orgs] == list(
        Organization.objects.visible_to(admin_a).values_list("id", flat=True)
    )
    assert other_hospital.pk not in {o["id"] for o in orgs}

    departments = walk(client, f"/api/v1/organizations/{hospital.pk}/departments", limit=2)
    assert sorted(d["name"] for d in departments) == [f"科室 {i}" for i in range(5)]
    assert {d["hospital_id"] for d in departments} == {hospital.pk}


def test_a_cursor_of_one_tenant_shows_nothing_of_it_to_another(client_for, hospital, other_hospital):
    """A cursor is a position, not a grant: replayed by another user it reads that user's rows."""
    admin_a, admin_b = member(hospital, Role.HOSPITAL_ADMIN), member(other_hospital, Role.HOSPITAL_ADMIN)
    for i in range(4):
        audit_record(action="test.b", actor=admin_b, organization=other_hospital, detail={"i": i})
    page_b = client_for(admin_b).get("/api/v1/audit-events?limit=1").json()
    assert page_b["next_cursor"]
    page_a = client_for(admin_a).get(f"/api/v1/audit-events?limit=50&cursor={page_b['next_cursor']}").json()
    assert not [e for e in page_a["items"] if e["organization_id"] == other_hospital.pk]


# --- refusals ------------------------------------------------------------------------------------

BAD_CURSORS = [
    # (cursor, what)
    ("garbage", "not base64 JSON"),
    (cursor_of({"a": 1}), "not an array"),
    (cursor_of([1]), "too few keys"),
    (cursor_of(["hospital", "x", 1, 2]), "too many keys"),
    (cursor_of(["hospital", "x", 2**70]), "an id beyond 64 bits"),
    (cursor_of(["hospital", "x", "one"]), "an id that is not a number"),
    (cursor_of(["hospital", "x\u0000y", 1]), "a NUL in a text key"),
    (cursor_of(["hospital", None, 1]), "a null key"),
    (cursor_of(["hospital", ["x"], 1]), "a nested array"),
    ("x" * 3000, "too long"),
]


@pytest.mark.parametrize(("cursor", "what"), BAD_CURSORS, ids=[w for _c, w in BAD_CURSORS])
def test_a_bad_cursor_is_refused_with_400(client_for, hospital, cursor, what):
    response = client_for(member(hospital, Role.HOSPITAL_ADMIN)).get(f"/api/v1/organizations?cursor={cursor}")
    assert response.status_code in (400, 422), (what, response.content)
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["code"] == ("bad_cursor" if response.status_code == 400 else "validation_error"), what


BAD_INSTANTS = [
    ("2026-01-01T00:00:00", "a naive instant"),
    ("0001-01-01T00:00:00+08:00", "an instant before year 1 in UTC"),
    ("2026-02-30T00:00:00+08:00", "a day that does not exist"),
    (12345, "a number for an instant"),
]


@pytest.mark.parametrize(("instant", "what"), BAD_INSTANTS, ids=[w for _i, w in BAD_INSTANTS])
def test_a_cursor_with_a_bad_instant_is_refused(client_for, hospital, instant, what):
    client = client_for(member(hospital, Role.HOSPITAL_ADMIN))
    for path in ("/api/v1/tickets", "/api/v1/tokens", "/api/v1/data-changes"):
        response = client.get(f"{path}?cursor={cursor_of([instant, 1])}")
        assert response.status_code == 400 and response.json()["code"] == "bad_cursor", (path, what)


@pytest.mark.parametrize(
    "query", ["limit=0", f"limit={MAX_LIMIT + 1}", "limit=-1", "limit=x", "cursor=a%20b", "cursor=%00"]
)
def test_a_limit_out_of_range_or_a_cursor_of_other_characters_is_422(client_for, hospital, query):
    response = client_for(member(hospital, Role.HOSPITAL_ADMIN)).get(f"/api/v1/organizations?{query}")
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


def test_cursor_page_refuses_what_it_cannot_order(hospital):
    DepartmentFactory(hospital=hospital)
    with pytest.raises(ImproperlyConfigured):
        ordering_keys(Department.objects.order_by("hospital"))  # by the relation, not hospital_id
    with pytest.raises(ImproperlyConfigured):
        ordering_keys(Department.objects.order_by("?"))
    with pytest.raises(ValueError):
        cursor_page(Department.objects.all(), cursor=None, limit=MAX_LIMIT + 1)
    with pytest.raises(BadCursor):
        cursor_page(Department.objects.all(), cursor="garbage", limit=1)
    # A key that is null in a row has no place in the order: said at once, not a wrong page.
    DepartmentFactory(hospital=hospital, campus=None)
    with pytest.raises(ImproperlyConfigured):
        cursor_page(Department.objects.filter(campus=None).order_by("campus_id"), cursor=None, limit=1)


def test_keys_end_with_the_primary_key_once(db):
    assert [k.order for k in ordering_keys(Department.objects.all())] == ["hospital_id", "name", "id"]
    assert [k.order for k in ordering_keys(AuditEvent.objects.all())] == ["-id"]
    assert [k.order for k in ordering_keys(Organization.objects.order_by("-pk", "name"))] == ["-id"]
    assert [k.order for k in ordering_keys(Organization.objects.order_by())] == ["id"]
