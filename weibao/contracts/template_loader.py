"""Load contract templates from YAML, with errors that name the file, the line and the key.

``load_template(path_or_text)`` parses YAML, validates it against
:class:`~weibao.contracts.template_schema.ContractTemplate` and returns the model, or raises a
:class:`TemplateError` that lists *every* problem found, one per line::

    pacs-huizhou.yaml:57: service_terms[3].response.calendar: unknown calendar '7x12' (known: ...)

Locations are found by composing the YAML to a node tree (PyYAML keeps the line of every key)
and walking the tree along the error's key path. List indexes in paths are 0-based.

The shipped templates (one per seed) live in ``weibao/contracts/templates/<code>.yaml``;
:func:`list_templates` and :func:`get_template` read them.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from weibao.contracts.template_schema import ContractTemplate, reference_issues

__all__ = [
    "TEMPLATES_DIR",
    "TemplateError",
    "TemplateIssue",
    "UnknownTemplateError",
    "check_template",
    "get_template",
    "list_templates",
    "load_template",
]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True, slots=True)
class TemplateIssue:
    """One problem in a template: where it is and what is wrong."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class TemplateError(ValueError):
    """A template that cannot be loaded; ``issues`` lists every problem found."""

    def __init__(self, issues: list[TemplateIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class UnknownTemplateError(LookupError):
    """No shipped template has that code."""


# --------------------------------------------------------------------------------------------
# YAML: a safe loader without YAML 1.1 sexagesimal numbers (so 14:00 stays a string) and with
# decimals for non-integer numbers (so money is exact)
# --------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    pass


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _INT,
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?)$"),
    list("-+0123456789."),
)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    return Decimal(loader.construct_scalar(node).replace("_", ""))


_Loader.add_constructor(_FLOAT, _construct_decimal)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def load_template(source: str | os.PathLike[str], *, name: str | None = None) -> ContractTemplate:
    """Load and validate a template from a file path or from YAML text.

    ``source`` is read as a path when it is a :class:`os.PathLike` or a one-line string ending in
    ``.yaml``/``.yml``; otherwise it is the YAML text itself. ``name`` overrides the file name
    shown in error messages.
    """
    template, issues = _load(source, name)
    if issues:
        raise TemplateError(issues)
    assert template is not None
    return template


def check_template(source: str | os.PathLike[str], *, name: str | None = None) -> list[TemplateIssue]:
    """Every problem in a template, or an empty list when it is valid."""
    return _load(source, name)[1]


def list_templates() -> list[tuple[str, str]]:
    """``[(code, title), ...]`` of the shipped templates, sorted by code."""
    out = []
    for path in sorted(TEMPLATES_DIR.glob("*.yaml")):
        template = _load_shipped(path)
        out.append((template.code, template.title))
    return out


def get_template(code: str) -> ContractTemplate:
    """The shipped template with this code."""
    path = TEMPLATES_DIR / f"{code}.yaml"
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", code or "") or not path.is_file():
        known = ", ".join(sorted(p.stem for p in TEMPLATES_DIR.glob("*.yaml")))
        raise UnknownTemplateError(f"no contract template {code!r} (known: {known})")
    return _load_shipped(path)


def _load_shipped(path: Path) -> ContractTemplate:
    template = load_template(path)
    if template.code != path.stem:
        raise TemplateError(
            [
                TemplateIssue(
                    path.name, None, "code", f"code {template.code!r} must match the file name {path.stem!r}"
                )
            ]
        )
    return template


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _load(
    source: str | os.PathLike[str], name: str | None
) -> tuple[ContractTemplate | None, list[TemplateIssue]]:
    is_path = isinstance(source, os.PathLike) or (
        isinstance(source, str) and "\n" not in source and source.strip().endswith((".yaml", ".yml"))
    )
    if is_path:
        path = Path(source)
        file = name or path.name
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            return None, [TemplateIssue(file, None, "", f"cannot read the file: {exc.strerror or exc}")]
        except UnicodeDecodeError:
            return None, [TemplateIssue(file, None, "", "the file is not UTF-8 text")]
    else:
        text = str(source)
        file = name or "<string>"

    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = ", ".join(p for p in (exc.context, exc.problem) if p)
        if exc.context_mark and mark and exc.context_mark.line != mark.line:
            problem += f" (it started on line {exc.context_mark.line + 1})"
        return None, [
            TemplateIssue(file, mark.line + 1 if mark else None, "", f"YAML syntax error: {problem}")
        ]
    except yaml.YAMLError as exc:
        return None, [TemplateIssue(file, None, "", f"YAML syntax error: {exc}")]
    finally:
        loader.dispose()

    if root is None or not isinstance(root, MappingNode) or not isinstance(data, dict):
        line = root.start_mark.line + 1 if root is not None else 1
        return None, [TemplateIssue(file, line, "", "a template must be a YAML mapping (key: value, ...)")]

    issues = _duplicate_keys(root, file)
    template: ContractTemplate | None = None
    structural: list[tuple[str | int, ...]] = []
    try:
        template = ContractTemplate.model_validate(data, context={"skip_references": True})
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            structural.append(tuple(err["loc"]))
            issues.append(_issue(file, root, structural[-1], _describe(err)))
    # Cross-references are checked on the plain data, so they are reported together with the
    # structural errors; a place that already has a structural error is not reported twice.
    for loc, message in reference_issues(data):
        if not any(loc[: len(bad)] == bad or bad[: len(loc)] == loc for bad in structural):
            issues.append(_issue(file, root, loc, message))
    issues.sort(key=lambda i: (i.line or 0, i.path))
    return (template if not issues else None), issues


def _duplicate_keys(node: Node, file: str, path: tuple[str | int, ...] = ()) -> list[TemplateIssue]:
    out: list[TemplateIssue] = []
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                line = key.start_mark.line + 1
                if key.value in seen:
                    out.append(
                        TemplateIssue(
                            file,
                            line,
                            _format_path((*path, key.value)),
                            f"duplicate key (first given on line {seen[key.value]})",
                        )
                    )
                else:
                    seen[key.value] = line
                out.extend(_duplicate_keys(value, file, (*path, key.value)))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            out.extend(_duplicate_keys(item, file, (*path, i)))
    return out


def _issue(file: str, root: Node, loc: tuple[str | int, ...], message: str) -> TemplateIssue:
    shown, line = _locate(root, loc)
    return TemplateIssue(file, line, _format_path(shown), message)


def _locate(root: Node, loc: tuple[str | int, ...]) -> tuple[list[str | int], int]:
    """Walk the YAML node tree along a validation location; return the shown path and the line."""
    node: Node | None = root
    shown: list[str | int] = []
    line = root.start_mark.line + 1
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, MappingNode):
            match = None
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value == str(part):
                    match = (key, value)
            if match is not None:
                shown.append(part)
                line = match[0].start_mark.line + 1
                node = match[1]
                continue
            if last or _is_field_name(part):
                shown.append(part)  # a missing key: point at the mapping that lacks it
            continue
        if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            shown.append(part)
            node = node.value[part]
            line = node.start_mark.line + 1
            continue
        # a scalar where a mapping was expanded by a validator, or a pydantic-internal tag
        # ("function-after[...]", union branch names): nothing more to descend into
        if isinstance(node, ScalarNode):
            break
    return shown, line


def _is_field_name(part: str | int) -> bool:
    return isinstance(part, str) and re.fullmatch(r"[a-z_][a-z0-9_]*", part) is not None


def _format_path(loc: list[str | int] | tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


# --------------------------------------------------------------------------------------------
# Messages in plain words
# --------------------------------------------------------------------------------------------


def _describe(err: dict[str, Any]) -> str:
    kind = err["type"]
    loc = tuple(err["loc"])
    value = err.get("input")
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        text = f"unknown key {loc[-1]!r}"
        if allowed:
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            if close:
                text += f" (did you mean {close[0]!r}?)"
            text += f"; allowed keys: {', '.join(allowed)}"
        return text
    if kind in ("enum", "literal_error"):
        expected = err.get("ctx", {}).get("expected", "")
        choices = ", ".join(re.findall(r"'([^']*)'", expected)) or expected
        return f"{value!r} is not allowed here; use one of: {choices}"
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    if kind == "model_type" or kind == "model_attributes_type":
        return f"expected a mapping (key: value, ...), got {_short(value)}"
    if kind == "list_type":
        return f"expected a list (- item ...), got {_short(value)}"
    if isinstance(value, (str, int, float, Decimal, bool)) or value is None:
        return f"{msg[0].lower()}{msg[1:]} (got {_short(value)})"
    return f"{msg[0].lower()}{msg[1:]}"


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value if not isinstance(value, Decimal) else str(value))
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_keys(loc: tuple[str | int, ...]) -> list[str]:
    """The keys the model at ``loc`` accepts (walking the field annotations)."""
    current: Any = ContractTemplate
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                continue  # a pydantic-internal location element
            current = field.annotation
            continue
        origin = typing.get_origin(current)
        if origin in (list, dict):
            current = typing.get_args(current)[-1]
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation
        else:
            return annotation
