"""Reports from the QR-code phone form: one transaction for the ticket and its photo."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from weibao.audit.models import AuditEvent
from weibao.servicedesk.attachments import MAX_ATTACHMENT_BYTES
from weibao.servicedesk.models import Attachment, Ticket, TicketEvent
from weibao.servicedesk.reporting import report_term, ticket_report

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

REFUSED_PHOTOS = [
    # (name, content type, size, what)
    ("setup.exe", "application/x-msdownload", 100, "a program, not a picture"),
    ("shot.png", "image/png", MAX_ATTACHMENT_BYTES + 1, "over 10 MB"),
]


def photo(
    name: str = "shot.png", content_type: str = "image/png", size: int = len(PNG)
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (PNG * (size // len(PNG) + 1))[:size], content_type=content_type)


def test_a_report_falls_under_the_fault_term_with_its_photo(seed, people):
    contract = seed("drg-wuhan")
    ticket = ticket_report(actor=people["doctor"], contract=contract, title="工作站蓝屏", photo=photo())
    assert ticket.term == report_term(contract) and ticket.term.category == "fault"
    assert ticket.channel == "qr_form" and ticket.department == people["radiology"]
    assert [a.name for a in ticket.attachments.all()] == ["shot.png"]


@pytest.mark.parametrize(
    ("name", "content_type", "size", "what"), REFUSED_PHOTOS, ids=[r[3] for r in REFUSED_PHOTOS]
)
def test_a_refused_photo_leaves_no_ticket(seed, people, name, content_type, size, what):
    contract = seed("drg-wuhan")
    with pytest.raises(ValidationError) as refused:
        ticket_report(
            actor=people["doctor"],
            contract=contract,
            title="工作站蓝屏",
            photo=photo(name, content_type, size),
        )
    assert "photo" in refused.value.message_dict, what
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists() and not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="ticket.").exists()


def test_the_phone_form_shows_a_refused_photo_and_makes_no_ticket(client_for, seed, people):
    contract = seed("drg-wuhan")
    client = client_for(people["doctor"])
    url = f"{reverse('servicedesk:mobile_report')}?c={contract.pk}"
    # Without the form's one-time token too: the ticket and its photo are one transaction anyway.
    for token in ({}, {"submit_token": "once"}):
        data = {"title": "扫码报修", "description": "", "location": "2楼", "phone": "", **token}
        response = client.post(url, {**data, "photo": photo("setup.exe", "application/x-msdownload", 100)})
        assert response.status_code == 200
        assert "只接受截图" in response.content.decode()
        assert not Ticket.objects.exists()
    made = client.post(url, {**data, "photo": photo()})
    assert made.status_code == 302
    ticket = Ticket.objects.get()
    assert made["Location"] == reverse("servicedesk:report_done", args=[ticket.pk])
    assert ticket.attachments.count() == 1


@pytest.mark.parametrize(("name", "content_type", "size", "what"), REFUSED_PHOTOS)
def test_a_reply_with_a_refused_file_is_not_posted(client_for, seed, people, name, content_type, size, what):
    """The reply and its files are one: a refused file leaves no reply, no attachment and no
    notice, and the page says why."""
    from weibao.servicedesk import services

    contract = seed("drg-wuhan")
    ticket = services.ticket_create(
        actor=people["doctor"], contract=contract, term=report_term(contract), title="打印机卡纸"
    )
    before = TicketEvent.objects.filter(ticket=ticket).count()
    client = client_for(people["doctor"])
    response = client.post(
        reverse("servicedesk:ticket_comment", args=[ticket.pk]),
        {"body": "补充一张截图", "files": [photo(name, content_type, size)]},
        follow=True,
    )
    page = response.content.decode()
    assert "回复未发送" in page, what
    assert TicketEvent.objects.filter(ticket=ticket).count() == before
    assert not TicketEvent.objects.filter(ticket=ticket, body="补充一张截图").exists()
    assert not Attachment.objects.filter(ticket=ticket).exists()
    # The same reply with an accepted file goes through, file and all.
    client.post(
        reverse("servicedesk:ticket_comment", args=[ticket.pk]),
        {"body": "补充一张截图", "files": [photo()]},
    )
    assert TicketEvent.objects.filter(ticket=ticket, body="补充一张截图").count() == 1
    assert [a.name for a in Attachment.objects.filter(ticket=ticket)] == ["shot.png"]


def test_the_phone_form_asks_how_bad_it_is_when_the_contract_times_faults_by_class(seed, people, client_for):
    """Seed 004's fault terms take their deadlines from the fault class: a QR report names one in
    the contract's words, or is refused with a clear message and nothing saved."""
    from django.urls import reverse

    from weibao.servicedesk.models import Ticket

    contract = seed("regional-zhenhai")
    system = contract.systems.first()
    client = client_for(people["doctor"])
    url = reverse("servicedesk:mobile_report") + f"?d={people['radiology'].pk}&s={system.pk}"
    page = client.get(url).content.decode()
    assert "影响有多大？" in page and "一级故障：" in page and "二级故障：" in page
    refused = client.post(url, {"title": "区域平台无法调阅", "submit_token": "a"})
    assert refused.status_code == 200 and "请选择影响程度。" in refused.content.decode()
    assert not Ticket.objects.exists()
    level1 = contract.severities.get(code="level1")
    done = client.post(url, {"title": "区域平台无法调阅", "severity": str(level1.order), "submit_token": "b"})
    assert done.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.severity == level1 and ticket.clocks.exists()
