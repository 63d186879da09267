"""Helpers of the backup tests: fill an installation with tickets, and describe one (what a
restore must give back) — in this process, or in another one pointed at a restored copy."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

ADMIN = "backup-hospital-admin"
ENGINEER = "backup-engineer"
PATIENTS = ["ZY20260301001", "ZY20260301002"]


def populate(*, tickets: int, attach_every: int = 3) -> dict[str, Any]:
    """A hospital with a seed contract, ``tickets`` tickets (some responded, every
    ``attach_every``-th with an attachment) and a data-change record with patient identifiers."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from weibao.accounts.choices import Role
    from weibao.contracts.services import contract_create_from_template
    from weibao.contracts.template_loader import get_template
    from weibao.servicedesk import records
    from weibao.servicedesk.attachments import attachment_add
    from weibao.servicedesk.services import ticket_create
    from weibao.testing.factories import HospitalFactory, VendorFactory, member

    hospital = HospitalFactory(name="备份测试医院")
    vendor = VendorFactory(name="备份测试公司")
    admin = member(hospital, Role.HOSPITAL_ADMIN, username=ADMIN)
    engineer = member(vendor, Role.VENDOR_ENGINEER, username=ENGINEER)
    contract = contract_create_from_template(
        actor=None,
        template=get_template("drg-wuhan"),
        hospital=hospital,
        vendor=vendor,
        start=date(2026, 1, 1),
        amount=Decimal("100000"),
        code="T-backup",
    )
    terms = list(contract.terms.order_by("number")[:3])
    for i in range(tickets):
        ticket = ticket_create(
            actor=engineer,
            contract=contract,
            term=terms[i % len(terms)],
            title=f"备份测试工单 {i}",
            description="系统无法登录" * (1 + i % 3),
            caller_name="张医生",
            caller_phone="13800000000",
            respond=i % 2 == 0,
        )
        if i % attach_every == 0:
            content = f"日志 {i}\n".encode() * (50 + i)
            attachment_add(
                actor=engineer,
                ticket=ticket,
                upload=SimpleUploadedFile(f"log-{i}.txt", content, content_type="text/plain"),
            )
    records.data_change_request(
        actor=engineer,
        contract=contract,
        kind="adjustment",
        reason="病案首页诊断编码录入错误",
        patient_ids=PATIENTS,
        tables="emr_front_page",
        before="J18.900",
        after="J18.000",
    )
    # The hospital admin signs in with a second factor: the device is part of what is backed up.
    from weibao.testing.mfa import totp_device

    totp_device(admin)
    # Anchor the chain as the daily job would: the backup carries the anchor, restore checks it.
    from weibao.audit.services import audit_anchor

    audit_anchor()
    return {"hospital": hospital, "contract": contract, "engineer": engineer, "admin": admin}


def _xlsx_parts(data: bytes) -> dict[str, str]:
    """The workbook's parts by hash, but for the one holding the export time."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {
            name: hashlib.sha256(z.read(name)).hexdigest()
            for name in sorted(z.namelist())
            if name != "docProps/core.xml"
        }


def describe() -> dict[str, Any]:
    """What a restored installation must give back: every table's row count, the ticket ledger
    export (all but its time), each attachment as downloaded, the decrypted patient identifiers,
    and the audit chain's verification."""
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from weibao.accounts.models import User
    from weibao.audit.services import audit_verify
    from weibao.servicedesk.ledger import export_queryset, export_xlsx
    from weibao.servicedesk.models import Attachment, DataChange, Ticket
    from weibao.testing.mfa import verify_session

    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(tables):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    ledger = _xlsx_parts(export_xlsx(export_queryset(Ticket.objects.order_by("id"))))
    client = Client()
    client.force_login(User.objects.get(username=ADMIN))
    verify_session(client, User.objects.get(username=ADMIN))  # the device populate() made
    downloads = {}
    for attachment in Attachment.objects.order_by("id"):
        response = client.get(reverse("servicedesk:attachment_download", args=[attachment.pk]))
        body = b"".join(response.streaming_content) if response.status_code == 200 else b""
        downloads[str(attachment.pk)] = [response.status_code, hashlib.sha256(body).hexdigest(), len(body)]
    verify = audit_verify()
    return {
        "counts": counts,
        "ledger": ledger,
        "downloads": downloads,
        "patients": [r.get_patient_ids() for r in DataChange.objects.order_by("id")],
        "audit": [verify.ok, verify.checked, verify.reason],
    }


def describe_elsewhere(*, database_url: str, var_dir: Path) -> dict[str, Any]:
    """:func:`describe` run in a new process on another installation."""
    code = (
        "import django, json; django.setup(); "
        "from weibao.backups.tests.installation import describe; print(json.dumps(describe()))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WEIBAO_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "weibao.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
