"""The ``weibao`` command: Django's management commands plus ``weibao manage …``.

``weibao serve``, ``weibao worker``, ``weibao demo``, ``weibao audit verify``, ``weibao sla …`` are
management commands of the apps; ``weibao manage <anything>`` runs any Django command.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weibao.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "manage":
        args = args[1:]
    execute_from_command_line(["weibao", *args])


if __name__ == "__main__":
    main()
