"""Roles, proven route by route: every rule of app.url_map × who asks × how it is asked.

Who: anônimo, the atendente of Empresa A, an atendente of Empresa B, the supervisor, an
admin. How: the full page, and the htmx request (HX-Request: true) of the same URL.

    anonymous                        → 302 to /entrar (htmx: 401 with HX-Redirect)
    a role below the route's         → 403, with the Portuguese message
    atendente of B, a record of A    → 404, never the record's data
    everyone else                    → a real answer: 2xx, 3xx or a 4xx for the bad input
                                       sent, never 401, 403, 404 or 500

ROUTES has one line per rule and method: the lowest role (it must be the one declared with
@allow next to the route), what to post, and what of Empresa A's data the answer shows. A
new route fails `test_every_rule_is_in_the_table` until it gets its line.

One app and database serve the whole module (logins are scrypt-slow); a request that
removes something gets a fresh record to remove (`fresh`), so the order of the cases
never matters.
"""

import itertools
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from isocrm import create_app
from isocrm.extensions import db as _db
from isocrm.imports.views import store_upload
from isocrm.models import (
    Base,
    Cause,
    Channel,
    Company,
    DetailInfo,
    HistoryDelivery,
    Holiday,
    InboundMessage,
    OutboxMessage,
    ProductInfo,
    ReadyAnswer,
    Relation,
    Ticket,
    TicketDetail,
    User,
)
from isocrm.models.entity import Address
from isocrm.permissions import declared_role
from isocrm.security import PUBLIC_ENDPOINTS
from isocrm.tickets import service as ticket_service
from tests.conftest import DATABASE_URL, ON_POSTGRES, AuthActions, IsolatedClient, csrf_token_from

ATT, SUP, ADM, PUBLIC = "atendente", "supervisor", "admin", "público"

ANON, ATT_A, ATT_B, SUPERVISOR, ADMIN = (
    "anonimo",
    "atendente_a",
    "atendente_b",
    "supervisor",
    "admin",
)
WHO = (ANON, ATT_A, ATT_B, SUPERVISOR, ADMIN)
RANK = {ANON: -1, ATT_A: 0, ATT_B: 0, SUPERVISOR: 1, ADMIN: 2}
ROLE_RANK = {ATT: 0, SUP: 1, ADM: 2}
LOGINS = {
    ATT_A: ("atendente", "atendente123"),
    ATT_B: ("atendente.sul", "atendente-sul-123"),
    SUPERVISOR: ("supervisor", "supervisor123"),
    ADMIN: ("admin.teste", "admin-teste-123"),
}


@dataclass
class Case:
    role: str  # the lowest role: atendente, supervisor, admin (or público: login, static)
    data: dict = field(default_factory=dict)  # posted besides the CSRF token
    query: str = ""
    shows: str | None = None  # key of World.text: A's data a 200 must show, B must never see
    of_a: bool | None = None  # names a record of Empresa A (default: the rule has an <int:>)
    fresh: Callable | None = None  # (world) -> placeholder values made for this request
    expect: dict = field(default_factory=dict)  # who -> status, for rules on the record
    after: str | None = None  # "login again" after a logout
    allowed: int | None = None  # the exact status of the allowed users, when known
    no_pdf: bool = False  # hide WeasyPrint from this request (see the PDF's line)


# fmt: off
ROUTES: dict[str, Case] = {
    "GET /entrar": Case(PUBLIC),
    "POST /entrar": Case(PUBLIC),
    "GET /static/<path:filename>": Case(PUBLIC),
    "GET /entrar/codigo": Case(PUBLIC),
    "POST /entrar/codigo": Case(PUBLIC),
    # The customer's satisfaction survey: public, the link's token is the only key.
    "GET /pesquisa/<token>": Case(PUBLIC, fresh=lambda w: w.new_survey(), allowed=200),
    "POST /pesquisa/<token>": Case(
        PUBLIC, fresh=lambda w: w.new_survey(), data={"rating": "4"}, allowed=200
    ),
    "POST /sair": Case(ATT, after="login again"),
    "GET /conta/senha": Case(ATT),
    "POST /conta/senha": Case(ATT),  # nothing typed: 422, the messages beside the fields
    "GET /conta/2fa": Case(ATT),
    "GET /preferencias": Case(ATT),
    "POST /preferencias": Case(ATT),  # nothing chosen: 422, the message beside the field
    "POST /conta/2fa": Case(ATT),
    "GET /privacidade/": Case(SUP),
    "GET /privacidade/entidades/<int:entity_id>": Case(SUP, shows="maria"),
    "GET /privacidade/entidades/<int:entity_id>/dados.json": Case(SUP, shows="maria"),
    "GET /privacidade/entidades/<int:entity_id>/dados.zip": Case(SUP),
    # Nothing confirmed: refused with the reason, Maria is never anonymised here.
    "POST /privacidade/entidades/<int:entity_id>/anonimizar": Case(SUP),
    # An Empresa the user is not in is refused as such (403), as tests/test_security.py says.
    "POST /empresa": Case(ATT, data={"company_id": "{company_a}", "next": "/"},
                          expect={ATT_B: 403}),
    "GET /": Case(ATT, query="aba=todos", shows="maria"),
    "GET /painel/contagens": Case(ATT),
    # Exportar CSV: A's tickets to A's users, none of them to the atendente of B.
    "GET /painel.csv": Case(ATT, query="aba=todos", shows="maria"),
    "POST /painel/passar": Case(ATT),  # nothing selected: back to the painel with the reason
    "POST /painel/situacao": Case(SUP),
    "GET /atendimentos/": Case(ATT, query="q=maria", shows="maria"),
    "GET /busca": Case(ATT, query="q=maria+aparecida", shows="maria"),
    "GET /entidades/<int:entity_id>/atendimentos": Case(ATT, shows="maria"),
    "POST /entidades/<int:entity_id>/atendimentos": Case(ATT),
    "GET /entidades/<int:entity_id>/atendimentos/novo": Case(ATT),
    "GET /atendimentos/<int:code>": Case(ATT, shows="maria"),
    "POST /atendimentos/<int:code>": Case(ATT),
    "GET /atendimentos/<int:code>/detalhes": Case(ATT, query="detalhe=1", shows="detail"),
    "POST /atendimentos/<int:code>/rascunho": Case(ATT),
    "POST /atendimentos/<int:code>/alteracoes/descartar": Case(ATT),
    # A draft opened by the supervisor: the atendente may not give it up for them.
    "POST /atendimentos/<int:code>/descartar": Case(
        ATT, fresh=lambda w: {"code": w.new_draft()}, data={"ticket_id": "{ticket_id}"},
        expect={ATT_A: 403}),
    "POST /atendimentos/<int:code>/detalhes": Case(ATT),
    "POST /atendimentos/<int:code>/detalhes/<int:detail_id>": Case(ATT),
    "POST /atendimentos/<int:code>/detalhes/<int:detail_id>/informacoes/<int:info_id>/excluir":
        Case(ATT, fresh=lambda w: {"info_id": w.new_info()}),
    # No file chosen: back to the detail with the reason (303; htmx: 422 beside the field).
    "POST /atendimentos/<int:code>/detalhes/<int:detail_id>/anexos": Case(ATT),
    "GET /atendimentos/<int:code>/detalhes/<int:detail_id>/anexos": Case(ATT),
    "GET /anexos/<int:attachment_id>": Case(ATT, fresh=lambda w: w.new_attachment()),
    "GET /anexos/<int:attachment_id>/miniatura": Case(ATT, fresh=lambda w: w.new_attachment()),
    "POST /anexos/<int:attachment_id>/excluir": Case(ATT, fresh=lambda w: w.new_attachment()),
    "GET /atendimentos/<int:code>/responsavel": Case(ATT, shows="maria"),
    "GET /atendimentos/<int:code>/responsavel/painel": Case(ATT),
    # Nothing chosen and no version: "changed meanwhile" (409), nothing passed.
    "POST /atendimentos/<int:code>/responsavel": Case(ATT),
    "POST /atendimentos/<int:code>/assumir": Case(ATT),
    "GET /atendimentos/opcoes/ocorrencias": Case(ATT, query="reason_id={reason_id}",
                                                 shows="occurrence"),
    "GET /atendimentos/opcoes/causas": Case(
        ATT, query="reason_id={reason_id}&occurrence_id={occurrence_id}", shows="cause"),
    "GET /atendimentos/opcoes/informacao": Case(
        ATT, query="reason_id={reason_id}&occurrence_id={occurrence_id}&index=1",
        shows="product"),
    "GET /atendimentos/opcoes/locais": Case(ATT, query="q=bom", shows="mercado"),
    "GET /atendimentos/opcoes/relacionados": Case(ATT, query="q=maria", shows="maria"),
    "GET /entidades/<int:entity_id>/contatos": Case(ATT, shows="jose"),
    "GET /atendimentos/<int:code>/respostas-prontas": Case(ATT, query="q=troca"),
    # The answer filled for Maria's ticket: her name in it ({{ nome }}).
    "GET /atendimentos/<int:code>/respostas-prontas/<int:answer_id>": Case(
        ATT, fresh=lambda w: w.ready_answer(), shows="maria"),
    "GET /atendimentos/<int:code>/email": Case(ATT, shows="maria"),
    # The composer says which Empresa it was written in; another one than the current is
    # refused before any ticket is looked at (409, the posted text back, nothing of A).
    "POST /atendimentos/<int:code>/email": Case(ATT, expect={ATT_B: 409}),
    "GET /caixa-de-saida": Case(ATT, shows="outbox"),
    "GET /caixa-de-entrada": Case(ATT, shows="inbound"),
    "GET /caixa-de-entrada/<int:message_id>": Case(
        ATT, shows="inbound", fresh=lambda w: {"message_id": w.new_inbound()}),
    # Linked to Maria: a draft of hers (303 to it); B's Maria is not found.
    "POST /caixa-de-entrada/<int:message_id>/vincular": Case(
        ATT, data={"entity_id": "{entity_id}"}, fresh=lambda w: {"message_id": w.new_inbound()}),
    "POST /caixa-de-entrada/<int:message_id>/descartar": Case(
        ATT, fresh=lambda w: {"message_id": w.new_inbound()}),
    "POST /caixa-de-entrada/<int:message_id>/incluir-no-atendimento": Case(
        ATT, fresh=lambda w: {"message_id": w.new_inbound(quoting=True)}),
    "GET /configuracoes/caixa-de-entrada": Case(SUP),
    # Nothing typed: 422, the messages beside the fields.
    "POST /configuracoes/caixa-de-entrada": Case(SUP),
    # An e-mail the supervisor wrote: the atendente may not send it again.
    "POST /caixa-de-saida/<int:message_id>/reenviar": Case(ATT, expect={ATT_A: 403}),
    "GET /atendimentos/<int:code>/relatorio": Case(ATT, shows="maria"),
    # Printing takes seconds: here Chromium is hidden and the allowed get the "PDF
    # indisponível" page (503); tests/test_reports.py prints the real PDF.
    "GET /atendimentos/<int:code>/relatorio.pdf": Case(ATT, no_pdf=True, allowed=503),
    "GET /entidades/nova": Case(ATT),
    # No provider configured here: an empty answer, nothing offered.
    "GET /entidades/consulta/cep": Case(ATT, query="campo=c&c=01001-000"),
    "GET /entidades/consulta/cnpj": Case(ATT, query="campo=d&d=11222333000181"),
    "POST /entidades/nova": Case(ATT),
    "GET /entidades/<int:entity_id>/cadastro": Case(ATT, shows="maria"),
    "POST /entidades/<int:entity_id>/cadastro": Case(ATT),
    "GET /entidades/<int:entity_id>/cadastro/<slug>": Case(ATT, shows="street"),
    "POST /entidades/<int:entity_id>/cadastro/<slug>": Case(ATT),
    "GET /entidades/<int:entity_id>/cadastro/<slug>/<int:row_id>/editar": Case(
        ATT, shows="street"),
    "POST /entidades/<int:entity_id>/cadastro/<slug>/<int:row_id>": Case(ATT),
    "POST /entidades/<int:entity_id>/cadastro/<slug>/<int:row_id>/fechar": Case(ATT),
    "POST /entidades/<int:entity_id>/cadastro/<slug>/<int:row_id>/excluir": Case(
        ATT, fresh=lambda w: {"row_id": w.new_address()}),
    "GET /entidades/<int:entity_id>/cadastro/relacionados/opcoes": Case(ATT, query="q=joaquim"),
    "POST /entidades/<int:entity_id>/cadastro/relacionados": Case(ATT),
    "POST /entidades/<int:entity_id>/cadastro/relacionados/<int:relation_id>/excluir": Case(
        ATT, fresh=lambda w: {"relation_id": w.new_relation()}),
    "GET /entidades/<int:entity_id>/cadastro-simplificado": Case(ATT, shows="maria"),
    "POST /entidades/<int:entity_id>/cadastro-simplificado": Case(ATT),
    "GET /entidades/<int:entity_id>/alertas": Case(ATT, shows="alert"),
    "POST /entidades/<int:entity_id>/alertas": Case(ATT),
    "POST /entidades/<int:entity_id>/alertas/<int:alert_id>/resolver": Case(ATT),
    "GET /entidades/<int:entity_id>/vendas": Case(ATT, shows="maria"),
    "GET /entidades/<int:entity_id>/vendas/<int:order_id>": Case(ATT, shows="maria"),
    "GET /entidades/<int:entity_id>/notas": Case(ATT, shows="maria"),
    "GET /entidades/<int:entity_id>/notas/<int:invoice_id>": Case(ATT, shows="maria"),
    "GET /entidades/<int:entity_id>/pesquisas": Case(ATT, shows="maria"),
    "GET /entidades/<int:entity_id>/pesquisas/<int:response_id>": Case(ATT, shows="maria"),
    "GET /entidades/<int:entity_id>/agenda": Case(ATT, shows="appointment"),
    "POST /entidades/<int:entity_id>/agenda": Case(ATT),
    "POST /entidades/<int:entity_id>/agenda/<int:appointment_id>/realizado": Case(ATT),
    "GET /entidades/<int:entity_id>/historico": Case(ATT, shows="maria"),
    "GET /entidades/<int:entity_id>/historico-cliente": Case(ATT, shows="maria"),
    # Nothing chosen: 422, the messages beside the fields, nothing sent nor recorded.
    "POST /entidades/<int:entity_id>/historico-cliente/email": Case(ATT),
    "POST /entidades/<int:entity_id>/historico-cliente/imprimir": Case(ATT),
    # The sheet of a print recorded by Imprimir (without one: 404).
    "GET /entidades/<int:entity_id>/historico-cliente/impressao": Case(
        ATT, shows="maria", query="entrega={delivery_id}", fresh=lambda w: _new_print(w)),
    "GET /entidades/<int:entity_id>/historico-cliente/impressao.pdf": Case(
        ATT, no_pdf=True, allowed=503, query="entrega={delivery_id}",
        fresh=lambda w: _new_print(w)),
    "GET /configuracoes/email": Case(SUP),
    "POST /configuracoes/email": Case(SUP, data={"reply_to": "sac@example.com.br"}),
    "GET /lotes": Case(SUP),
    "GET /lotes.csv": Case(SUP, query="de=01/01/2020&ate=31/12/2099", shows="product"),
    "GET /lotes/limites": Case(SUP, shows="product"),
    # Nothing typed: every product unwatched (as the demo's Empresa A already is, but one).
    "POST /lotes/limites": Case(SUP),
    "GET /usuarios": Case(SUP, shows="attendant"),
    # The role it already has: the table's users keep theirs.
    "POST /usuarios/<int:user_id>/perfil": Case(ADM, data={"u{user_id}-role": "atendente"}),
    "GET /usuarios/novo": Case(SUP),
    "POST /usuarios/novo": Case(SUP),  # nothing typed: 422, the messages beside the fields
    "GET /usuarios/<int:user_id>": Case(SUP, shows="attendant"),
    "POST /usuarios/<int:user_id>": Case(SUP),  # nothing typed: 422, nothing saved
    # A user made for the request: the demo's atendente keeps logging in.
    "POST /usuarios/<int:user_id>/desativar": Case(SUP, fresh=lambda w: _new_user(w)),
    "POST /usuarios/<int:user_id>/reativar": Case(SUP),  # already active: nothing changes
    "POST /usuarios/<int:user_id>/senha": Case(SUP, fresh=lambda w: _new_user(w)),
    "GET /prazos": Case(SUP, query="de=01/01/2026&ate=30/11/2026"),
    "GET /prazos/configuracao": Case(SUP),
    "POST /prazos/configuracao/horario": Case(
        SUP, data={f"day{d}": "08:00-18:00" for d in range(5)}),
    "POST /prazos/configuracao/feriados": Case(SUP, data={"day": "", "name": ""}),  # 422
    "POST /prazos/configuracao/feriados/<int:holiday_id>/excluir": Case(
        SUP, fresh=lambda w: {"holiday_id": _new_holiday(w)}),
    "POST /prazos/configuracao/motivos": Case(SUP),
    "GET /configuracoes": Case(SUP),
    "GET /configuracoes/motivos": Case(SUP, shows="cause"),
    # Nothing typed: 422, the message beside the field, nothing added.
    "POST /configuracoes/motivos": Case(SUP),
    "POST /configuracoes/<level>/<int:item_id>/itens": Case(
        SUP, fresh=lambda w: {"level": "ocorrencias", "item_id": w.values["occurrence_id"]}),
    "GET /configuracoes/<level>/<int:item_id>/editar": Case(SUP, shows="cause"),
    "POST /configuracoes/<level>/<int:item_id>": Case(SUP),  # nothing typed: 422
    "POST /configuracoes/<level>/<int:item_id>/subir": Case(
        SUP, fresh=lambda w: {"item_id": w.new_cause()}),
    "POST /configuracoes/<level>/<int:item_id>/descer": Case(
        SUP, fresh=lambda w: {"item_id": w.new_cause()}),
    "POST /configuracoes/<level>/<int:item_id>/desativar": Case(
        SUP, fresh=lambda w: {"item_id": w.new_cause()}),
    "POST /configuracoes/<level>/<int:item_id>/reativar": Case(SUP),  # active already
    "POST /configuracoes/<level>/<int:item_id>/excluir": Case(
        SUP, fresh=lambda w: {"item_id": w.new_cause()}),
    "GET /importacao": Case(SUP),
    "POST /importacao": Case(SUP),  # no file: 422, the message beside the field
    "GET /importacao/<token>": Case(SUP, fresh=lambda w: {"token": _new_upload(w)}),
    "POST /importacao/<token>/confirmar": Case(SUP, fresh=lambda w: {"token": _new_upload(w)}),
    "POST /importacao/<token>/descartar": Case(SUP, fresh=lambda w: {"token": _new_upload(w)}),
    "POST /importacao/<token>/conferir": Case(SUP, fresh=lambda w: {"token": _new_upload(w)}),
    # The flat catalogues: Canais stand for every list (the same views serve them all).
    "GET /configuracoes/<list:kind>": Case(SUP, fresh=lambda w: {"kind": "canais"}),
    "POST /configuracoes/<list:kind>": Case(  # nothing typed: 422
        SUP, fresh=lambda w: {"kind": "canais"}),
    "GET /configuracoes/<list:kind>/itens/<int:item_id>/editar": Case(
        SUP, fresh=lambda w: w.channel()),
    "POST /configuracoes/<list:kind>/itens/<int:item_id>": Case(  # nothing typed: 422
        SUP, fresh=lambda w: w.channel()),
    "POST /configuracoes/<list:kind>/itens/<int:item_id>/desativar": Case(
        SUP, fresh=lambda w: w.channel(new=True)),
    "POST /configuracoes/<list:kind>/itens/<int:item_id>/reativar": Case(  # active already
        SUP, fresh=lambda w: w.channel()),
    "POST /configuracoes/<list:kind>/itens/<int:item_id>/excluir": Case(
        SUP, fresh=lambda w: w.channel(new=True)),
    "POST /configuracoes/situacoes/itens/<int:item_id>/padrao": Case(  # the default already
        SUP, fresh=lambda w: {"item_id": w.values["status_id"]}),
    "GET /configuracoes/empresas": Case(ADM),
    "GET /configuracoes/empresas/<int:company_id>/editar": Case(
        ADM, fresh=lambda w: {"company_id": w.values["company_a"]}),
    "POST /configuracoes/empresas/<int:company_id>": Case(  # nothing typed: 422
        ADM, fresh=lambda w: {"company_id": w.values["company_a"]}),
    "GET /configuracoes/produtos/<int:product_id>/informacoes": Case(SUP, shows="product"),
    "POST /configuracoes/produtos/<int:product_id>/informacoes": Case(SUP),  # nothing typed
    "GET /configuracoes/produtos/ocorrencias": Case(SUP, query="reason_id={reason_id}"),
    "POST /configuracoes/produtos/<int:product_id>/informacoes/<int:info_id>/desativar": Case(
        SUP, fresh=lambda w: w.product_info(new=True)),
    "POST /configuracoes/produtos/<int:product_id>/informacoes/<int:info_id>/reativar": Case(
        SUP, fresh=lambda w: w.product_info()),  # active already
    "POST /configuracoes/produtos/<int:product_id>/informacoes/<int:info_id>/excluir": Case(
        SUP, fresh=lambda w: w.product_info(new=True)),
    "GET /configuracoes/respostas-prontas": Case(SUP),
    "GET /configuracoes/respostas-prontas/nova": Case(SUP),
    "POST /configuracoes/respostas-prontas/nova": Case(SUP),  # nothing typed: 422
    "GET /configuracoes/respostas-prontas/<int:answer_id>": Case(
        SUP, fresh=lambda w: w.ready_answer()),
    "POST /configuracoes/respostas-prontas/<int:answer_id>": Case(  # nothing typed: 422
        SUP, fresh=lambda w: w.ready_answer()),
    "POST /configuracoes/respostas-prontas/<int:answer_id>/desativar": Case(
        SUP, fresh=lambda w: w.ready_answer()),
    "POST /configuracoes/respostas-prontas/<int:answer_id>/reativar": Case(
        SUP, fresh=lambda w: w.ready_answer()),
    "POST /configuracoes/respostas-prontas/<int:answer_id>/excluir": Case(
        SUP, fresh=lambda w: w.ready_answer()),
}
# fmt: on

_HOLIDAY_DAYS = itertools.count()
_CAUSE_NAMES = itertools.count()
_NEW_USERS = itertools.count()


def _new_user(world) -> dict:
    """An atendente of Empresa A to deactivate or give a temporary password."""
    with world.app.app_context():
        company = _db.session.get(Company, world.values["company_a"])
        user = User(
            username=f"novo.{next(_NEW_USERS)}",
            name="Usuário novo",
            role="atendente",
            companies=[company],
            password_hash="",
        )
        _db.session.add(user)
        _db.session.commit()
        return {"user_id": user.id}


def _new_holiday(world) -> int:
    day = date(2030, 1, 2) + timedelta(days=next(_HOLIDAY_DAYS))
    return world._add(Holiday(company_id=world.values["company_a"], day=day, name="Para excluir"))


def _new_upload(world) -> str:
    """A CSV of one entity kept aside for Empresa A, as Importar CSV's upload does."""
    meta = {"kind": "entidades", "filename": "e.csv", "company_id": world.values["company_a"]}
    data = "CPF/CNPJ;Nome;Papéis\n390.533.447-05;Importada Teste;Cliente\n".encode()
    return store_upload(world.app.instance_path, data, meta | {"user_id": None})


def _new_print(world) -> dict:
    """A print of Maria's history, recorded as Imprimir does."""
    delivery = HistoryDelivery(
        company_id=world.values["company_a"],
        entity_id=world.values["entity_id"],
        user_id=world.values["supervisor_id"],
        method="impressao",
        ticket_count=0,
    )
    return {"delivery_id": world._add(delivery)}


def _rules(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield f"{method} {rule.rule}", rule


class World:
    """The app, Empresa A's demo records and one logged-in client per user."""

    def __init__(self, app):
        self.app = app
        self.clients = {}
        self.tokens = {}

    # --- records made for one request -----------------------------------------------------

    def _add(self, row):
        with self.app.app_context():
            _db.session.add(row)
            _db.session.commit()
            return row.id

    def new_draft(self) -> int:
        with self.app.app_context():
            maria = _db.session.get(Ticket, self.values["ticket_id"]).entity
            draft = ticket_service.open_draft(
                _db.session, self.values["company_a"], maria, self.values["supervisor_id"]
            )
            _db.session.commit()
            self.values["ticket_id"] = draft.id
            return draft.code

    def new_attachment(self) -> dict:
        """A PNG on the demo ticket's first detail (Empresa A)."""
        from isocrm.attachment_store import store_attachment
        from tests.sample_files import PNG_1PX

        with self.app.test_request_context():
            detail = _db.session.get(TicketDetail, self.values["detail_id"])
            attachment = store_attachment(detail, "foto.png", PNG_1PX, user_id=None)
            _db.session.commit()
            return {"attachment_id": attachment.id}

    def new_survey(self) -> dict:
        """A satisfaction survey link (public) of a new ticket of Empresa A, not answered."""
        import secrets

        from isocrm.models import SurveyInvitation, utcnow
        from isocrm.satisfaction.service import token_hash

        token = secrets.token_urlsafe(32)
        with self.app.app_context():
            maria = _db.session.get(Ticket, self.values["ticket_id"]).entity
            ticket = ticket_service.open_draft(
                _db.session, self.values["company_a"], maria, self.values["supervisor_id"]
            )
            _db.session.flush()
            invitation = SurveyInvitation(
                company_id=ticket.company_id,
                ticket_id=ticket.id,
                entity_id=ticket.entity_id,
                token_hash=token_hash(token),
                expires_at=utcnow() + timedelta(days=1),
            )
            _db.session.add(invitation)
            _db.session.commit()
        return {"token": token}

    def new_info(self) -> int:
        return self._add(DetailInfo(detail_id=self.values["detail_id"], note="Para excluir"))

    def new_inbound(self, quoting=False) -> int:
        """A message of Empresa A waiting in Sem cadastro (to link or discard); `quoting`:
        one that quotes A's ticket (to include in it)."""
        return self._add(
            InboundMessage(
                company_id=self.values["company_a"],
                message_id=f"permissoes-{next(_CAUSE_NAMES)}@example.org",
                status="sem_cadastro",
                from_address="desconhecido@example.org",
                subject="Mensagem sem cadastro",
                text="Texto",
                quoted_ticket_id=self.values["ticket_id"] if quoting else None,
            )
        )

    def new_cause(self) -> int:
        """A Causa no ticket uses, under Produto com defeito (moved, deactivated, deleted)."""
        return self._add(
            Cause(
                occurrence_id=self.values["occurrence_id"],
                name=f"Para mexer {next(_CAUSE_NAMES)}",
            )
        )

    def channel(self, new=False) -> dict:
        """A Canal of Empresa A: the demo's Chat, or a new one nothing uses."""
        if not new:
            return {"kind": "canais", "item_id": self.values["channel_id"]}
        name = f"Para mexer {next(_CAUSE_NAMES)}"
        channel = Channel(company_id=self.values["company_a"], name=name)
        return {"kind": "canais", "item_id": self._add(channel)}

    def product_info(self, new=False) -> dict:
        """An Informação of the demo's product: its own, or a new one no line uses."""
        if not new:
            return {"info_id": self.values["product_info_id"]}
        info = ProductInfo(
            product_id=self.values["product_id"],
            reason_id=self.values["reason_id"],
            occurrence_id=self.values["occurrence_id"],
            description=f"Para mexer {next(_CAUSE_NAMES)}",
        )
        return {"info_id": self._add(info)}

    def ready_answer(self) -> dict:
        """A new Resposta pronta of Empresa A (general, so any ticket lists it)."""
        answer = ReadyAnswer(
            company_id=self.values["company_a"],
            title=f"Troca aprovada {next(_CAUSE_NAMES)}",
            body="Olá, {{ nome }}: a troca do atendimento {{ protocolo }} foi aprovada.",
        )
        return {"answer_id": self._add(answer)}

    def new_address(self) -> int:
        return self._add(
            Address(
                entity_id=self.values["entity_id"],
                street="Rua Para Excluir",
                number="1",
                city="São Paulo",
                state="SP",
            )
        )

    def new_relation(self) -> int:
        with self.app.app_context():
            existing = _db.session.scalar(
                sa.select(Relation.id).where(
                    Relation.entity_id == self.values["entity_id"],
                    Relation.related_entity_id == self.values["joaquim_id"],
                )
            )
        if existing:
            return existing
        return self._add(
            Relation(
                entity_id=self.values["entity_id"],
                related_entity_id=self.values["joaquim_id"],
                relation_type_id=self.values["relation_type_id"],
            )
        )

    # --- clients ----------------------------------------------------------------------------

    def login(self, who: str) -> None:
        client = self.app.test_client()
        if who == ANON:
            self.tokens[who] = csrf_token_from(client.get("/entrar").get_data(as_text=True))
        else:
            response = AuthActions(client).login(*LOGINS[who])
            assert response.status_code == 302, response.get_data(as_text=True)
            token = AuthActions(client).csrf_token()
            if who == SUPERVISOR:  # in both Empresas: look at A's records from A
                company = self.values["company_a"]
                client.post("/empresa", data={"company_id": company, "csrf_token": token})
            self.tokens[who] = token
        self.clients[who] = client


def _sqlite_copy(database_template, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("permissions") / "test.sqlite3"
    shutil.copyfile(database_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def world(database_template, tmp_path_factory):
    url = DATABASE_URL if ON_POSTGRES else _sqlite_copy(database_template, tmp_path_factory)
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url})
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    app.test_client_class = IsolatedClient
    world = World(app)
    with app.app_context():
        from isocrm.demo.fixed import load_fixed

        demo = load_fixed(_db.session)
        south = demo["company_south"]
        # The users the demo has not: an attendant of Empresa B only, and an administrator.
        for who, companies, role, name in (
            (ATT_B, [south], "atendente", "Bruno Atendente Sul"),
            (ADMIN, [demo["company"]], "admin", "Alice Administradora"),
        ):
            _db.session.add(
                User(
                    username=LOGINS[who][0],
                    name=name,
                    role=role,
                    companies=companies,
                    password_hash="",
                )
            )
        _db.session.flush()
        for username, password in LOGINS.values():
            # A cheap hash: the module logs in a dozen times, scrypt's cost is not tested here.
            user = _db.session.scalar(sa.select(User).where(User.username == username))
            user.password_hash = generate_password_hash(password, method="pbkdf2:sha256:1000")
        maria, ticket = demo["maria"], demo["ticket_1"]
        detail = ticket.details[0]
        message = OutboxMessage(
            company_id=demo["company"].id,
            ticket_id=ticket.id,
            entity_id=maria.id,
            to_address="maria.aparecida@example.com.br",
            subject="Sobre o Atendimento 000001",
            body="Texto",
            status="falhou",
            last_error="SMTPServerDisconnected: Connection unexpectedly closed",
            created_by_id=demo["supervisor"].id,
        )
        _db.session.add(message)
        _db.session.add(
            InboundMessage(
                company_id=demo["company"].id,
                message_id="na-caixa@example.org",
                status="sem_cadastro",
                subject="Mensagem sem cadastro",
            )
        )
        _db.session.commit()
        assert demo["joaquim"].company_id == maria.company_id
        reason = "Reclamação"
        occurrence = f"{reason}/Produto com defeito"
        world.values = {
            "company_a": demo["company"].id,
            "supervisor_id": demo["supervisor"].id,
            "code": ticket.code,
            "ticket_id": ticket.id,
            "detail_id": detail.id,
            "info_id": detail.informations[0].id,
            "entity_id": maria.id,
            "slug": "enderecos",
            "row_id": maria.addresses[0].id,
            "relation_id": maria.relations[0].id,
            "joaquim_id": demo["joaquim"].id,
            "relation_type_id": maria.relations[0].relation_type_id,
            "alert_id": demo["maria_alert"].id,
            "appointment_id": demo["maria_appointment"].id,
            "order_id": demo["maria_orders"][0].id,
            "invoice_id": demo["maria_invoices"][0].id,
            "response_id": demo["maria_survey_response"].id,
            "message_id": message.id,
            "user_id": demo["atendente"].id,
            "reason_id": demo["reasons"][reason].id,
            "occurrence_id": demo["occurrences"][occurrence].id,
            "filename": "css/app.css",
            "level": "causas",
            "channel_id": demo["channels"]["Chat"].id,
            "product_id": demo["product_info"].product_id,
            "product_info_id": demo["product_info"].id,
            "status_id": demo["statuses"]["aberto"].id,
            "item_id": demo["causes"][f"{occurrence}/Embalagem violada"].id,
        }
        # What of Empresa A each page shows: B must never see it.
        world.text = {
            "maria": maria.name,
            "jose": demo["jose"].name,
            "mercado": demo["mercado"].name,
            "detail": detail.description[:40],
            "street": maria.addresses[0].street,
            "alert": demo["maria_alert"].message[:40],
            "appointment": demo["maria_appointment"].subject[:40],
            "occurrence": "Produto com defeito",
            "cause": demo["causes"][f"{occurrence}/Embalagem violada"].name,
            "product": demo["product_info"].product.name[:30],
            "outbox": message.subject,
            "inbound": "Mensagem sem cadastro",
            "attendant": demo["atendente"].name,
        }
    for who in WHO:
        world.login(who)
    yield world
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()
    if ON_POSTGRES:
        engine = sa.create_engine(DATABASE_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        engine.dispose()


_PLACEHOLDER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _fill(template: str, values: dict) -> str:
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template).format(**values)


def _expected(case: Case, key: str, who: str):
    """The status this user must get, or "allowed" (a real answer)."""
    if case.role == PUBLIC:
        return "allowed"
    if who == ANON:
        return "login"
    if who in case.expect:
        return case.expect[who]
    if RANK[who] < ROLE_RANK[case.role]:
        return 403
    of_a = case.of_a if case.of_a is not None else "<int:" in key
    if who == ATT_B and of_a:
        return 404
    return "allowed"


CASES = [(key, who, htmx) for key in ROUTES for who in WHO for htmx in (False, True)]


@pytest.mark.parametrize(
    ("key", "who", "htmx"),
    CASES,
    ids=[f"{key} | {who} | {'htmx' if htmx else 'page'}" for key, who, htmx in CASES],
)
def test_route_answers_each_role(world, key, who, htmx, monkeypatch):
    case = ROUTES[key]
    if case.no_pdf:
        # The allowed roles get the 503 of a server without Pango in a few ms, instead of a
        # render each; tests/test_reports.py prints the real PDF.
        monkeypatch.setitem(sys.modules, "weasyprint", None)
    method, rule = key.split(" ", 1)
    made = case.fresh(world) if case.fresh is not None else {}
    values = {**world.values, **made}
    url = _fill(rule, values) + ("?" + _fill(case.query, values) if case.query else "")
    headers = {"HX-Request": "true"} if htmx else {}
    data = None
    if method == "POST":
        token = world.tokens[who]
        data = {_fill(k, values): _fill(v, values) for k, v in case.data.items()}
        data["csrf_token"] = token
        if htmx:
            headers["X-CSRFToken"] = token
    response = world.clients[who].open(url, method=method, data=data, headers=headers)
    status, body = response.status_code, response.get_data().decode("utf-8", "replace")
    expected = _expected(case, key, who)
    try:
        if expected == "login":
            if htmx:
                assert status == 401 and response.headers["HX-Redirect"] == "/entrar"
            else:
                assert status == 302 and response.headers["Location"].startswith("/entrar")
        elif expected == "allowed" and case.allowed:
            assert status == case.allowed, (status, body[:2000])
        elif expected == "allowed":
            assert status < 500 and status not in (401, 403, 404), (status, body[:2000])
            if case.shows and status == 200 and not htmx and who != ATT_B:
                assert world.text[case.shows] in body
        else:
            assert status == expected, (status, body[:2000])
            if status == 403:
                assert "Acesso negado" in body
            if status == 403 and who not in case.expect:  # the route's role, said in Portuguese
                assert "reservada a" in body
        if who == ATT_B and case.shows:
            assert world.text[case.shows] not in body  # never A's data
    finally:
        response.close()  # a static file's handle
        if case.after == "login again" and expected == "allowed":
            world.login(who)


def test_roles_make_a_difference():
    """Not a table of 200s: some routes refuse the atendente and serve the supervisor, one
    refuses the supervisor and serves the admin (giving a perfil)."""
    refused = {key for key in ROUTES if _expected(ROUTES[key], key, ATT_A) == 403}
    served_to_supervisor = {
        key for key in refused if _expected(ROUTES[key], key, SUPERVISOR) == "allowed"
    }
    assert served_to_supervisor >= {
        "GET /configuracoes/email",
        "POST /atendimentos/<int:code>/descartar",
        "POST /caixa-de-saida/<int:message_id>/reenviar",
    }
    perfil = "POST /usuarios/<int:user_id>/perfil"
    assert _expected(ROUTES[perfil], perfil, SUPERVISOR) == 403
    assert _expected(ROUTES[perfil], perfil, ADMIN) == "allowed"


def test_every_rule_is_in_the_table(world):
    app = world.app
    """A new route must say here who may use it (one line of ROUTES)."""
    assert {key for key, _ in _rules(app)} == set(ROUTES)


def test_every_route_declares_its_role(world):
    """@allow next to every route but the login page and static files, and the table agrees
    with it: changing a route's role means changing its line above too."""
    app = world.app
    with app.test_request_context():
        undeclared = sorted(
            rule.endpoint
            for _, rule in _rules(app)
            if rule.endpoint not in PUBLIC_ENDPOINTS and declared_role(rule.endpoint) is None
        )
        assert undeclared == []
        for key, rule in _rules(app):
            if ROUTES[key].role != PUBLIC:
                assert declared_role(rule.endpoint) == ROUTES[key].role, key
