"""``weibao backup --out FILE``: one encrypted archive of the database, uploaded files and keys."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from weibao.backups.archive import keypair
from weibao.backups.services import BackupError, backup_create, backup_key


class Command(BaseCommand):
    help = (
        "Write an encrypted backup (database copy, uploaded files, keys, manifest) while the site runs. "
        "The passphrase comes from --passphrase-file or WEIBAO_BACKUP_PASSPHRASE(_FILE); "
        "or encrypt to a public key with --recipient (see --keygen)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", help="the archive to write")
        parser.add_argument("--passphrase-file", help="a file holding the passphrase")
        parser.add_argument("--recipient", help="a public key (base64, or a file holding it) to encrypt to")
        parser.add_argument(
            "--keygen",
            metavar="PRIVATE_KEY_FILE",
            help="write a new private key to this file (keep it off this server) and print its public key",
        )

    def handle(self, *args, out=None, passphrase_file=None, recipient=None, keygen=None, **options) -> None:
        if keygen:
            private, public = keypair()
            path = Path(keygen)
            if path.exists():
                raise CommandError(f"{path} exists")
            path.write_text(private + "\n")
            path.chmod(0o600)
            self.stdout.write(f"public key (give it to --recipient or WEIBAO_BACKUP_RECIPIENT): {public}")
            return
        if not out:
            raise CommandError("--out FILE is required")
        try:
            key = backup_key(passphrase_file=passphrase_file, recipient=recipient)
            result = backup_create(out=Path(out), key=key)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        self.stdout.write(
            f"backup written: {result.path} ({result.size} bytes, {len(manifest['parts'])} parts, "
            f"{sum(manifest['counts'].values())} rows)"
        )
        for name in manifest["keys_from_env"]:
            self.stderr.write(f"note: the key {name} comes from the environment and is not in the backup")
