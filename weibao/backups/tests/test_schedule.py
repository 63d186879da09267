"""The nightly backup with retention and its off-site copy (to an SFTP server started here), the
weekly restore test, the status they leave, and the notices when a backup fails or is missing."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import asyncssh
import pytest
from django.utils import timezone

from weibao.accounts.choices import Role
from weibao.backups import schedule
from weibao.notifications.models import Notification
from weibao.testing.factories import PlatformOrgFactory, member

from .conftest import KEY

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 12, 3, 2, 15, tzinfo=UTC)


@pytest.fixture
def sftp(tmp_path):
    """An SFTP server on 127.0.0.1 (asyncssh), serving ``root``; a client key it accepts and a
    known_hosts file naming its host key."""
    root = tmp_path / "offsite"
    (root / "backups").mkdir(parents=True)
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_file = tmp_path / "id_ed25519"
    client_key.write_private_key(str(key_file))
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder = {}

    async def start():
        holder["server"] = await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[host_key],
            authorized_client_keys=asyncssh.import_authorized_keys(client_key.export_public_key().decode()),
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root)),
        )
        started.set()

    thread = threading.Thread(
        target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True
    )
    thread.start()
    assert started.wait(30)
    port = holder["server"].sockets[0].getsockname()[1]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_key.export_public_key().decode().strip()}\n")
    yield {
        "root": root,
        "url": f"sftp://backup@127.0.0.1:{port}/backups",
        "key": key_file,
        "known": known_hosts,
    }
    loop.call_soon_threadsafe(holder["server"].close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def configured(source, tmp_path, settings, sftp):
    settings.WEIBAO_BACKUP_DIR = tmp_path / "backups"
    settings.WEIBAO_BACKUP_PASSPHRASE = KEY.secret.decode()
    settings.WEIBAO_BACKUP_SFTP_URL = sftp["url"]
    settings.WEIBAO_BACKUP_SFTP_KEY_FILE = str(sftp["key"])
    settings.WEIBAO_BACKUP_SFTP_KNOWN_HOSTS = str(sftp["known"])
    settings.WEIBAO_BACKUP_KEEP_DAILY = 3
    settings.WEIBAO_BACKUP_KEEP_WEEKLY = 0
    settings.WEIBAO_BACKUP_KEEP_MONTHLY = 0
    return settings


def _old_backups(folder, days: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = [schedule.backup_name(NOW - timedelta(days=d)) for d in range(1, days + 1)]
    for name in names:
        (folder / name).write_bytes(b"an older backup")
    (folder / "README.txt").write_text("not a backup: never deleted")
    return names


def test_the_nightly_backup_keeps_its_retention_here_and_off_site(configured, sftp):
    admin = member(PlatformOrgFactory(), Role.PLATFORM_ADMIN)
    local_old = _old_backups(configured.WEIBAO_BACKUP_DIR, 5)
    remote_old = _old_backups(sftp["root"] / "backups", 5)

    record = schedule.backup_nightly(now=NOW)

    tonight = schedule.backup_name(NOW)
    assert record["ok"] is True and record["file"] == tonight, record
    assert record["offsite"] == f"/backups/{tonight}"
    local = sorted(p.name for p in configured.WEIBAO_BACKUP_DIR.iterdir())
    remote = sorted(p.name for p in (sftp["root"] / "backups").iterdir())
    kept = sorted([tonight, *local_old[:2], "README.txt"])
    assert local == kept and remote == sorted([tonight, *remote_old[:2], "README.txt"])
    assert (sftp["root"] / "backups" / tonight).read_bytes() == (
        configured.WEIBAO_BACKUP_DIR / tonight
    ).read_bytes()

    status = schedule.backup_status(now=NOW + timedelta(hours=1))
    assert status["last_backup"]["ok"] and not status["overdue"] and status["offsite"]
    assert schedule.backup_check_missing(now=NOW + timedelta(hours=1)) is False

    # The weekly restore test restores the newest backup into a scratch place.
    test = schedule.restore_test(now=NOW + timedelta(hours=2))
    assert test["ok"] is True, test
    assert test["file"] == tonight and "intact" in test["detail"]
    assert schedule.backup_status()["last_restore_test"]["ok"] is True
    assert not Notification.objects.filter(recipient=admin).exists()

    # Two days later with no backup since: missing, and the admins are told.
    assert schedule.backup_check_missing(now=NOW + timedelta(days=2)) is True
    assert Notification.objects.filter(recipient=admin, event="backup.failed", title="备份缺失").exists()


def test_a_failed_backup_is_recorded_and_told(configured, sftp):
    admin = member(PlatformOrgFactory(), Role.PLATFORM_ADMIN)
    other = member(PlatformOrgFactory(), Role.PLATFORM_ADMIN, is_active=False)

    configured.WEIBAO_BACKUP_PASSPHRASE = ""
    record = schedule.backup_nightly(now=NOW)
    assert record["ok"] is False and "no backup passphrase" in record["error"]
    assert Notification.objects.filter(recipient=admin, event="backup.failed", title="备份失败").count() == 1
    assert not Notification.objects.filter(recipient=other).exists()
    assert schedule.backup_status(now=NOW)["overdue"] is True

    # The off-site host is not the one known: refused, never learned.
    configured.WEIBAO_BACKUP_PASSPHRASE = KEY.secret.decode()
    sftp["known"].write_text("")
    record = schedule.backup_nightly(now=NOW + timedelta(minutes=1))
    assert record["ok"] is False and record["error"].startswith("offsite: cannot connect")
    assert (configured.WEIBAO_BACKUP_DIR / record["file"]).exists()  # the local copy is there
    assert Notification.objects.filter(recipient=admin, title="备份失败").count() == 2
    assert not list((sftp["root"] / "backups").iterdir())

    # A restore test of a damaged newest backup fails and is told.
    newest = configured.WEIBAO_BACKUP_DIR / record["file"]
    data = bytearray(newest.read_bytes())
    data[len(data) // 2] ^= 1
    newest.write_bytes(bytes(data))
    test = schedule.restore_test(now=NOW + timedelta(hours=2))
    assert test["ok"] is False and "fails authentication" in test["error"]
    assert Notification.objects.filter(recipient=admin, title="备份恢复测试失败").exists()


@pytest.mark.django_db
def test_the_status_page_shows_the_last_backup_and_restore_test(
    client_for, platform_admin, settings, tmp_path
):
    from weibao.backups.schedule import save_status

    settings.VAR_DIR = tmp_path
    page = client_for(platform_admin).get("/status/").content.decode()
    assert "备份与恢复测试" in page and "已超过一天没有成功的备份" in page

    now = timezone.now()
    save_status(
        last_backup={"at": now.isoformat(), "ok": True, "file": "weibao-20261203-021500.wbk"},
        last_success_at=now.isoformat(),
        last_restore_test={"at": now.isoformat(), "ok": False, "error": "counts differ: servicedesk_ticket"},
    )
    page = client_for(platform_admin).get("/status/").content.decode()
    assert "weibao-20261203-021500.wbk" in page and "已超过一天没有成功的备份" not in page
    assert "counts differ: servicedesk_ticket" in page
