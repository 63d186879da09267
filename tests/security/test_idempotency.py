"""A retried report makes one ticket: the API's Idempotency-Key, the report form and the phone QR
form submitted twice (issue 12)."""

from __future__ import annotations

import os
import re

import pytest

ON_POSTGRESQL = bool(os.environ.get("DATABASE_URL"))


# --- 5 (cont.). A retried POST /api/v1/tickets creates a second ticket ------------------------------


@pytest.fixture
def reporter(hospital):
    from weibao.accounts.choices import Role
    from weibao.testing.factories import member

    return member(hospital, Role.HOSPITAL_ADMIN)


def _api(user):
    from django.test import Client

    from weibao.accounts.services import api_token_create

    _, raw = api_token_create(user=user, name="重试")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_retried_api_report_with_an_idempotency_key_makes_one_ticket(contract, reporter):
    """Issue 12: a retried `POST /api/v1/tickets` after a connection reset created a second
    ticket. With the same Idempotency-Key the retry gets the first answer, byte for byte."""
    from weibao.servicedesk.models import Ticket

    client = _api(reporter)
    body = {"contract_id": contract.pk, "term_id": contract.terms.get(number=1).pk, "title": "断网重试"}

    def post(payload, key="8c1f1c1e-4c2f-4d38-9a51-0d2f1b9f0a77", c=client):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        return c.post("/api/v1/tickets", payload, content_type="application/json", **headers)

    first = post(body)
    assert first.status_code == 201
    again = post(body)
    assert again.status_code == 201 and again.content == first.content
    assert Ticket.objects.filter(title="断网重试").count() == 1

    other = post({**body, "title": "另一张"})
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    assert not Ticket.objects.filter(title="另一张").exists()

    # Another user's identical key is theirs alone; no key means no protection asked for.
    from weibao.accounts.choices import Role
    from weibao.testing.factories import member

    colleague = _api(member(contract.hospital, Role.HOSPITAL_ADMIN))
    assert post(body, c=colleague).status_code == 201
    assert post(body, key=None).status_code == 201
    assert Ticket.objects.filter(title="断网重试").count() == 3
    assert post(body, key="k" * 256).status_code == 422  # longer than any key kept

    # After 24 hours a key is forgotten.
    from datetime import timedelta

    from weibao.core.models import IdempotencyKey

    IdempotencyKey.objects.update(created_at=first_time_minus(timedelta(hours=25)))
    assert post(body).status_code == 201
    assert Ticket.objects.filter(title="断网重试").count() == 4


def first_time_minus(delta):
    from django.utils import timezone

    return timezone.now() - delta


def test_the_idempotency_key_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    params = schema["paths"]["/api/v1/tickets"]["post"]["parameters"]
    (header,) = [p for p in params if p["in"] == "header"]
    assert header["name"] == "Idempotency-Key" and not header.get("required")
    assert "24 小时" in header["description"]


@pytest.mark.parametrize(
    ("url_name", "extra"),
    [
        ("servicedesk:ticket_new", {"channel": "web"}),
        (
            "servicedesk:ticket_phone",
            {"channel": "phone", "caller_name": "张三", "caller_phone": "13800000000"},
        ),
    ],
)
def test_a_resubmitted_report_form_shows_the_first_ticket(client_for, contract, reporter, url_name, extra):

    from django.urls import reverse

    from weibao.servicedesk.models import Ticket

    client = client_for(reporter)
    page = client.get(reverse(url_name))
    token = re.search(r'name="submit_token" value="([^"]+)"', page.content.decode()).group(1)
    data = {
        "contract": contract.pk,
        "term": contract.terms.get(number=1).pk,
        "title": "双击提交",
        "description": "",
        "submit_token": token,
        **extra,
    }
    first = client.post(reverse(url_name), data)
    assert first.status_code == 302, first.content.decode()[:2000]
    second = client.post(reverse(url_name), data, follow=True)
    ticket = Ticket.objects.get(title="双击提交")
    assert second.redirect_chain[-1][0] == reverse("servicedesk:ticket_detail", args=[ticket.pk])
    assert "未重复建单" in second.content.decode()
    # A new form is a new report.
    token2 = re.search(r'name="submit_token" value="([^"]+)"', client.get(reverse(url_name)).content.decode())
    assert token2.group(1) != token
    client.post(reverse(url_name), {**data, "submit_token": token2.group(1)})
    assert Ticket.objects.filter(title="双击提交").count() == 2


def test_a_resubmitted_phone_qr_report_shows_the_first_ticket(client_for, contract, hospital):

    from django.urls import reverse

    from weibao.accounts.choices import Role
    from weibao.servicedesk.models import Ticket
    from weibao.testing.factories import DepartmentFactory, member

    user = member(hospital, Role.DEPARTMENT_USER, department=DepartmentFactory(hospital=hospital))
    client = client_for(user)
    url = f"{reverse('servicedesk:mobile_report')}?c={contract.pk}"
    token = re.search(r'name="submit_token" value="([^"]+)"', client.get(url).content.decode()).group(1)
    data = {
        "title": "扫码报修",
        "description": "打印机卡纸",
        "location": "2楼",
        "phone": "",
        "submit_token": token,
    }
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    second = client.post(url, data)
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert Ticket.objects.filter(title="扫码报修").count() == 1
