"""Jinja filters and globals: Brazilian dates in the desk's time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, g
from flask_babel import gettext
from flask_login import current_user

from isocrm.localtime import local_zone
from isocrm.models.engagement import ALERT_PRIORITIES, ALERT_PRIORITY_SLUGS
from isocrm.models.ticket import code_display
from isocrm.security import current_path


def _zone() -> ZoneInfo:
    return local_zone()


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


# What the scripts (static/js) say to the user or to a screen reader. There is no JS build:
# base.html hands them over as JSON ({"Portuguese": "in the user's language"}, in
# <template id="js-texts">) and each script looks its texts up
# there by the Portuguese, which is also what it says when the block is missing. The
# placeholders (%(name)s) are filled in by the script.


def N_(text: str) -> str:
    """Marks a text for the catalogue (pybabel knows N_) without translating it here."""
    return text


JS_TEXTS = (
    # ready-answers.js
    N_("Resposta pronta inserida na Resposta."),
    N_("Não foi possível buscar a resposta pronta; tente de novo."),
    # combobox.js
    N_("%(value)s: escolhido."),
    N_("Nenhum resultado"),
    N_("1 resultado"),
    N_("%(count)s resultados"),
    N_("Nada escolhido da lista."),
    # ticket-screen.js
    N_("Sem alterações pendentes."),
    N_("Rascunho guardado às %(time)s"),
    N_("Alterações guardadas (não confirmadas) às %(time)s"),
    N_(
        "Sua sessão terminou. Entre de novo em outra aba e clique em Confirmar: o que foi "
        "guardado até agora não se perde."
    ),
    N_("Não foi possível guardar o rascunho agora."),
    N_("Sem conexão com o servidor: o rascunho será guardado quando ela voltar."),
    N_("Este detalhe tem alterações que não foram salvas. Sair dele e descartá-las?"),
    # keys.js (the help overlay: one action with two shortcuts)
    N_("%(first)s ou %(second)s"),
    # char-count.js
    N_("%(used)s de %(max)s caracteres: %(over)s a mais, encurte antes de enviar."),
    N_("%(used)s de %(max)s caracteres."),
    # lookups.js
    N_("Substitui o que está preenchido em: %(fields)s."),
)


def js_texts() -> dict[str, str]:
    """The scripts' texts in the user's language, keyed by their Portuguese."""
    return {text: gettext(text) for text in JS_TEXTS}


def init_app(app: Flask) -> None:
    from isocrm import permissions

    permissions.init_app(app)  # can('supervisor') in templates
    app.jinja_env.globals["invalid_attrs"] = invalid_attrs
    app.jinja_env.globals["js_texts"] = js_texts
    # Return addresses in forms (next=) pass the same check as the redirect that uses them.
    app.jinja_env.globals["current_path"] = current_path
    # The Alertas icon names and colours a priority as the alerts themselves do.
    app.jinja_env.globals["ALERT_PRIORITIES"] = ALERT_PRIORITIES
    app.jinja_env.globals["ALERT_PRIORITY_SLUGS"] = ALERT_PRIORITY_SLUGS
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["br_date"] = br_date
    app.jinja_env.filters["br_number"] = br_number
    # A code without its Ticket at hand (a list of codes, an event's extra data).
    app.jinja_env.filters["ticket_code"] = code_display

    @app.context_processor
    def _layout_context():
        return {
            "current_company": g.get("company"),
            "user_companies": current_user.companies if current_user.is_authenticated else [],
        }
