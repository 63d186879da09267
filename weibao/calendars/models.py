"""Work calendars (7×24, 7×8, 5×8, hospital hours …) and China's statutory holiday data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weibao.core.tenancy import user_scope


class DayRule(models.TextChoices):
    EVERY_DAY = "every_day", _("每天（含节假日）")
    STATUTORY = "statutory_workdays", _("法定工作日（含调休）")


class ExceptionSource(models.TextChoices):
    STATUTORY = "statutory", _("法定")
    IMPORTED = "imported", _("导入")
    MANUAL = "manual", _("手工")


class WorkCalendarQuerySet(models.QuerySet):
    def visible_to(self, user) -> WorkCalendarQuerySet:
        """Shared calendars (no owner) are visible to everyone; an organisation's own calendars to
        those who see that organisation."""
        scope = user_scope(user)
        if scope.everything:
            return self
        owners = set(scope.org_ids) | set(scope.hospital_ids) | set(scope.contract_hospital_ids)
        return self.filter(Q(owner__isnull=True) | Q(owner_id__in=owners))

    def usable_by(self, *org_ids: int) -> WorkCalendarQuerySet:
        """The calendars a contract between these organisations may count on: the shared ones and
        the parties' own (never another hospital's private calendar)."""
        return self.filter(Q(owner__isnull=True) | Q(owner_id__in=org_ids))


class WorkCalendar(models.Model):
    """When a clock runs: weekly opening periods, a day rule, and dated exceptions.

    ``weekly`` maps a weekday ("0" = Monday … "6" = Sunday) to a list of ``["HH:MM", "HH:MM"]``
    periods; ``"24:00"`` ends a period at midnight. ``version`` grows with every change to the
    calendar or its exceptions, so cached schedules know when to rebuild.
    """

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    tz = models.CharField(_("时区"), max_length=64, default="Asia/Shanghai")
    day_rule = models.CharField(
        _("日规则"), max_length=24, choices=DayRule.choices, default=DayRule.EVERY_DAY
    )
    weekly = models.JSONField(_("每周开放时段"), default=dict)
    owner = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendars",
        verbose_name=_("所属机构"),
    )
    is_builtin = models.BooleanField(_("内置"), default=False)
    note = models.CharField(_("说明"), max_length=256, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = WorkCalendarQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["-is_builtin", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CalendarException(models.Model):
    """One dated exception of one calendar: closed all day (no periods) or open with its own periods."""

    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("日期"))
    periods = models.JSONField(_("开放时段"), default=list, blank=True)
    source = models.CharField(
        _("来源"), max_length=16, choices=ExceptionSource.choices, default=ExceptionSource.MANUAL
    )
    note = models.CharField(_("备注"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("日历例外")
        verbose_name_plural = _("日历例外")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="calendar_exception_unique")]

    def __str__(self) -> str:
        return f"{self.calendar.code} {self.date}"

    @property
    def is_closed(self) -> bool:
        return not self.periods


class StatutoryYear(models.Model):
    """A year whose statutory holiday arrangement (国务院办公厅通知) is known to Weibao."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    source = models.CharField(_("来源"), max_length=200)
    papers = models.JSONField(_("通知链接"), default=list, blank=True)
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("法定节假日年份")
        verbose_name_plural = _("法定节假日年份")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class StatutoryDay(models.Model):
    """A day of a statutory arrangement: a holiday (休) or a 调休 make-up workday (班)."""

    year = models.ForeignKey(StatutoryYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"))
    name = models.CharField(_("节日"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("法定节假日")
        verbose_name_plural = _("法定节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'} {self.name}"
