"""Doing an inspection through its services: start, fill (thresholds → 异常), a ticket from an
abnormal item, findings, both signatures → done and frozen, who may do what, 自动巡检 from probe
result dicts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from weibao.audit.models import AuditEvent
from weibao.inspections import doing
from weibao.inspections.choices import InspectionState, ItemResult, ItemSource
from weibao.inspections.models import Inspection, InspectionItem
from weibao.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db

PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def _start(due, people, mode="onsite"):
    return doing.inspection_start(actor=people["engineer"], inspection=due, mode=mode)


def _item(inspection, code):
    return InspectionItem.objects.get(inspection=inspection, code=code)


def _fill_all(inspection, user):
    for area in inspection.items.values_list("area", flat=True).distinct():
        doing.inspection_area_all_ok(actor=user, inspection=inspection, area=area)
    for item in inspection.items.filter(result=""):
        if item.kind == "number":
            doing.inspection_item_save(actor=user, item=item, result="", value=Decimal(20))
        else:
            doing.inspection_item_save(actor=user, item=item, result="na", note="无")


def test_starting_materialises_the_checklist_once_in_the_chosen_mode(due, people):
    started = _start(due, people, mode="remote")
    assert (started.state, started.mode, started.started_by) == ("started", "remote", people["engineer"])
    count = started.items.count()
    assert count > 30 and started.items.filter(area="modules").count() == 15  # seed 000's 15 modules
    again = _start(due, people)
    assert again.items.count() == count and again.mode == "remote"
    assert AuditEvent.objects.filter(action="inspection.start").count() == 1


def test_a_number_outside_its_thresholds_is_abnormal_whatever_was_chosen(due, people):
    inspection = _start(due, people)
    temp = _item(inspection, "room_temperature")
    saved = doing.inspection_item_save(
        actor=people["engineer"], item=temp, result="ok", value=Decimal("30.5")
    )
    assert saved.result == ItemResult.ABNORMAL and saved.value == Decimal("30.5")
    saved = doing.inspection_item_save(
        actor=people["engineer"], item=temp, result="abnormal", value=Decimal(22)
    )
    assert saved.result == ItemResult.OK and saved.source == ItemSource.PERSON
    with pytest.raises(ValidationError, match="请填写数值"):
        doing.inspection_item_save(actor=people["engineer"], item=temp, result="ok")
    with pytest.raises(ValidationError, match="不填数值"):
        doing.inspection_item_save(
            actor=people["engineer"], item=_item(inspection, "pacs/dicom_echo"), result="ok", value=Decimal(1)
        )
    na = doing.inspection_item_save(actor=people["engineer"], item=temp, result="na", note="机房改造中")
    assert (na.result, na.value, na.note) == ("na", None, "机房改造中")


def test_a_photo_goes_through_the_upload_check(due, people):
    inspection = _start(due, people)
    photo = _item(inspection, "room_photo")
    with pytest.raises(ValidationError, match="只接受"):
        doing.inspection_item_save(
            actor=people["engineer"],
            item=photo,
            result="",
            photo=SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream"),
        )
    with pytest.raises(ValidationError, match="图片"):
        doing.inspection_item_save(
            actor=people["engineer"],
            item=photo,
            result="",
            photo=SimpleUploadedFile("x.txt", b"log", "text/plain"),
        )
    saved = doing.inspection_item_save(
        actor=people["engineer"],
        item=photo,
        result="",
        photo=SimpleUploadedFile("room.png", b"\x89PNG..", "image/png"),
    )
    assert saved.result == "ok" and saved.photo.name.endswith(".png") and saved.photo.read() == b"\x89PNG.."


def test_an_abnormal_item_becomes_one_linked_ticket(due, people):
    inspection = _start(due, people)
    item = _item(inspection, "pacs/archive_usage")
    with pytest.raises(ValidationError, match="只有结果为异常"):
        doing.inspection_item_ticket(actor=people["engineer"], item=item)
    doing.inspection_item_save(actor=people["engineer"], item=item, result="", value=Decimal(93))
    ticket = doing.inspection_item_ticket(actor=people["engineer"], item=item)
    assert ticket.title == "巡检异常：影像存储使用率"
    assert ticket.contract_id == inspection.contract_id and ticket.system_id == item.system_id
    assert ticket.channel == "onsite" and "93 %" in ticket.description
    assert _item(inspection, "pacs/archive_usage").ticket_id == ticket.pk
    assert doing.inspection_item_ticket(actor=people["engineer"], item=item) == ticket
    assert Ticket.objects.filter(contract=inspection.contract).count() == 1


def test_who_may_fill_and_sign(due, people):
    for who in ("admin", "department"):
        with pytest.raises(PermissionDenied):
            doing.inspection_start(actor=people[who], inspection=due, mode="onsite")
    inspection = doing.inspection_start(actor=people["manager"], inspection=due, mode="onsite")
    item = _item(inspection, "pacs/dicom_echo")
    for who in ("admin", "department"):
        with pytest.raises(PermissionDenied):
            doing.inspection_item_save(actor=people[who], item=item, result="ok")
    with pytest.raises(PermissionDenied):
        doing.inspection_sign(actor=people["engineer"], inspection=inspection, side="hospital", name="赵工")
    with pytest.raises(PermissionDenied):
        doing.inspection_sign(actor=people["admin"], inspection=inspection, side="vendor", name="张工")
    with pytest.raises(PermissionDenied):
        doing.inspection_sign(actor=people["department"], inspection=inspection, side="hospital", name="李")


def test_both_signatures_make_it_done_and_frozen(due, people):
    inspection = _start(due, people)
    with pytest.raises(ValidationError, match="未填写"):
        doing.inspection_sign(actor=people["engineer"], inspection=inspection, side="vendor", name="赵工")
    with pytest.raises(ValidationError, match="先由厂商"):
        doing.inspection_sign(actor=people["admin"], inspection=inspection, side="hospital", name="张工")
    _fill_all(inspection, people["engineer"])
    doing.inspection_findings_save(
        actor=people["engineer"], inspection=inspection, findings="存储使用率偏高", recommendations="扩容"
    )
    with pytest.raises(ValidationError, match="PNG"):
        doing.inspection_sign(
            actor=people["engineer"],
            inspection=inspection,
            side="vendor",
            name="赵工",
            signature="data:text/plain,x",
        )
    vendor = doing.inspection_sign(
        actor=people["engineer"], inspection=inspection, side="vendor", name="赵工", signature=PNG
    )
    assert bytes(vendor.image).startswith(doing.PNG_MAGIC) and vendor.signed_on == timezone.localdate()
    with pytest.raises(doing.InspectionLocked):
        doing.inspection_item_save(
            actor=people["engineer"], item=_item(inspection, "pacs/dicom_echo"), result="na"
        )
    hospital = doing.inspection_sign(
        actor=people["admin"], inspection=inspection, side="hospital", name="张工"
    )
    assert hospital.image is None
    done = Inspection.objects.get(pk=inspection.pk)
    assert (done.state, done.done_by) == (InspectionState.DONE, people["admin"]) and done.done_at
    item = _item(done, "pacs/dicom_echo")
    refused = [
        lambda: doing.inspection_item_save(actor=people["engineer"], item=item, result="abnormal"),
        lambda: doing.inspection_area_all_ok(actor=people["engineer"], inspection=done, area="server"),
        lambda: doing.inspection_findings_save(
            actor=people["engineer"], inspection=done, findings="x", recommendations=""
        ),
        lambda: doing.inspection_sign(actor=people["manager"], inspection=done, side="vendor", name="王"),
        lambda: doing.inspection_start(actor=people["engineer"], inspection=done, mode="onsite"),
        lambda: doing.inspection_item_ticket(actor=people["engineer"], item=item),
        lambda: doing.inspection_autofill(done, []),
    ]
    for write in refused:
        with pytest.raises(doing.InspectionFrozen, match="冻结"):
            write()
    assert _item(done, "pacs/dicom_echo").result == "ok"
    assert Inspection.objects.get(pk=done.pk).findings == "存储使用率偏高"


def test_autofill_fills_probe_items_and_leaves_what_a_person_filled(due, people):
    inspection = _start(due, people)
    system_id = _item(inspection, "pacs/dicom_echo").system_id
    person = _item(inspection, "pacs/db_reachable")
    doing.inspection_item_save(
        actor=people["engineer"], item=person, result="abnormal", note="现场发现连接慢"
    )
    now = timezone.now()

    def result(kind, metric, state, value=None, message="", at=now, system=system_id):
        return {
            "probe_kind": kind,
            "metric": metric,
            "state": state,
            "value": value,
            "message": message,
            "at": at,
            "system_id": system,
        }

    results = [
        result("dicom-echo", "time", "OK", 0.004, "C-ECHO ok in 4 ms"),
        result("tls", "days_left", "WARN", 12.5, "certificate expires in 12 days"),
        result("tls", "days_left", "OK", 80, "older reading", at=now - timedelta(hours=3)),
        result("backup", "age", "CRIT", 3 * 86400, "backup is 72.0 h old"),
        result("sql", "value", "OK", 5, "query returned 5"),  # db_sessions; not db_reachable (a person's)
        result("hl7", "time", "UNKNOWN", None, "bad configuration"),
        result(
            "dicom-worklist", "items", "OK", 9, "worklist has 9", system=system_id + 999
        ),  # another system
    ]
    assert doing.inspection_autofill(inspection, results) == 4
    echo = _item(inspection, "pacs/dicom_echo")
    assert (echo.result, echo.value, echo.note, echo.source) == (
        "ok",
        None,
        "自动巡检：C-ECHO ok in 4 ms",
        "probe",
    )
    tls = _item(inspection, "pacs/tls_days_left")
    assert (tls.result, tls.value) == ("abnormal", Decimal("12.5"))
    backup = _item(inspection, "pacs/backup_age")
    assert (backup.result, backup.value) == ("abnormal", Decimal(72))
    assert _item(inspection, "pacs/db_sessions").value == Decimal(5)
    kept = _item(inspection, "pacs/db_reachable")
    assert (kept.result, kept.note, kept.source) == ("abnormal", "现场发现连接慢", "person")
    assert (
        _item(inspection, "pacs/hl7_ack").result == ""
        and _item(inspection, "pacs/worklist_items").result == ""
    )
    later = [result("tls", "days_left", "OK", 60, "renewed", at=now + timedelta(minutes=5))]
    assert doing.inspection_autofill(inspection, later) == 1
    assert _item(inspection, "pacs/tls_days_left").result == "ok"
