"""Tickets (工单), their SLA clocks, their append-only timeline, attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.accounts import permissions
from weibao.core.tenancy import TenantModel, TenantQuerySet

from ..choices import ClockKind, ClockStatus, EventKind, TicketChannel, TicketState

#: The open states in the order the partial indexes' migrations wrote them (their conditions).
OPEN_STATE_CODES = [
    str(s)
    for s in (
        TicketState.NEW,
        TicketState.RESPONDED,
        TicketState.IN_PROGRESS,
        TicketState.ONSITE_REQUIRED,
        TicketState.ONSITE,
        TicketState.ON_HOLD,
        TicketState.WAITING_HOSPITAL,
        TicketState.REOPENED,
    )
]


class TicketQuerySet(TenantQuerySet):
    def visible_to(self, user) -> TicketQuerySet:
        """The one rule, narrowed for department users: they see their department's tickets and
        the ones they reported, not the whole hospital's."""
        qs = super().visible_to(user)
        departments = permissions.department_only(user)
        if departments is not None:
            qs = qs.filter(Q(department_id__in=sorted(departments)) | Q(reporter_id=user.pk))
        return qs

    def reported_by(self, user) -> TicketQuerySet:
        """The visible tickets ``user`` reported. A department user's own reports are within the
        narrowing above by its second half, so it is left out here: with it PostgreSQL misjudged
        "hospital and reporter" as one row and read and sorted all of them for the latest five."""
        return super().visible_to(user).filter(reporter_id=user.pk)


class Ticket(TenantModel):
    """One request or fault under one contract, of one service term (category)."""

    tenant_contract_field = "contract"

    number = models.CharField(_("工单号"), max_length=40, unique=True)
    # The number a ticket had where it came from (the 工单号 of an imported ledger). Never in the
    # number sequence's space: what a hospital imports cannot take another hospital's numbers.
    original_number = models.CharField(_("原工单号"), max_length=64, blank=True)
    # Foreign keys that lead a composite index below carry no index of their own: every ticket
    # insert maintains each index, and the composite ones serve the same lookups.
    hospital = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    term = models.ForeignKey(
        "contracts.ServiceTerm", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("服务项目")
    )
    category = models.CharField(_("类别"), max_length=32)
    severity = models.ForeignKey(
        "contracts.Severity",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("故障等级"),
    )
    system = models.ForeignKey(
        "contracts.MaintainedSystem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("系统"),
    )
    module = models.ForeignKey(
        "contracts.Module",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("模块"),
    )
    interface = models.ForeignKey(
        "contracts.Interface",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("接口"),
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("科室"),
    )
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("描述"), blank=True)
    channel = models.CharField(
        _("来源"), max_length=16, choices=TicketChannel.choices, default=TicketChannel.WEB
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_tickets",
        verbose_name=_("报告人"),
    )
    caller_name = models.CharField(_("来电人"), max_length=64, blank=True)
    caller_department = models.CharField(_("来电科室"), max_length=64, blank=True)
    caller_phone = models.CharField(_("来电电话"), max_length=32, blank=True)
    location = models.CharField(_("位置/工作站"), max_length=128, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("处理人"),
        db_index=False,
    )
    watchers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="watched_tickets")
    state = models.CharField(_("状态"), max_length=20, choices=TicketState.choices, default=TicketState.NEW)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("报告时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    solution = models.TextField(_("解决方案"), blank=True)
    root_cause = models.TextField(_("根本原因"), blank=True)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    rating_comment = models.TextField(_("评价意见"), blank=True)
    cancel_reason = models.TextField(_("取消原因"), blank=True)
    # The vendor's move the hospital has yet to agree to (取消, or a pause the contract does not
    # give the vendor alone): until it does, the ticket stays where it is and its clocks run.
    pending_action = models.CharField(_("待医院确认的申请"), max_length=20, blank=True)
    pending_reason = models.TextField(_("申请理由"), blank=True)
    pending_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    pending_at = models.DateTimeField(_("申请时间"), null=True, blank=True)
    vendor_caused = models.BooleanField(_("因乙方原因"), default=False)
    vendor_caused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    vendor_caused_reason = models.TextField(blank=True)
    adverse_event = models.BooleanField(_("恶性事件"), default=False)
    adverse_event_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    adverse_event_reason = models.TextField(blank=True)
    # Denormalised from the clocks so that lists sort and filter by risk without recomputing.
    next_due_at = models.DateTimeField(_("最近到期"), null=True, blank=True)
    sla_breached = models.BooleanField(_("已超时"), default=False)
    sla_provisional = models.BooleanField(default=False)
    imported = models.BooleanField(_("历史导入"), default=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["hospital", "state", "next_due_at"], name="ticket_risk_idx"),
            # The risk board: a hospital's open tickets in order of their next deadline, read in
            # index order and stopped after one page. Only open tickets have a next_due_at.
            models.Index(
                fields=["hospital", "next_due_at", "id"],
                name="ticket_due_idx",
                condition=models.Q(next_due_at__isnull=False),
            ),
            models.Index(fields=["contract", "created_at"], name="ticket_contract_idx"),
            models.Index(fields=["assignee", "state"], name="ticket_assignee_idx"),
            models.Index(fields=["-created_at", "-id"], name="ticket_recent_idx"),
            # The home pages' open and at-risk counts and a vendor's risk board across its
            # contracts (a vendor sees by contract, not by hospital); only open tickets are in it.
            models.Index(
                fields=["contract", "next_due_at"],
                name="ticket_open_contract_idx",
                condition=models.Q(state__in=OPEN_STATE_CODES),
            ),
            # The risk board of someone who sees many contracts (a vendor manager over 200): open
            # tickets in due order, filtered by contract as they are read (the first rows come
            # after reading a few dozen, instead of merging one index range per contract).
            models.Index(
                fields=["next_due_at", "id"],
                name="ticket_open_due_idx",
                condition=models.Q(
                    next_due_at__isnull=False,
                    state__in=OPEN_STATE_CODES,
                ),
            ),
            # A reporter's latest reports (the department user's home page).
            models.Index(
                fields=["hospital", "reporter", "-created_at", "-id"], name="ticket_reporter_recent_idx"
            ),
            # The home pages' weekly closed counts; only closed tickets are in it.
            models.Index(
                fields=["hospital", "closed_at"],
                name="ticket_closed_idx",
                condition=models.Q(closed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        from ..choices import OPEN_STATES

        return self.state in OPEN_STATES


class TicketSequence(models.Model):
    """The last number given to a hospital's tickets in a year (HZZD-2026-00123)."""

    hospital = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hospital", "year"], name="ticket_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.hospital_id}-{self.year}: {self.last}"


class TicketClock(models.Model):
    """One SLA clock of one ticket: the target snapshotted from the contract when the ticket was
    created (or its category/severity changed), and the last evaluation of the clock engine."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="clocks", db_index=False)
    kind = models.CharField(_("时钟"), max_length=16, choices=ClockKind.choices)
    target = models.JSONField(_("目标"))
    calendar = models.CharField(_("日历"), max_length=32)
    paused_in = models.JSONField(default=list)
    start_event = models.CharField(max_length=32, blank=True)
    stop_event = models.CharField(max_length=32)
    status = models.CharField(
        _("状态"), max_length=16, choices=ClockStatus.choices, default=ClockStatus.PENDING
    )
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("到期"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(_("达成"), null=True, blank=True)
    breached_at = models.DateTimeField(_("超时于"), null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breach_notified_at = models.DateTimeField(null=True, blank=True)
    elapsed = models.PositiveIntegerField(default=0)
    target_seconds = models.PositiveIntegerField(null=True, blank=True)
    percent_used = models.FloatField(null=True, blank=True)
    provisional = models.BooleanField(default=False)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("时钟")
        verbose_name_plural = _("时钟")
        ordering = ["ticket_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["ticket", "kind"], name="ticket_clock_unique")]
        # The scan's three questions, each answered by a partial index holding only the clocks
        # it asks about (a clock leaves them as it is settled, so they stay small); lookups by
        # ticket use the unique constraint's index.
        indexes = [
            models.Index(
                fields=["due_at"], name="clock_due_idx", condition=models.Q(status=ClockStatus.RUNNING)
            ),
            models.Index(
                fields=["warn_at"],
                name="clock_warn_idx",
                condition=models.Q(status=ClockStatus.RUNNING, warned_at__isnull=True),
            ),
            models.Index(
                fields=["ticket"],
                name="clock_breach_idx",
                condition=models.Q(status=ClockStatus.BREACHED, breach_notified_at__isnull=True),
            ),
            # The home pages' "breached this month": breached clocks by when they breached.
            models.Index(
                fields=["breached_at", "ticket"],
                name="clock_breached_at_idx",
                condition=models.Q(status=ClockStatus.BREACHED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.status}"


class TicketEvent(models.Model):
    """The append-only timeline: who did what when, from which state to which, and the clock
    events (responded, escalated_onsite, arrived, resolved) the clocks are computed from."""

    # Looked up by ticket through ticket_event_idx (ticket, at).
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    action = models.CharField(max_length=32, blank=True)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    clock_event = models.CharField(max_length=32, blank=True)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    internal = models.BooleanField(_("仅内部可见"), default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.at:%Y-%m-%d %H:%M} {self.kind} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuntimeError("the ticket timeline is append-only")
        super().save(*args, **kwargs)


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"tickets/{instance.ticket.hospital_id}/{instance.ticket_id}/{filename}"


class Attachment(models.Model):
    """A screenshot or log attached to a ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    internal = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class SavedFilter(models.Model):
    """A user's named ticket filter (the query string of the list page)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("名称"), max_length=64)
    query = models.CharField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique")]

    def __str__(self) -> str:
        return self.name
