"""``weibao backup`` and ``weibao restore`` as an operator types them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from weibao.backups import dbcopy, services

from .installation import populate

pytestmark = pytest.mark.django_db(transaction=True)


def test_backup_to_a_public_key_and_restore_with_its_private_key(
    source, target, tmp_path, settings, monkeypatch
):
    populate(tickets=2)
    private = tmp_path / "backup-identity"
    out = StringIO()
    call_command("backup", "--keygen", str(private), stdout=out)
    public = out.getvalue().rsplit(" ", 1)[-1].strip()
    archive = tmp_path / "b.wbk"
    call_command("backup", "--out", str(archive), "--recipient", public, stdout=StringIO())

    # This installation holds data: refused, and told how.
    with pytest.raises(CommandError, match="nothing was changed: this installation already holds data"):
        call_command("restore", str(archive), "--identity", str(private), stdout=StringIO())
    # No passphrase and no identity: refused before anything is read.
    settings.WEIBAO_BACKUP_PASSPHRASE = ""
    with pytest.raises(CommandError, match="no backup passphrase"):
        call_command("restore", str(archive), stdout=StringIO())

    # The command restores into this installation: here, the empty target.
    settings.VAR_DIR = target.var
    original = services.backup_restore
    monkeypatch.setattr(
        "weibao.backups.management.commands.restore.backup_restore",
        lambda **kwargs: original(**kwargs, db=target.db),
    )
    out = StringIO()
    call_command("restore", str(archive), "--identity", str(private), stdout=out)
    assert "restored the backup of" in out.getvalue() and "audit chain intact" in out.getvalue()
    assert dbcopy.holds_data(target.db)
    assert (target.var / "fernet.key").read_bytes() == (source / "fernet.key").read_bytes()


def test_a_short_passphrase_is_refused(source, tmp_path, settings):
    settings.WEIBAO_BACKUP_PASSPHRASE = "short"
    with pytest.raises(CommandError, match="at least 12 characters"):
        call_command("backup", "--out", str(tmp_path / "b.wbk"), stdout=StringIO())
    assert not (tmp_path / "b.wbk").exists()
