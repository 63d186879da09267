"""Named states and kinds of the probes, with their Chinese labels (one vocabulary)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProbeKind(models.TextChoices):
    """The runner kinds (:data:`weibao.probes.runners.KINDS`), as a probe names them."""

    DICOM_ECHO = "dicom-echo", _("DICOM C-ECHO")
    DICOM_WORKLIST = "dicom-worklist", _("DICOM 工作列表 C-FIND")
    HL7 = "hl7", _("HL7 MLLP 应答")
    HTTP = "http", _("HTTP(S)")
    SOAP = "soap", _("SOAP/WebService")
    TCP = "tcp", _("TCP 连接")
    TLS = "tls", _("TLS 证书有效期")
    SQL = "sql", _("SQL 查询")
    BACKUP = "backup", _("备份新鲜度")


class ProbeState(models.IntegerChoices):
    """A probe's verdict, numbered as Nagios plugins' exit codes (:class:`runners.State`)."""

    OK = 0, _("正常")
    WARN = 1, _("警告")
    CRIT = 2, _("严重")
    UNKNOWN = 3, _("未知")


#: The CSS class of each state (list and detail pages): green, amber, red, grey.
STATE_CSS = {0: "ok", 1: "warn", 2: "crit", 3: "unknown"}
