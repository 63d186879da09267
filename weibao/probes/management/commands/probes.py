"""``weibao probes check …``: run one probe once, as a Nagios plugin.

    weibao probes check --kind dicom-echo --host pacs.example --port 104 --called-aet PACS
    weibao probes check --kind tls --host his.example --port 443 --warn 30 --crit 7

The first line of output is ``OK|WARN|CRIT|UNKNOWN <message>[ | perfdata]`` and the exit code
0/1/2/3, so Nagios, Icinga or Zabbix can call it; bad arguments are UNKNOWN (exit 3), as the
plugin guidelines ask, not argparse's exit 2.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandParser

from weibao.probes.runners import KINDS, ConfigError, ProbeResult, State, run_probe
from weibao.probes.runners.cli import add_check_arguments, target_from_args


class BadArguments(Exception):
    pass


class _Parser(CommandParser):
    def error(self, message: str):
        raise BadArguments(message)


def _refuse(message: str):
    raise BadArguments(message)


class Command(BaseCommand):
    help = "Probes: `check --kind KIND --host H --port P …` runs one probe once as a Nagios plugin."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = _refuse  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=_Parser)
        check = sub.add_parser("check", help="run one probe once; exit 0/1/2/3 like a Nagios plugin")
        add_check_arguments(check, KINDS)

    def run_from_argv(self, argv: list[str]) -> None:
        try:
            super().run_from_argv(argv)
        except BadArguments as exc:
            self._finish(ProbeResult(State.UNKNOWN, f"bad arguments: {exc}"))

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except BadArguments as exc:
            self._finish(ProbeResult(State.UNKNOWN, f"bad arguments: {exc}"))

    def handle(self, *args, action: str, **options) -> None:
        try:
            target = target_from_args(_Namespace(options))
        except ConfigError as exc:
            self._finish(ProbeResult(State.UNKNOWN, f"bad arguments: {exc}"))
        self._finish(run_probe(options["kind"], target, timeout=options["timeout"]))

    def _finish(self, result: ProbeResult):
        self.stdout.write(result.nagios_line())
        self.stdout.flush()
        sys.exit(int(result.state))


class _Namespace:
    """Django hands options as a dict; the argument rules read attributes."""

    def __init__(self, options: dict) -> None:
        self.__dict__.update(options)
