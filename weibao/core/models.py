"""Small shared records of the installation itself."""

from django.db import models
from django.utils import timezone


class Heartbeat(models.Model):
    """The last time a background worker ran its periodic heartbeat; the UI shows whether jobs run."""

    name = models.CharField(max_length=64, primary_key=True)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"
