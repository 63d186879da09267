"""``weibao deliverables build --contract CODE --period 2026Q3 --out DIR``: the period's documents."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from weibao.contracts.models import Contract
from weibao.reports.evaluation import evaluation_report_build, is_evaluation_report
from weibao.reports.periods import BadPeriod, parse_period
from weibao.reports.schedule import specs
from weibao.reports.services import deliverable_produce


class Command(BaseCommand):
    help = "Deliverables: `build --contract CODE --period 2026Q3 --out DIR` writes and archives the period's documents (the 维保服务评价报告 too, when the contract requires it)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("build", help="write the period's documents into a folder (and archive them)")
        build.add_argument("--contract", required=True, help="the contract's code")
        build.add_argument("--period", required=True, help="2026Q3, 2026H2, 2026M07 or 2026")
        build.add_argument("--out", required=True, help="the folder to write into (created if missing)")

    def handle(self, *args, action: str, **options) -> None:
        contract = (
            Contract.objects.select_related("hospital", "vendor").filter(code=options["contract"]).first()
        )
        if contract is None:
            raise CommandError(f"no contract {options['contract']!r}", returncode=2)
        try:
            period = parse_period(options["period"])
        except BadPeriod as e:
            raise CommandError(str(e), returncode=2) from e
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        due = [
            s
            for s in specs(contract.obligations)
            if s.cadence == period.cadence
            and (s.generator is not None or is_evaluation_report(s))
            and period.overlaps(contract.start, contract.end)
        ]
        if not due:
            self.stdout.write(f"{contract.code} has no deliverable printed here for {period.label}")
            return
        for spec in due:
            try:
                if spec.generator is None:  # the 维保服务评价报告, printed from the assessment
                    documents = [
                        evaluation_report_build(actor=None, contract=contract, spec=spec, period=period)
                    ]
                else:
                    documents = deliverable_produce(
                        actor=None, contract=contract, code=spec.code, period=period.label
                    )
            except ValidationError as e:
                raise CommandError("; ".join(e.messages), returncode=2) from e
            for doc in documents:
                path = out / doc.filename
                with doc.file.open("rb") as f:
                    path.write_bytes(f.read())
                self.stdout.write(f"{doc.sha256}  {path}")
