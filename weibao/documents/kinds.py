"""The kinds of document Weibao produces, each with its default DOCX template.

An app registers its kinds in ``AppConfig.ready()``; the renderer, the archive and the hospital's
template page know a kind only by its code ("<app>.<name>"). A hospital may replace a kind's
template with its own DOCX (:mod:`.services`); ``sample_context`` is what its replacement must be
able to render before it is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DocumentKind:
    code: str
    label: Any  # a lazy translation string
    default_template: Path | Callable[[], bytes] | None = None
    sample_context: Callable[[], dict[str, Any]] = field(default=dict)

    @property
    def has_template(self) -> bool:
        return self.default_template is not None

    def default_bytes(self) -> bytes:
        if self.default_template is None:
            raise LookupError(f"document kind {self.code} has no DOCX template")
        if isinstance(self.default_template, Path):
            return self.default_template.read_bytes()
        return self.default_template()


_kinds: dict[str, DocumentKind] = {}


def register_kind(kind: DocumentKind) -> None:
    _kinds[kind.code] = kind


def get_kind(code: str) -> DocumentKind:
    try:
        return _kinds[code]
    except KeyError:
        raise LookupError(f"unknown document kind {code!r}") from None


def all_kinds() -> list[DocumentKind]:
    return sorted(_kinds.values(), key=lambda k: k.code)


def template_kinds() -> list[DocumentKind]:
    """The kinds printed from a DOCX template (those a hospital can replace)."""
    return [k for k in all_kinds() if k.has_template]
