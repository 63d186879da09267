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


def test_the_english_catalogue_is_complete_and_compiled():
    """Every message of the English catalogue is translated and none is left fuzzy (a fuzzy or
    empty one shows Chinese in the English UI), and the committed .mo is the .po compiled."""
    import gettext
    import re
    from pathlib import Path

    import weibao

    folder = Path(weibao.__file__).parent / "locale" / "en" / "LC_MESSAGES"
    po = (folder / "django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]  # the first is the header
    assert len(entries) > 2000
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert not fuzzy, fuzzy[:3]
    empty = [
        e for e in entries if re.search(r'^msgstr(\[\d\])? ""\Z', e.strip(), re.M) and not e.startswith("#~")
    ]
    assert not empty, empty[:3]
    with (folder / "django.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    assert compiled.gettext("修改应急演练") == "Correct emergency drill"
    assert len(compiled._catalog) >= len(entries) - 10
