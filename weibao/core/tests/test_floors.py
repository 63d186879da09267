"""The floors: core imports no app, no import cycles (the contracts in ``pyproject.toml``), and
the hooks through which the apps above plug into core."""

from __future__ import annotations

from pathlib import Path

import pytest

from weibao.core.tasks import JobRef
from weibao.core.tenancy import EVERYTHING, Scope


def test_the_import_contracts_hold():
    """What ``make lint`` checks with ``lint-imports``, so that a plain ``pytest`` fails too on an
    upward import or a cycle (the report is printed)."""
    from importlinter import configuration
    from importlinter.application.use_cases import lint_imports

    configuration.configure()
    pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
    assert lint_imports(config_filename=str(pyproject), cache_dir=None, no_logo=True)


def test_a_job_reference_queues_the_job_it_was_bound_to():
    calls = []

    class Job:
        def __call__(self, *args):
            calls.append(("now", args))

        def schedule(self, *, args, eta, delay):
            calls.append(("later", args, delay))

    ref: JobRef[[int]] = JobRef("test-job")
    with pytest.raises(RuntimeError, match="test-job"):
        ref(1)
    ref.bind(Job())
    ref(1)
    ref.schedule(args=(2,), delay=5)
    assert calls == [("now", (1,)), ("later", (2,), 5)]


def test_a_scope_is_equal_whatever_generation_it_was_read_at():
    assert Scope(everything=True, generation=7) == EVERYTHING
    assert Scope(hospital_ids=frozenset({1}), generation=1) != Scope(
        hospital_ids=frozenset({2}), generation=1
    )
