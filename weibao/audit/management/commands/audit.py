"""``weibao audit verify``: check the hash chain of the audit log."""

from django.core.management.base import BaseCommand, CommandError

from weibao.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `verify` walks the hash chain and names the first broken record."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="verify the hash chain")

    def handle(self, *args, action: str, **options) -> None:
        if action == "verify":
            result = audit_verify()
            if not result.ok:
                raise CommandError(
                    f"audit chain broken at record id={result.broken_id}: {result.reason} "
                    f"({result.checked} records before it are intact)",
                    returncode=1,
                )
            self.stdout.write(f"audit chain intact: {result.checked} records verified")
