"""The QR sign-in end to end in Chromium: the trainer shows the session's QR code on a desktop;
a department user opens the address it holds on a 390×844 phone, signs in and rates the session."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import segno

from weibao.testing.browser import login
from weibao.training.models import Trainee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _path_of(svg: str) -> str:
    match = re.search(r'<path[^>]* d="([^"]+)"', svg)
    assert match, svg[:200]
    return match.group(1)


def test_training_sign_in_by_qr_code_on_a_phone(new_context, drg, password):
    SHOTS.mkdir(parents=True, exist_ok=True)
    desk = new_context(viewport={"width": 1280, "height": 900}).new_page()
    desk.set_default_timeout(15000)
    login(desk, drg.trainer.username, password)
    desk.goto(f"/training/{drg.session.pk}/")
    desk.wait_for_selector("#sign-qr svg")
    url = desk.get_attribute("#sign-qr", "data-url")
    # The code drawn on the screen is the QR code of exactly that address.
    drawn = desk.get_attribute("#sign-qr svg path", "d")
    assert drawn == _path_of(segno.make(url, error="m").svg_inline(scale=4, dark="#17364a"))
    desk.screenshot(path=str(SHOTS / "training-qr-desktop.png"), full_page=True)

    phone = new_context(**PHONE).new_page()
    phone.set_default_timeout(15000)
    login(phone, drg.user1.username, password)
    phone.goto(urlsplit(url).path)  # what the phone's camera opens
    phone.wait_for_selector("h1:has-text('培训签到')")
    assert "DRG 分组结果查看" in phone.inner_text(".signin")
    phone.screenshot(path=str(SHOTS / "training-sign-in-phone.png"), full_page=True)
    phone.tap("#sign-button")
    phone.wait_for_selector("#signed")
    assert "赵护士" in phone.inner_text("#signed")
    phone.check("#feedback-form input[name=rating][value='5']")
    phone.fill("#feedback-form textarea[name=feedback]", "讲得很清楚")
    phone.tap("#feedback-form button")
    phone.wait_for_selector(".msg:has-text('谢谢您的反馈')")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 400
    phone.screenshot(path=str(SHOTS / "training-signed-phone.png"), full_page=True)
    trainee = Trainee.objects.get(session=drg.session, user=drg.user1)
    assert (trainee.channel, trainee.rating, trainee.feedback) == ("qr", 5, "讲得很清楚")

    desk.reload()
    desk.wait_for_selector(".trainee-row")
    assert "赵护士" in desk.inner_text(".trainee-row") and "5/5" in desk.inner_text(".trainee-row")
    desk.screenshot(path=str(SHOTS / "training-trainees-desktop.png"), full_page=True)
