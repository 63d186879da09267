"""The UI is Chinese by default and switches to English."""

import pytest

from weibao.testing.mfa import verify_session


@pytest.mark.django_db
def test_language_switch(client, hospital_admin):
    client.force_login(hospital_admin)
    verify_session(client, hospital_admin)
    assert "我的工作台" in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "My workbench" in page and "我的工作台" not in page
    assert '<html lang="en">' in page
