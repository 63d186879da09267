"""``weibao audit verify``: check the audit log's chain (and anchor its head outside the database);
``weibao audit anchor``: only anchor the head."""

from django.core.management.base import BaseCommand, CommandError

from weibao.audit.anchor import anchor_path
from weibao.audit.services import audit_anchor, audit_verify


class Command(BaseCommand):
    help = (
        "Audit log tools. `verify` walks the keyed hash chain, checks it against the anchors and "
        "names the first broken record (exit 1); when intact it anchors the head. `anchor` appends "
        "the head to the anchor file."
    )

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="verify the hash chain and the anchors, then anchor the head")
        sub.add_parser("anchor", help="append the chain's head to the anchor file")

    def handle(self, *args, action: str, **options) -> None:
        if action == "anchor":
            anchor = audit_anchor()
            self.stdout.write(
                f"anchored record id={anchor.id} in {anchor_path()}" if anchor else "the audit log is empty"
            )
            return
        result = audit_verify()
        if not result.ok:
            where = f"record id={result.broken_id}" if result.broken_id is not None else "the anchor file"
            raise CommandError(
                f"audit chain broken at {where}: {result.reason} "
                f"({result.checked} records before it are intact)",
                returncode=1,
            )
        anchor = audit_anchor()
        self.stdout.write(
            f"audit chain intact: {result.checked} records verified, {result.anchors} anchors matched"
            + (f"; head anchored (id={anchor.id})" if anchor else "")
        )
