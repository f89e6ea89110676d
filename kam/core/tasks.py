"""Tasks of the ground floor: keeping the security log to its retention."""

from celery import shared_task

from . import security_log


@shared_task(name="kam.prune_security_log")
def prune_security_log() -> int:
    """Delete security events older than SECURITY_LOG_DAYS (nightly, from beat)."""
    return security_log.prune()
