"""Small shared records of the installation itself."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Heartbeat(models.Model):
    """When something last showed it was alive: each worker process (``worker:<host>:<pid>``,
    every few seconds from its scheduler), and the periodic ``worker`` job that proves the queue
    round-trips. The status page reads them."""

    name = models.CharField(max_length=300, primary_key=True)
    at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"


class PeriodicRun(models.Model):
    """One tick of one periodic job. The scheduler that inserts the row first enqueues the job
    (the unique constraint is the lock that makes it run once per tick whatever the number of
    workers, see :mod:`weibao.core.scheduler`); the worker that runs it records start and end."""

    task = models.CharField(max_length=200)
    tick = models.DateTimeField()
    task_id = models.CharField(max_length=64, blank=True, db_index=True)
    scheduled_by = models.CharField(max_length=300, blank=True)
    ran_by = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-tick", "task"]
        constraints = [models.UniqueConstraint(fields=["task", "tick"], name="periodic_run_once_per_tick")]

    def __str__(self) -> str:
        return f"{self.task} @ {self.tick:%Y-%m-%d %H:%M}"


class IdempotencyKey(models.Model):
    """A request that must take effect once: the ``Idempotency-Key`` of an API create, or the
    one-time token of a report form. Written in the same transaction as what it created, so a
    retry finds either both or neither, and answered from here: the same status and body, or
    the object made the first time. Keys older than ``IDEMPOTENCY_TTL`` are forgotten."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, blank=True)
    status_code = models.PositiveSmallIntegerField(default=200)
    response = models.TextField(blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "scope", "key"], condition=Q(user__isnull=False), name="idempotency_key_user"
            ),
            models.UniqueConstraint(
                fields=["scope", "key"], condition=Q(user__isnull=True), name="idempotency_key_anonymous"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
