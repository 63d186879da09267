"""Every asset the pages use is served by the installation itself."""

import re

import pytest

from weibao.testing.mfa import verify_session


@pytest.mark.django_db
def test_pages_reference_only_local_assets_that_exist(client, hospital_admin):
    client.force_login(hospital_admin)
    verify_session(client, hospital_admin)
    html = client.get("/").content.decode()
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any(a.endswith("app.css") for a in assets) and any("htmx" in a for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    assert not re.search(r'(?:src|href)="https?://', html)
