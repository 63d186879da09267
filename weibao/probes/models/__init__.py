"""Tables of the probes app: alerts (from probes and the hospital's own monitoring)."""

from .alerts import Alert, MonitoringMapping, MonitoringToken

__all__ = ["Alert", "MonitoringMapping", "MonitoringToken"]
