"""Training sessions, sign-in with the QR code's token, feedback, and the period's records."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
import segno
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from weibao.accounts.choices import Role
from weibao.audit.models import AuditEvent
from weibao.testing.factories import AuditorOrgFactory, member
from weibao.training import selectors, services
from weibao.training.models import Trainee

from .conftest import Z

pytestmark = pytest.mark.django_db


def test_sign_in_with_the_token_once_and_feedback(drg):
    s = drg.session
    t = services.trainee_sign_in(actor=drg.user1, session=s, token=s.token)
    assert (t.name, t.department, t.channel) == ("赵护士", "病案科", "qr")
    assert services.trainee_sign_in(actor=drg.user1, session=s, token=s.token).pk == t.pk  # once
    with pytest.raises(ValidationError):
        services.trainee_sign_in(actor=drg.user2, session=s, token="guessed")
    services.trainee_feedback(actor=drg.user1, trainee=t, rating=4, feedback="很实用")
    with pytest.raises(PermissionDenied):
        services.trainee_feedback(actor=drg.user2, trainee=t, rating=1)
    with pytest.raises(ValidationError):
        services.trainee_feedback(actor=drg.user1, trainee=t, rating=6)
    services.sign_in_set_open(actor=drg.trainer, session=s, open_=False)
    with pytest.raises(ValidationError):
        services.trainee_sign_in(actor=drg.user2, session=s, token=s.token)
    assert AuditEvent.objects.filter(action="training.sign_in").count() == 1


def test_an_auditor_or_another_hospital_cannot_sign_in(drg, other_hospital):
    auditor = member(AuditorOrgFactory(), Role.AUDITOR)
    for actor in (auditor, member(other_hospital, Role.DEPARTMENT_USER)):
        with pytest.raises(PermissionDenied):
            services.trainee_sign_in(actor=actor, session=drg.session, token=drg.session.token)


def test_session_input_is_checked(drg):
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            actor=drg.trainer,
            contract=drg.contract,
            kind="party",
            title="",
            trainer="x",
            starts_at=datetime(2026, 11, 1, 9, tzinfo=Z),
            content="",
            duration_minutes=0,
        )
    assert set(exc.value.message_dict) == {"kind", "title", "content", "place", "duration_minutes"}
    with pytest.raises(PermissionDenied):
        services.session_create(
            actor=drg.user1,
            contract=drg.contract,
            kind="operation",
            title="x",
            trainer="x",
            starts_at=datetime(2026, 11, 1, 9, tzinfo=Z),
            content="x",
            remote=True,
        )


def test_the_records_of_a_period_are_the_sessions_begun_in_it(drg):
    services.trainee_sign_in(actor=drg.user1, session=drg.session, token=drg.session.token)
    later = services.session_create(
        actor=drg.trainer,
        contract=drg.contract,
        kind="maintenance",
        title="系统维护培训",
        trainer="王讲师",
        starts_at=datetime(2027, 1, 1, 0, 0, tzinfo=Z),  # the first instant of the next quarter
        remote=True,
        content="日常维护",
    )
    q4 = list(selectors.training_records(drg.contract, date(2026, 10, 1), date(2027, 1, 1)))
    assert [s.pk for s in q4] == [drg.session.pk] and q4[0].trainee_count == 1
    q1 = list(selectors.training_records(drg.contract, date(2027, 1, 1), date(2027, 4, 1)))
    assert [s.pk for s in q1] == [later.pk]


def test_the_pages_qr_sign_in_feedback_and_records(drg, client_for):
    organiser = client_for(drg.trainer)
    detail = organiser.get(reverse("training:session_detail", args=[drg.session.pk])).content.decode()
    url = f"http://testserver{reverse('training:sign_in', args=[drg.session.pk, drg.session.token])}"
    assert f'data-url="{url}"' in detail
    assert segno.make(url, error="m").svg_inline(scale=4, dark="#17364a") in detail  # the QR holds that URL
    trainee = client_for(drg.user1)
    assert (
        drg.session.token
        not in trainee.get(reverse("training:session_detail", args=[drg.session.pk])).content.decode()
    )
    page = trainee.get(url)
    assert 'id="sign-button"' in page.content.decode()
    trainee.post(url, {"department": ""})
    row = Trainee.objects.get(session=drg.session, user=drg.user1)
    trainee.post(
        reverse("training:feedback", args=[row.pk]), {"rating": "5", "feedback": "讲得清楚", "back": "sign"}
    )
    row.refresh_from_db()
    assert (row.rating, row.feedback) == (5, "讲得清楚")
    mine = trainee.get(reverse("training:my_records")).content.decode()
    assert "DRG 分组结果查看" in mine and "5/5" in mine
    bad = client_for(drg.user2).post(
        reverse("training:sign_in", args=[drg.session.pk, "wrong-token"]), {"department": ""}
    )
    assert bad.status_code == 400 and "签到码无效" in bad.content.decode()


def test_the_new_session_page_validates(drg, client_for):
    page = client_for(drg.trainer).post(
        reverse("training:session_new"),
        {
            "contract": drg.contract.pk,
            "kind": "management",
            "title": "管理员培训",
            "trainer": "王讲师",
            "starts_at": "2026-12-01T09:00",
            "duration_minutes": "90",
            "content": "权限与备份",
        },
    )
    assert page.status_code == 200 and "现场培训请填写地点" in page.content.decode()


def test_api_create_sign_in_and_period_records(drg, client_for):
    organiser, trainee = client_for(drg.trainer), client_for(drg.user2)
    created = organiser.post(
        "/api/v1/training-sessions",
        json.dumps(
            {
                "contract_id": drg.contract.pk,
                "kind": "maintenance",
                "title": "维护培训",
                "trainer": "王讲师",
                "starts_at": "2026-12-03T09:00:00+08:00",
                "remote": True,
                "content": "备份与恢复",
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201
    sid = created.json()["id"]
    wrong = trainee.post(
        f"/api/v1/training-sessions/{sid}/sign-in",
        json.dumps({"token": "x"}),
        content_type="application/json",
    )
    assert wrong.status_code == 400 and "token" in wrong.json()["detail"]
    from weibao.training.models import TrainingSession

    token = TrainingSession.objects.get(pk=sid).token
    ok = trainee.post(
        f"/api/v1/training-sessions/{sid}/sign-in",
        json.dumps({"token": token}),
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["name"] == "钱医生"
    records = organiser.get(
        f"/api/v1/contracts/{drg.contract.pk}/training-records?start=2026-10-01&end=2027-01-01"
    ).json()
    assert [r["title"] for r in records] == ["DRG 分组结果查看", "维护培训"]
    assert records[1]["trainee_count"] == 1 and records[1]["trainees"][0]["name"] == "钱医生"
    bad = organiser.get(
        f"/api/v1/contracts/{drg.contract.pk}/training-records?start=2026-10-01&end=2026-09-01"
    )
    assert bad.status_code == 400
