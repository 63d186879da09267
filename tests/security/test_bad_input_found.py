"""The 500s found by trying Weibao as a careless client would (issue 12, "Why" item 8), each
request as it was found, each now answered with a 4xx and a clear message: JSON
``{"detail", "code"}`` in the API, a Chinese page or form error in the UI, one line on standard
error and exit status 2 on the command line."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from weibao.accounts.choices import Role
from weibao.contracts.models import Endpoint, MaintainedSystem
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import get_template
from weibao.servicedesk import services as desk
from weibao.testing.factories import HospitalFactory, PlatformOrgFactory, VendorFactory, member

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # beyond 64 bits


@pytest.fixture
def world():
    hospital, vendor = HospitalFactory(), VendorFactory()
    contract = contract_create_from_template(
        actor=None,
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        amount=Decimal("100000"),
        code="T-BAD",
    )
    admin = member(hospital, Role.HOSPITAL_ADMIN)
    term = contract.terms.get(number=10)
    ticket = desk.ticket_create(actor=admin, contract=contract, term=term, title="DRG 分组器报错")
    return {
        "hospital": hospital,
        "contract": contract,
        "admin": admin,
        "term": term,
        "ticket": ticket,
        "platform": member(PlatformOrgFactory(), Role.PLATFORM_ADMIN),
    }


def api_error(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "code"}, body
    return body


def send(client, method: str, path: str, payload=None):
    if payload is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, json.dumps(payload), content_type="application/json")


# --- integers beyond 64 bits ----------------------------------------------------------------------

LISTS = [
    f"/api/v1/tickets?hospital={HUGE}",
    f"/api/v1/tickets?contract={HUGE}",
    f"/api/v1/tickets?system={HUGE}",
    f"/api/v1/tickets?severity={HUGE}",
    f"/api/v1/tickets/export.xlsx?hospital={HUGE}",
    f"/api/v1/contracts?hospital_id={HUGE}",
    f"/api/v1/contracts?limit={HUGE}",
    "/api/v1/contracts?limit=400211503239286097289674752",
    f"/api/v1/systems?limit={HUGE}&hospital_id={HUGE}",
    f"/api/v1/organizations?limit={HUGE}",
    "/api/v1/memberships?organization_id=11&limit=499329140305738334208",
    f"/api/v1/audit-events?limit={HUGE}",
    f"/api/v1/notifications?limit={HUGE}",
    f"/api/v1/robots?organization_id={HUGE}",
    f"/api/v1/data-changes?contract={HUGE}",
    f"/api/v1/change-requests?contract={HUGE}",
    f"/api/v1/tickets/{HUGE}",
    f"/api/v1/contracts/{HUGE}",
    f"/api/v1/systems/{HUGE}/modules",
]


@pytest.mark.parametrize("path", LISTS)
def test_integers_beyond_64_bits_are_refused(world, path):
    body = api_error(Client().get(path, HTTP_AUTHORIZATION=_bearer(world["platform"])), 422)
    assert body["code"] == "validation_error"


def test_integers_beyond_64_bits_in_a_body_are_refused(world, client_for):
    client = client_for(world["admin"])
    path = f"/api/v1/tickets/{world['ticket'].pk}"
    patched = api_error(send(client, "patch", path, {"version": 1, "severity_id": int(HUGE)}), 422)
    marked = api_error(send(client, "post", "/api/v1/notifications/mark-read", {"ids": [int(HUGE)]}), 422)
    assert patched["code"] == marked["code"] == "validation_error"
    world["ticket"].refresh_from_db()
    assert world["ticket"].version == 1


def test_a_forged_cursor_beyond_64_bits_is_refused(world, client_for):
    import base64

    cursor = base64.urlsafe_b64encode(json.dumps(["2026-01-01T00:00:00+08:00", int(HUGE)]).encode())
    response = client_for(world["admin"]).get(f"/api/v1/tickets?cursor={cursor.decode()}")
    assert api_error(response, 400)["code"] == "bad_cursor"


def _bearer(user) -> str:
    from weibao.accounts.services import api_token_create

    return f"Bearer {api_token_create(user=user, name='t')[1]}"


# --- null for fields that cannot be empty ---------------------------------------------------------


@pytest.mark.parametrize("payload", [{"term_id": None}, {"title": None}])
def test_patch_ticket_with_null_for_a_required_field(world, client_for, payload):
    ticket = world["ticket"]
    response = send(
        client_for(world["admin"]), "patch", f"/api/v1/tickets/{ticket.pk}", {"version": 1, **payload}
    )
    body = api_error(response, 422)
    assert body["code"] == "validation_error"
    ticket.refresh_from_db()
    assert ticket.title == "DRG 分组器报错" and ticket.term_id == world["term"].pk


def test_patch_endpoint_with_null_username(world, client_for):
    system = MaintainedSystem.objects.create(
        hospital=world["hospital"], contract=world["contract"], code="pacs", name="PACS", kind="PACS"
    )
    endpoint = Endpoint.objects.create(system=system, name="库", kind="tcp", host="10.0.0.1", port=1521)
    response = send(
        client_for(world["admin"]), "patch", f"/api/v1/endpoints/{endpoint.pk}", {"username": None}
    )
    api_error(response, 422)
    endpoint.refresh_from_db()
    assert endpoint.username == ""


# --- a term tickets use ---------------------------------------------------------------------------


def test_delete_a_term_tickets_use_is_a_conflict(world, client_for):
    term = world["term"]
    body = api_error(client_for(world["admin"]).delete(f"/api/v1/terms/{term.pk}"), 409)
    assert body["code"] == "conflict" and "引用" in body["detail"]
    assert type(term).objects.filter(pk=term.pk).exists()


# --- calendar arithmetic --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration"),
    [
        ("0001-01-01T00:00:00+08:00", "4h"),
        ("9999-12-31T00:00:00+08:00", "4h"),
        ("8999-12-31T00:00:00+08:00", "366d"),
        ("2026-10-08T09:00:00+08:00", "99999wd"),
        ("2026-10-08T09:00:00+08:00", "999999m"),
        ("2026-10-08T09:00:00+08:00", "367d"),
    ],
)
def test_calendar_due_out_of_range(world, client_for, start, duration):
    response = send(
        client_for(world["admin"]),
        "post",
        "/api/v1/calendars/5x8/due",
        {"start": start, "duration": duration},
    )
    body = api_error(response, 400)
    assert body["code"] == "bad_request"


def test_calendar_elapsed_out_of_range(world, client_for):
    response = send(
        client_for(world["admin"]),
        "post",
        "/api/v1/calendars/5x8/elapsed",
        {"start": "0706-06-21T07:21:26Z", "end": "2026-12-04T07:19:06Z"},
    )
    assert api_error(response, 400)["code"] == "bad_request"


def test_a_year_of_working_days_is_still_a_duration(world, client_for):
    response = send(
        client_for(world["admin"]),
        "post",
        "/api/v1/calendars/5x8/due",
        {"start": "2026-10-08T09:00:00+08:00", "duration": "366wd"},
    )
    assert response.status_code == 200, response.content


def test_the_ui_calculator_says_why_in_chinese(world, client_for):
    response = client_for(world["admin"]).post(
        "/calendars/5x8/due/", {"start": "0001-01-01T00:00", "duration": "4h"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "1900" in text or "请填写" in text


# --- bodies -----------------------------------------------------------------------------------------


def test_multipart_without_boundary(world, client_for):
    client = client_for(world["platform"])
    for path in ["/api/v1/tickets/import", f"/api/v1/tickets/{world['ticket'].pk}/attachments"]:
        response = client.generic("POST", path, b"--x\r\nabc", content_type="multipart/form-data")
        body = api_error(response, 400)
        assert body["code"] == "bad_request"
        response = Client().generic(
            "POST",
            path,
            b"--x\r\nabc",
            content_type="multipart/form-data",
            HTTP_AUTHORIZATION=_bearer(world["platform"]),
        )
        api_error(response, 400)


def test_thirteen_megabytes_of_json_is_413(world, client_for):
    blob = json.dumps({"contract_id": 1, "term_id": 1, "title": "x", "description": "x" * (13 * 1024 * 1024)})
    response = client_for(world["admin"]).post("/api/v1/tickets", blob, content_type="application/json")
    body = api_error(response, 413)
    assert body["code"] == "too_large"
    response = Client().post(
        "/api/v1/tickets", blob, content_type="application/json", HTTP_AUTHORIZATION=_bearer(world["admin"])
    )
    assert api_error(response, 413)["code"] == "too_large"


def test_thirteen_megabytes_to_a_page_is_a_chinese_413_page(world, client_for):
    blob = "body=" + "x" * (13 * 1024 * 1024)
    response = client_for(world["admin"]).post(
        f"/tickets/{world['ticket'].pk}/comment/", blob, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "内容太大" in response.content.decode()


def test_an_attachment_of_ten_megabytes_still_uploads(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("big.log", b"x" * (10 * 1024 * 1024 - 1024), content_type="text/plain")
    response = client_for(world["admin"]).post(
        f"/api/v1/tickets/{world['ticket'].pk}/attachments", {"file": upload}
    )
    assert response.status_code == 201, response.content
    assert response.json()["size"] == 10 * 1024 * 1024 - 1024


# --- pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["hospital=²", "created_from=2026-13-45", f"hospital={HUGE}", "created_to=yesterday"]
)
def test_html_filters_with_values_that_mean_nothing(world, client_for, query):
    client = client_for(world["admin"])
    for page in ["/tickets/", "/tickets/risk/", "/tickets/export.xlsx"]:
        response = client.get(f"{page}?{query}")
        assert response.status_code == 400, (page, query, response.status_code)
        assert "筛选条件" in response.content.decode()


def test_html_filters_that_mean_something_still_filter(world, client_for):
    client = client_for(world["admin"])
    response = client.get(f"/tickets/?hospital={world['hospital'].pk}&created_from=2026-01-01")
    assert response.status_code == 200


def test_assign_form_with_a_version_that_is_no_number(world, client_for):
    ticket = world["ticket"]
    client = client_for(world["admin"])
    response = client.post(f"/tickets/{ticket.pk}/assign/", {"assignee": "me", "version": "abc"}, follow=True)
    assert response.status_code == 200
    assert "表单已过期" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee_id is None


def test_assign_form_with_an_assignee_that_is_no_number(world, client_for):
    ticket = world["ticket"]
    response = client_for(world["admin"]).post(
        f"/tickets/{ticket.pk}/assign/", {"assignee": "²", "version": str(ticket.version)}
    )
    assert response.status_code == 302


# --- the command line --------------------------------------------------------------------------------


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    from weibao.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-5"])
def test_cli_contracts_new_with_an_amount_that_is_no_amount(world, capsys, amount):
    code, _out, err = run_cli(
        capsys,
        "contracts",
        "new",
        "--template",
        "drg-wuhan",
        "--hospital",
        str(world["hospital"].pk),
        "--vendor",
        str(world["contract"].vendor_id),
        "--start",
        "2026-01-01",
        "--amount",
        amount,
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "--amount" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["due", "--calendar", "5x8", "--start", "0001-01-01T00:00:00+08:00", "--duration", "4h"],
        ["due", "--calendar", "5x8", "--start", "2026-01-01T00:00:00+08:00", "--duration", "99999wd"],
        ["elapsed", "--calendar", "5x8", "--start", "0001-01-01T00:00:00+08:00", "--end", "2026-01-01"],
    ],
)
def test_cli_sla_out_of_range(world, capsys, argv):
    code, _out, err = run_cli(capsys, "sla", *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_sla_in_range_still_answers(world):
    out = io.StringIO()
    call_command(
        "sla",
        "due",
        "--calendar",
        "5x8",
        "--start",
        "2026-09-30T17:00:00+08:00",
        "--duration",
        "4h",
        stdout=out,
    )
    assert out.getvalue().startswith("2026-10-")


@pytest.mark.parametrize("query", [f"year={HUGE}&month=1", "year=1&month=1", "year=2026&month=13", "year=²"])
def test_calendar_page_with_a_month_that_does_not_exist_shows_this_month(world, client_for, query):
    response = client_for(world["admin"]).get(f"/calendars/5x8/?{query}")
    assert response.status_code == 200
