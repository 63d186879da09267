"""The off-site copy: backups uploaded to an SFTP host (paramiko).

``WEIBAO_BACKUP_SFTP_URL`` is ``sftp://user@host:port/path``; the client signs in with the private
key file ``WEIBAO_BACKUP_SFTP_KEY_FILE`` and trusts only the host keys in
``WEIBAO_BACKUP_SFTP_KNOWN_HOSTS`` (else the system's known_hosts): an unknown host is refused,
never learned. A file is uploaded under a temporary name and renamed once its size is checked,
so the remote folder never shows half a backup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import paramiko


class OffsiteError(Exception):
    pass


@dataclass(frozen=True)
class SftpTarget:
    host: str
    port: int
    username: str
    path: str
    key_file: str
    known_hosts: str = ""

    @classmethod
    def from_url(cls, url: str, *, key_file: str, known_hosts: str = "") -> SftpTarget:
        parts = urlsplit(url)
        if parts.scheme != "sftp" or not parts.hostname or not parts.username:
            raise OffsiteError("WEIBAO_BACKUP_SFTP_URL must look like sftp://user@host:port/path")
        return cls(
            host=parts.hostname,
            port=parts.port or 22,
            username=unquote(parts.username),
            path=unquote(parts.path) or ".",
            key_file=key_file,
            known_hosts=known_hosts,
        )


class _Session:
    def __init__(self, target: SftpTarget) -> None:
        self.client = paramiko.SSHClient()
        if target.known_hosts:
            self.client.load_host_keys(target.known_hosts)
        else:
            self.client.load_system_host_keys()
        self.client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            self.client.connect(
                target.host,
                port=target.port,
                username=target.username,
                key_filename=target.key_file or None,
                look_for_keys=False,
                allow_agent=False,
                timeout=30,
                banner_timeout=30,
                auth_timeout=30,
            )
        except (paramiko.SSHException, OSError) as exc:
            self.client.close()
            raise OffsiteError(f"cannot connect to {target.host}:{target.port}: {exc}") from exc
        self.sftp = self.client.open_sftp()

    def __enter__(self) -> paramiko.SFTPClient:
        return self.sftp

    def __exit__(self, *exc) -> None:
        self.sftp.close()
        self.client.close()


def sftp_upload(path: Path, target: SftpTarget) -> str:
    """Upload ``path`` into the target folder; the remote path."""
    remote = str(PurePosixPath(target.path) / path.name)
    partial = str(PurePosixPath(target.path) / f".{path.name}.part")
    with _Session(target) as sftp:
        try:
            sftp.put(str(path), partial, confirm=True)
            if sftp.stat(partial).st_size != path.stat().st_size:
                raise OffsiteError(f"the upload of {path.name} is incomplete")
            sftp.posix_rename(partial, remote)
        except OSError as exc:
            raise OffsiteError(f"upload of {path.name} failed: {exc}") from exc
    return remote


def sftp_list(target: SftpTarget) -> list[str]:
    with _Session(target) as sftp:
        return sorted(sftp.listdir(target.path))


def sftp_delete(target: SftpTarget, names: Iterable[str]) -> None:
    with _Session(target) as sftp:
        for name in names:
            sftp.remove(str(PurePosixPath(target.path) / name))
