"""``weibao auditarchive verify FILE`` / ``weibao auditarchive prune``: the audit log's archives."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from weibao.backups.auditarchive import ArchiveInvalid, audit_archive_and_prune, signing_key, verify_archive


class Command(BaseCommand):
    help = (
        "Audit retention. `prune` archives the records past WEIBAO_AUDIT_RETENTION_DAYS to a signed "
        "file, then deletes them; `verify FILE` checks such a file on its own."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="verify an archive's signature and chain")
        verify.add_argument("file")
        verify.add_argument(
            "--key-file", help="the signing key (default: var/audit.key, else the SECRET_KEY)"
        )
        sub.add_parser("prune", help="archive then delete the records past retention")

    def handle(self, *args, action: str, file=None, key_file=None, **options) -> None:
        if action == "prune":
            result = audit_archive_and_prune()
            if result.archive is None:
                self.stdout.write("nothing past retention")
            else:
                self.stdout.write(f"{result.count} records archived to {result.archive} and pruned")
            return
        key = Path(key_file).read_bytes().strip() if key_file else signing_key()[1]
        try:
            report = verify_archive(Path(file), key=key)
        except ArchiveInvalid as exc:
            raise CommandError(f"audit archive invalid: {exc}", returncode=1) from exc
        self.stdout.write(
            f"audit archive intact: {report.count} records (ids {report.first_id}–{report.last_id}), "
            f"signed with {report.key}"
        )
