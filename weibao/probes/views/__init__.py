"""Pages of the probes app: 监控接入 (the hospital's own monitoring) and the probes."""

from .monitoring import mapping_create, mapping_delete, monitoring, token_create, token_revoke
from .probes import (
    contract_probes,
    metrics,
    probe_create,
    probe_delete,
    probe_detail,
    probe_edit,
    probe_list,
    probe_run,
)

__all__ = [
    "contract_probes",
    "mapping_create",
    "mapping_delete",
    "metrics",
    "monitoring",
    "probe_create",
    "probe_delete",
    "probe_detail",
    "probe_edit",
    "probe_list",
    "probe_run",
    "token_create",
    "token_revoke",
]
