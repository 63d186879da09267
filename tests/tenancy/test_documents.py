"""A document's PDF copy is served through the DOCX's route, and refused across hospitals alike."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_pdf_copy_of_the_other_hospitals_document_is_refused(client_for, world, monkeypatch):
    """A PDF copy is downloaded through the DOCX's route and checks: another hospital's is a 404."""
    from django.urls import reverse

    from weibao.documents.services import document_pdf_copy
    from weibao.testing.documents import FAKE_PDF, fake_libreoffice

    fake_libreoffice(monkeypatch)
    pdf = document_pdf_copy(world["document_b"].pk)
    assert pdf is not None and pdf.pdf_of == world["document_b"] and pdf.hospital == world["hospital_b"]
    url = reverse("documents:download", args=[pdf.pk])
    assert client_for(world["admin_a"]).get(url).status_code == 404
    got = client_for(world["admin_b"]).get(url)
    assert got.status_code == 200 and b"".join(got.streaming_content) == FAKE_PDF
