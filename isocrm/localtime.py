"""The desk's clock: the Empresa's local time zone (config TIMEZONE, America/Sao_Paulo by
default) for what people read and type (dates on screens, "today" in validations, exports).
Stored times stay UTC (isocrm.models.base.utcnow)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_now() -> datetime:
    return datetime.now(local_zone())


def local_today() -> date:
    return local_now().date()
