"""A backup archive is input: one made with the right passphrase but holding a part whose name
climbs out of the staging place, or a link, is refused before anything is written outside it."""

from __future__ import annotations

import io
import tarfile

import pytest

from weibao.backups.archive import EncryptingWriter, Passphrase
from weibao.backups.services import BackupError, backup_restore

KEY = Passphrase(b"correct horse battery staple")


def _archive(path, members) -> None:
    plain = io.BytesIO()
    with tarfile.open(fileobj=plain, mode="w") as tar:
        for info, body in members:
            tar.addfile(info, io.BytesIO(body) if body is not None else None)
    with path.open("wb") as handle:
        writer = EncryptingWriter(handle, KEY)
        writer.write(plain.getvalue())
        writer.close()


def _file(name: str, body: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(body)
    return info, body


@pytest.mark.parametrize("name", ["media/../../../escaped.txt", "/tmp/escaped.txt", "etc/passwd", "media/.."])
def test_a_part_named_outside_the_backup_is_refused(tmp_path, name):
    archive = tmp_path / "evil.wbk"
    _archive(archive, [_file(name, b"owned")])
    target = tmp_path / "install"
    db = {"ENGINE": "weibao.core.db.sqlite3", "NAME": str(target / "weibao.sqlite3")}
    with pytest.raises(BackupError, match=r"part .* (has an unsafe name|is not a part a backup has)"):
        backup_restore(archive=archive, key=KEY, db=db, var_dir=target)
    assert not list(tmp_path.rglob("escaped.txt"))
    assert [p.name for p in target.iterdir()] == []


def test_a_link_inside_the_archive_is_refused(tmp_path):
    link = tarfile.TarInfo("media/attachments/x.txt")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/passwd"
    archive = tmp_path / "link.wbk"
    _archive(archive, [(link, None)])
    target = tmp_path / "install"
    db = {"ENGINE": "weibao.core.db.sqlite3", "NAME": str(target / "weibao.sqlite3")}
    with pytest.raises(BackupError, match="is not a regular file"):
        backup_restore(archive=archive, key=KEY, db=db, var_dir=target)
    assert [p.name for p in target.iterdir()] == []
