"""The checks made against a backup's manifest."""

from __future__ import annotations

import pytest

from weibao.backups import manifest as mf

MANIFEST = mf.build(
    version="0.1.0",
    created_at="2026-12-03T02:15:00+00:00",
    engine="sqlite",
    migrations={"audit": ["0001_initial"], "servicedesk": ["0001_initial", "0002_more"]},
    counts={"servicedesk_ticket": 3, "audit_auditevent": 9},
    parts={
        "database/weibao.sqlite3": {"sha256": "a" * 64, "size": 10},
        "keys/fernet.key": {"sha256": "b" * 64, "size": 44},
    },
    keys_from_env=["secret_key"],
)


def test_every_part_must_be_there_with_its_hash():
    mf.check_parts(MANIFEST, {"database/weibao.sqlite3": ("a" * 64, 10), "keys/fernet.key": ("b" * 64, 44)})
    with pytest.raises(mf.ManifestError, match=r"part keys/fernet\.key does not match its SHA-256"):
        mf.check_parts(
            MANIFEST, {"database/weibao.sqlite3": ("a" * 64, 10), "keys/fernet.key": ("c" * 64, 44)}
        )
    with pytest.raises(mf.ManifestError, match=r"part keys/fernet\.key is missing"):
        mf.check_parts(MANIFEST, {"database/weibao.sqlite3": ("a" * 64, 10)})
    with pytest.raises(mf.ManifestError, match=r"part media/x is not listed"):
        mf.check_parts(
            MANIFEST,
            {
                "database/weibao.sqlite3": ("a" * 64, 10),
                "keys/fernet.key": ("b" * 64, 44),
                "media/x": ("d" * 64, 1),
            },
        )
    with pytest.raises(mf.ManifestError, match="unknown backup format"):
        mf.check_parts({**MANIFEST, "format": 99}, {})


def test_counts_and_migrations():
    assert (
        mf.count_mismatches(MANIFEST["counts"], {"servicedesk_ticket": 3, "audit_auditevent": 9, "new": 1})
        == []
    )
    assert mf.count_mismatches(MANIFEST["counts"], {"servicedesk_ticket": 2, "audit_auditevent": 9}) == [
        "servicedesk_ticket: 3 in the backup, 2 restored"
    ]
    known = {"audit": {"0001_initial"}, "servicedesk": {"0001_initial", "0002_more", "0003_later"}}
    assert mf.newer_migrations(MANIFEST["migrations"], known) == []  # older or equal: migrate forward
    assert mf.newer_migrations({**MANIFEST["migrations"], "audit": ["0001_initial", "0002_hmac"]}, known) == [
        "audit.0002_hmac"
    ]
    assert mf.newer_migrations({"mfa": ["0001_initial"]}, known) == ["mfa.0001_initial"]
