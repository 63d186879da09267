"""The demo vendor engineer does a due inspection on a 390×844 phone (and on a desktop): starts
it, fills every item (one reading out of range → 异常 → a ticket in one click, a photo of the
machine room), signs on the drawn pad; the hospital's IT admin signs; the page shows 已完成 and no
form is left."""

from __future__ import annotations

from pathlib import Path

import pytest

from weibao.accounts.models import User
from weibao.contracts.models import Contract
from weibao.core.demo import demo_steps
from weibao.inspections.choices import InspectionState
from weibao.inspections.models import Inspection
from weibao.servicedesk.models import Ticket
from weibao.testing.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("var/screenshots")
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def _demo(password: str) -> Inspection:
    ctx: dict = {}
    for _name, step in demo_steps():
        if _name in ("organisations", "users", "contracts"):
            step(ctx)
    for username in ("demo-engineer", "demo-hospital"):
        user = User.objects.get(username=username)
        user.set_password(password)
        user.save(update_fields=["password"])
    contract = Contract.objects.get(template_code="pacs-huizhou", hospital=ctx["orgs"]["HZZD"])
    return (
        Inspection.objects.filter(contract=contract)
        .exclude(state=InspectionState.DONE)
        .order_by("due")
        .first()
    )


def _draw(page, pad) -> None:
    box = pad.bounding_box()
    x, y = box["x"], box["y"] + box["height"] / 2
    page.mouse.move(x + 20, y)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(x + 20 + i * box["width"] / 16, y + (18 if i % 2 else -18), steps=3)
    page.mouse.up()


def _sign(page, side: str) -> None:
    block = page.locator(f"#sign-{side}")
    block.scroll_into_view_if_needed()
    _draw(page, block.locator("canvas[data-signature-pad]"))
    block.locator("button[type=submit]").click()
    page.wait_for_selector(f"#sign-{side}[data-signed=yes] img.signature-image")


@pytest.mark.parametrize("name", ["phone", "desktop"])
def test_engineer_fills_and_signs_then_the_hospital_signs(new_context, password, tmp_path, name):
    inspection = _demo(password)
    options = VIEWPORTS[name]
    width = options["viewport"]["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    url = f"/inspections/{inspection.pk}/"

    engineer = new_context(**options).new_page()
    engineer.set_default_timeout(15000)
    login(engineer, "demo-engineer", password)
    engineer.goto("/inspections/")
    engineer.click(f"a.inspection-open[href='{url}']")
    engineer.wait_for_selector("#start-form")
    engineer.click("#start-form button[type=submit]")
    engineer.wait_for_selector(".check-item")
    engineer.screenshot(path=str(SHOTS / f"inspection-doing-{name}-started.png"))

    # Every number: a reading inside its thresholds, except the machine room at 31 ℃.
    for item in engineer.locator(".check-item[data-kind=number]").all():
        code = item.get_attribute("data-code")
        field = item.locator("input[name=value]")
        above, below = field.get_attribute("data-warn-above"), field.get_attribute("data-warn-below")
        in_range = str(float(below) + 5) if below else str(float(above) / 2) if above else "20"
        field.fill("31" if code == "room_temperature" else in_range)
        field.blur()  # the change event: one save per item, each waited for
        item.locator(".item-status .saved").wait_for()
    room = engineer.locator(".check-item[data-code=room_temperature]")
    assert room.locator("input[value=abnormal]").is_checked()  # chosen as the number was typed
    room.locator("[data-result=abnormal]").wait_for()
    room.locator("button.make-ticket").click()
    room.locator("a.ticket-link").wait_for()
    ticket = Ticket.objects.get(contract=inspection.contract, title="巡检异常：机房温度")
    assert ticket.number in room.locator("a.ticket-link").inner_text()

    photo = engineer.locator(".check-item[data-kind=photo]").first
    shot = tmp_path / "room.png"
    shot.write_bytes(PNG_BYTES)
    photo.locator("input[name=photo]").set_input_files(str(shot))
    photo.locator("[data-result=ok]").wait_for()
    text = engineer.locator(".check-item[data-kind=text]").first
    text.locator("input[name=note]").fill("机柜整洁，无异常告警")
    text.locator("input[name=note]").blur()
    text.locator("[data-result=ok]").wait_for()

    areas = [a.get_attribute("id") for a in engineer.locator("section.check-area").all()]
    for area in areas:
        button = engineer.locator(f"#{area} button.area-ok")
        if button.count():
            button.click()
            engineer.wait_for_load_state()
            engineer.wait_for_selector(f"#{area}")
    assert not Inspection.objects.get(pk=inspection.pk).items.filter(result="").exists()
    engineer.fill("#id_findings", "机房温度偏高（31 ℃），已开工单。")
    engineer.click("#findings button[type=submit]")
    engineer.wait_for_selector("#signatures")
    engineer.locator(".check-item[data-code=room_temperature]").scroll_into_view_if_needed()
    engineer.screenshot(path=str(SHOTS / f"inspection-doing-{name}-abnormal-ticket.png"))
    _sign(engineer, "vendor")
    assert engineer.locator(".check-form").count() == 0  # locked once the vendor signed
    assert engineer.evaluate("document.documentElement.scrollWidth") <= width + 10

    hospital = new_context(**options).new_page()
    hospital.set_default_timeout(15000)
    login(hospital, "demo-hospital", password)
    hospital.goto(url)
    _sign(hospital, "hospital")
    hospital.wait_for_selector("#frozen")
    assert "已完成" in hospital.locator("#inspection-status").inner_text()
    assert "1 项异常" in hospital.locator(".inspection-page").inner_text()
    assert hospital.locator(".check-form").count() == 0 and hospital.locator("form.sign-form").count() == 0
    hospital.screenshot(path=str(SHOTS / f"inspection-doing-{name}-signed.png"))
    hospital.evaluate("window.scrollTo(0, 0)")
    hospital.screenshot(path=str(SHOTS / f"inspection-doing-{name}-done.png"))

    done = Inspection.objects.get(pk=inspection.pk)
    assert done.state == InspectionState.DONE and done.signatures.count() == 2
    assert all(bytes(s.image).startswith(b"\x89PNG") for s in done.signatures.all())
    assert done.items.get(code="room_temperature").ticket_id == ticket.pk
    engineer.goto(url)
    assert "记录已冻结" in engineer.locator("#frozen").inner_text()
