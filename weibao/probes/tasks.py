"""Jobs of the probes. They only call the runtime and the retention module."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from huey import crontab

from weibao.core.tasks import periodic

from . import retention, runtime


@periodic(crontab(minute="*"), description="探针：运行到期的探针")
def probes_run_due() -> None:
    """Every minute: run the probes whose time has come, at once, and record them."""
    runtime.run_due()


@periodic(crontab(minute="7"), description="探针：把最近几小时的结果汇总为小时数据")
def probes_rollup() -> None:
    """Every hour: the last three whole hours' aggregates (what the 30-day chart reads)."""
    now = timezone.now()
    retention.rollup(start=now - timedelta(hours=3), end=now)


@periodic(crontab(hour="3", minute="20"), description="探针：汇总并删除过期的探测结果")
def probes_maintain_results() -> None:
    """Every night: roll up the last two days and delete results past their retention."""
    retention.results_maintain()
