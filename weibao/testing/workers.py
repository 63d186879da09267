"""Parallel test runs (``pytest -n N``, pytest-xdist): each worker gets its own var directory
(keys, job queue, uploads) and, with Redis, its own Redis database, so that one worker's
``cache.clear()`` or queue never reaches another's. Loaded with ``-p`` so that it runs before
Django reads its settings; a run without workers is left as it is."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw"):
    _index = int(_worker.removeprefix("gw"))
    _var = Path(os.environ.get("WEIBAO_VAR_DIR") or Path(__file__).resolve().parents[2] / "var")
    os.environ["WEIBAO_VAR_DIR"] = str(_var / f"test-{_worker}")
    if os.environ.get("REDIS_URL"):
        # Counting down from the run's database (15 in make test-pg): gw0 keeps it, gw1 takes 14…
        parts = urlsplit(os.environ["REDIS_URL"])
        base = int(parts.path.strip("/") or 0)
        os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{(base - _index) % 16}"))
