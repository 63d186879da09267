"""``weibao assess --contract CODE --period 2026Q3 [--assessment CODE] [--json]``: the period's
computed facts and deductions (no sampling needed), printed as text or as a JSON object with
``facts`` (counts), ``deductions`` (each with ``rule``, ``amount`` as a decimal string in yuan and
the ``tickets`` behind it) and ``deduction_total`` (a decimal string)."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from weibao.assessments.computing import assessment_preview
from weibao.contracts.models import Contract


class Command(BaseCommand):
    help = "Assessment facts and deductions of a contract period: --contract CODE --period 2026Q3 [--json]."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--contract", required=True, help="the contract's code")
        parser.add_argument("--period", required=True, help="2026Q3, 2026H2, 2026M07 or 2026")
        parser.add_argument(
            "--assessment",
            default=None,
            help="the template's assessment code (default: the one of that length)",
        )
        parser.add_argument("--json", action="store_true", help="print a JSON object")

    def handle(self, *args, **options) -> None:
        contract = Contract.objects.filter(code=options["contract"]).first()
        if contract is None:
            raise CommandError(f"no contract {options['contract']!r}", returncode=2)
        try:
            result = assessment_preview(
                contract=contract, period=options["period"], rule=options["assessment"]
            )
        except ValidationError as exc:
            messages = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            raise CommandError(messages, returncode=2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{result['contract']} {result['assessment']} {result['period']} "
            f"（合同第 {result['sequence']} 期，{result['start']} 至 {result['end']}，不含结束日）"
        )
        self.stdout.write("事实：")
        for key, value in result["facts"].items():
            self.stdout.write(f"  {key}: {value}")
        self.stdout.write("扣款：")
        if not result["deductions"]:
            self.stdout.write("  无")
        for line in result["deductions"]:
            tickets = ",".join(str(t) for t in line["tickets"]) or "-"
            self.stdout.write(f"  {line['rule']}  {line['amount']} 元  工单 {tickets}  {line['basis']}")
        self.stdout.write(f"扣款合计：{result['deduction_total']} 元")
