"""``weibao inspections due --contract CODE --from YYYY-MM-DD --to YYYY-MM-DD [--json]``."""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from weibao.contracts.models import Contract
from weibao.inspections.choices import InspectionStatus
from weibao.inspections.selectors import inspections_due


def _date(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"malformed {name} {text!r}: expected YYYY-MM-DD", returncode=2) from exc


class Command(BaseCommand):
    help = "Inspections: `due --contract CODE --from YYYY-MM-DD --to YYYY-MM-DD [--json]`."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        due = sub.add_parser("due", help="list the inspections due in a date range")
        due.add_argument("--contract", required=True, help="the contract's code")
        due.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        due.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        due.add_argument("--json", action="store_true", help="print a JSON list")

    def handle(self, *args, action: str, **options) -> None:
        start, end = _date("--from", options["start"]), _date("--to", options["end"])
        if end < start:
            raise CommandError(f"--to {end} is before --from {start}", returncode=2)
        contract = Contract.objects.filter(code=options["contract"]).first()
        if contract is None:
            raise CommandError(f"no contract {options['contract']!r}", returncode=2)
        rows = list(inspections_due(contract, start, end))
        if options["json"]:
            items = [
                {
                    "due": r.due.isoformat(),
                    "obligation": r.obligation,
                    "name": r.name,
                    "sequence": r.sequence,
                    "mode": r.mode,
                    "state": r.status,  # type: ignore[attr-defined]
                }
                for r in rows
            ]
            self.stdout.write(json.dumps(items, ensure_ascii=False, indent=2))
            return
        labels = dict(InspectionStatus.choices)
        for r in rows:
            self.stdout.write(f"{r.due}  {r.obligation:<20} #{r.sequence:<3} {labels[r.status]}  {r.name}")  # type: ignore[attr-defined]
        if not rows:
            self.stdout.write("no inspections due in that range")
