"""The inventory of maintained systems, their modules and interfaces."""

from __future__ import annotations

from pydantic import Field

from .scalars import Code, Text, _Model
from .vocabulary import Direction, Protocol, SystemKind


class Module(_Model):
    name: Text
    code: Code | None = None
    group: str | None = None
    description: str | None = None


class MaintainedSystem(_Model):
    code: Code
    name: Text
    kind: SystemKind
    campuses: list[Text] = Field(default_factory=list)
    departments: list[Text] = Field(default_factory=list)
    workstations: list[Text] = Field(default_factory=list)
    description: str | None = None
    modules: list[Module] = Field(default_factory=list)
    note: str | None = None


class Interface(_Model):
    code: Code
    name: Text
    system: Code
    module: str | None = None
    peer: Text
    direction: Direction
    protocol: Protocol
    text: str | None = None
    note: str | None = None


class Inventory(_Model):
    systems: list[MaintainedSystem] = Field(default_factory=list)
    interfaces: list[Interface] = Field(default_factory=list)
