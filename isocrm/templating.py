"""Jinja filters and globals: Brazilian dates in the desk's time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g
from flask_login import current_user

from isocrm.security import current_path


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_datetime(value: datetime | None) -> str:
    """dd/mm/aaaa hh:mm in America/Sao_Paulo."""
    if value is None:
        return ""
    return value.astimezone(_zone()).strftime("%d/%m/%Y %H:%M")


def br_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_zone()).date()
    return value.strftime("%d/%m/%Y")


def br_number(value, places: int = 2) -> str:
    """1234.5 -> '1.234,50'."""
    if value is None:
        return ""
    text = f"{value:,.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def invalid_attrs(field) -> dict:
    """aria attributes that tie an input with errors to its list of messages."""
    if not field.errors:
        return {}
    return {"aria-invalid": "true", "aria-describedby": f"{field.id}-errors"}


def has_endpoint(name: str) -> bool:
    """Whether a screen exists yet: icons of screens not built are shown disabled."""
    return name in current_app.view_functions


def init_app(app: Flask) -> None:
    from isocrm import permissions

    permissions.init_app(app)  # can('supervisor') in templates
    app.jinja_env.globals["invalid_attrs"] = invalid_attrs
    app.jinja_env.globals["has_endpoint"] = has_endpoint
    # Return addresses in forms (next=) pass the same check as the redirect that uses them.
    app.jinja_env.globals["current_path"] = current_path
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["br_date"] = br_date
    app.jinja_env.filters["br_number"] = br_number

    @app.context_processor
    def _layout_context():
        return {
            "current_company": g.get("company"),
            "user_companies": current_user.companies if current_user.is_authenticated else [],
        }
