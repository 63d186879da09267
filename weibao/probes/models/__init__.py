"""Tables of the probes app: probes and their results, alerts (from probes and the hospital's own
monitoring)."""

from .alerts import Alert, MonitoringMapping, MonitoringToken
from .probes import Probe, ProbeHourly, ProbeResult

__all__ = ["Alert", "MonitoringMapping", "MonitoringToken", "Probe", "ProbeHourly", "ProbeResult"]
