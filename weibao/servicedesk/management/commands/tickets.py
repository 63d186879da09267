"""``weibao tickets import FILE.xlsx --contract CODE`` and ``weibao tickets export FILE.xlsx``."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from weibao.contracts.models import Contract
from weibao.servicedesk.ledger import export_queryset, export_xlsx, import_xlsx
from weibao.servicedesk.models import Ticket


class Command(BaseCommand):
    help = "The 维护记录台账 ledger: `import FILE.xlsx --contract CODE` (keeps original times), `export FILE.xlsx`."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import historical tickets from the ledger XLSX")
        imp.add_argument("file")
        imp.add_argument("--contract", required=True, help="the contract code")
        exp = sub.add_parser("export", help="write the ledger of a contract (or all) to an XLSX file")
        exp.add_argument("file")
        exp.add_argument("--contract")

    def handle(self, *args, action: str, file: str, contract: str | None = None, **options) -> None:
        target = None
        if contract:
            target = Contract.objects.filter(code=contract).first()
            if target is None:
                raise CommandError(f"no contract {contract!r}", returncode=2)
        if action == "export":
            qs = Ticket.objects.all() if target is None else Ticket.objects.filter(contract=target)
            Path(file).write_bytes(
                export_xlsx(export_queryset(qs.order_by("created_at")).iterator(chunk_size=500))
            )
            self.stdout.write(f"exported {qs.count()} tickets to {file}")
            return
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}", returncode=2) from exc
        try:
            result = import_xlsx(data, contract=target)
        except Exception as exc:
            raise CommandError(f"{file} is not a readable XLSX ledger: {exc}", returncode=2) from exc
        for error in result.errors:
            self.stderr.write(error)
        self.stdout.write(
            f"imported {len(result.created)} tickets into {target.code}; {len(result.errors)} rows rejected"
        )
        if result.errors and not result.created:
            raise CommandError("nothing imported", returncode=1)
