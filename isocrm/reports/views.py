"""Imprimir relatório: the ticket as a print-ready page and as a PDF."""

from pathlib import Path

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from isocrm.i18n import user_language
from isocrm.loaders import get_ticket
from isocrm.models import Ticket
from isocrm.models.base import utcnow
from isocrm.models.ticket import STAGE_CONFIRMED
from isocrm.permissions import ROLE_ATTENDANT, allow
from isocrm.reports import bp, pdf
from isocrm.reports.pdf import PDF_BUSY_MESSAGE, PDF_UNAVAILABLE_MESSAGE
from isocrm.ticket_reads import detail_options, for_customer, ticket_screen_options

# Whom the report is for (?para=): the customer's leaves out every detail marked Interno and
# every Nota interna; the team's shows them, marked. The customer's is the default, so a
# report printed or sent without thinking about it never carries the team's notes.
FOR_CUSTOMER = "cliente"
FOR_TEAM = "equipe"


def audience() -> str:
    return FOR_TEAM if request.args.get("para") == FOR_TEAM else FOR_CUSTOMER


def _html_url(code: int) -> str:
    """The HTML report for the same audience (the customer's needs no ?para=)."""
    return url_for(
        "reports.ticket_report", code=code, para=FOR_TEAM if audience() == FOR_TEAM else None
    )


def report_options():
    """Everything the report prints, in a number of queries that does not grow with it: what
    the ticket screen loads, plus the Empresa and every detail with its lines."""
    return (
        *ticket_screen_options(),
        joinedload(Ticket.company),
        selectinload(Ticket.details).options(*detail_options()),
    )


def print_css_extra() -> str | None:
    """The stylesheet with print.css's page-margin texts in the user's language (CSS has no
    catalogue), or None in Portuguese, print.css's own."""
    return {"en": "print-en.css"}.get(user_language())


def _report_html(code: int, for_pdf: bool) -> tuple[Ticket, str]:
    ticket = get_ticket(code, *report_options())
    if ticket.stage != STAGE_CONFIRMED:
        abort(404)  # a draft (or a discarded one) is not a ticket to report on
    html = render_template(
        "reports/ticket.html",
        ticket=ticket,
        entity=ticket.entity,
        details=ticket.details if audience() == FOR_TEAM else for_customer(ticket.details),
        audience=audience(),
        printed_at=utcnow(),
        printed_by=current_user.name,
        for_pdf=for_pdf,
        print_css_extra=print_css_extra(),
    )
    return ticket, html


@bp.get("/atendimentos/<int:code>/relatorio")
@allow(ROLE_ATTENDANT)
def ticket_report(code: int):
    """Imprimir relatório: the whole ticket on its own page, laid out for A4."""
    return _report_html(code, for_pdf=False)[1]


@bp.get("/atendimentos/<int:code>/relatorio.pdf")
@allow(ROLE_ATTENDANT)
def ticket_report_pdf(code: int):
    """The same report as a PDF, laid out on the server by WeasyPrint (no browser)."""
    ticket, html = _report_html(code, for_pdf=True)
    css = "\n".join(
        Path(current_app.static_folder, "css", name).read_text(encoding="utf-8")
        for name in ("print.css", print_css_extra())
        if name
    )
    try:
        with pdf.render_slot(current_app._get_current_object()):
            document = pdf.html_to_pdf(html, css, current_app.static_folder)
    except pdf.PdfBusy as error:
        current_app.logger.warning("Report PDF refused: %s", error)
        page = render_template(
            "reports/pdf_unavailable.html",
            title=_("Servidor ocupado"),
            message=_(PDF_BUSY_MESSAGE),
            report_url=_html_url(code),
        )
        return page, 503, {"Retry-After": "5"}
    except pdf.PdfUnavailable as error:
        current_app.logger.warning("Report PDF unavailable: %s", error)
        page = render_template(
            "reports/pdf_unavailable.html",
            message=_(PDF_UNAVAILABLE_MESSAGE),
            report_url=_html_url(code),
        )
        return page, 503
    suffix = "-interno" if audience() == FOR_TEAM else ""
    filename = f"atendimento-{ticket.code_display}{suffix}.pdf"
    headers = {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="{filename}"',
    }
    return document, 200, headers
