"""The world every tenancy case is run against."""

from __future__ import annotations

import pytest

from .world import build_world


@pytest.fixture
def world(hospital, other_hospital):
    return build_world(hospital, other_hospital)
