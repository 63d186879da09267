"""``weibao restore FILE``: restore a backup into an empty installation, checked before it is swapped in."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from weibao.backups.services import BackupError, backup_restore, restore_key


class Command(BaseCommand):
    help = (
        "Restore a backup made by `weibao backup`: every part's SHA-256, the row counts and "
        "`weibao audit verify` are checked on a staged copy before it replaces the installation. "
        "Refuses an installation that holds data unless --force."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive")
        parser.add_argument("--passphrase-file", help="a file holding the passphrase")
        parser.add_argument("--identity", help="the private key file, for an archive made with --recipient")
        parser.add_argument("--force", action="store_true", help="replace an installation that holds data")

    def handle(self, *args, archive, passphrase_file=None, identity=None, force=False, **options) -> None:
        try:
            key = restore_key(passphrase_file=passphrase_file, identity_file=identity)
            result = backup_restore(archive=Path(archive), key=key, force=force, log=self.stdout.write)
        except BackupError as exc:
            raise CommandError(f"restore refused, nothing was changed: {exc}") from exc
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        for path in result.kept:
            self.stdout.write(f"the replaced data was kept as {path}")
        self.stdout.write(
            f"restored the backup of {result.manifest['created_at']} "
            f"(Weibao {result.manifest['weibao_version']})"
        )
