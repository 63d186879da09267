"""``weibao contracts …``: templates and contract creation from the command line.

    weibao contracts templates
    weibao contracts template show drg-wuhan --json
    weibao contracts template check my-contract.yaml
    weibao contracts new --template drg-wuhan --hospital WHZX --vendor DEMODRG --start 2026-01-01 \\
        --end 2026-12-31 --amount 44000
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from weibao.accounts.models import Organization
from weibao.contracts.services import contract_create_from_template
from weibao.contracts.template_loader import (
    TemplateError,
    UnknownTemplateError,
    get_template,
    list_templates,
    load_template,
)


def _org(ref: str, kind: str) -> Organization:
    org = Organization.objects.filter(Q(short_code__iexact=ref) | Q(name=ref), kind=kind).first()
    if org is None and ref.isdigit():
        org = Organization.objects.filter(pk=int(ref), kind=kind).first()
    if org is None:
        raise CommandError(f"no {kind} {ref!r} (give its short code, name or id)", returncode=2)
    return org


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"malformed {name} {text!r}: expected YYYY-MM-DD", returncode=2) from exc


class Command(BaseCommand):
    help = "Contract templates and contracts: `templates`, `template show CODE [--json]`, `template check FILE`, `new`."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("templates", help="list the template codes and titles")
        tpl = sub.add_parser("template", help="show or check a template")
        tsub = tpl.add_subparsers(dest="template_action", required=True)
        show = tsub.add_parser("show")
        show.add_argument("code")
        show.add_argument("--json", action="store_true", help="print the validated template as JSON")
        check = tsub.add_parser("check")
        check.add_argument("file")
        new = sub.add_parser("new", help="create a contract from a template")
        new.add_argument("--template", required=True)
        new.add_argument("--hospital", required=True)
        new.add_argument("--vendor", required=True)
        new.add_argument("--start", required=True)
        new.add_argument("--end")
        new.add_argument("--amount")
        new.add_argument("--code")

    def handle(self, *args, action: str, **options) -> None:
        if action == "templates":
            for code, title in list_templates():
                self.stdout.write(f"{code:<20} {title}")
            return
        if action == "template":
            self._template(options)
            return
        try:
            template = get_template(options["template"])
        except UnknownTemplateError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        amount = None
        if options.get("amount"):
            try:
                amount = Decimal(options["amount"])
            except InvalidOperation as exc:
                raise CommandError(f"malformed --amount {options['amount']!r}", returncode=2) from exc
            if not amount.is_finite() or amount < 0:
                raise CommandError(
                    f"malformed --amount {options['amount']!r}: expected a non-negative number such as 44000",
                    returncode=2,
                )
        try:
            contract = contract_create_from_template(
                actor=None,
                template=template,
                hospital=_org(options["hospital"], "hospital"),
                vendor=_org(options["vendor"], "vendor"),
                start=_date(options["start"], "--start"),
                end=_date(options["end"], "--end") if options.get("end") else None,
                amount=amount,
                code=options.get("code"),
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.message_dict.items())
                if hasattr(exc, "error_dict")
                else "; ".join(exc.messages),
                returncode=2,
            ) from exc
        self.stdout.write(
            f"created {contract.code}: {contract.terms.count()} service terms, "
            f"{contract.severities.count()} severities, {contract.payment_milestones.count()} payment "
            f"milestones, {contract.systems.count()} systems"
        )

    def _template(self, options) -> None:
        if options["template_action"] == "check":
            try:
                template = load_template(options["file"])
            except TemplateError as exc:
                raise CommandError(str(exc), returncode=2) from exc
            self.stdout.write(
                f"{options['file']}: valid ({template.code}, {len(template.service_terms)} terms)"
            )
            return
        try:
            template = get_template(options["code"])
        except UnknownTemplateError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if options["json"]:
            self.stdout.write(json.dumps(template.model_dump(mode="json"), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"{template.code}: {template.title}")
            for t in template.service_terms:
                targets = ", ".join(
                    f"{n}={getattr(t, n).compact()}"
                    for n in ("response", "onsite", "resolution")
                    if getattr(t, n) is not None
                )
                self.stdout.write(f"  {t.number:>2}. {t.item} [{t.category.label}] {targets}")
