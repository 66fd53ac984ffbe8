"""LGPD: a supervisor exports everything held about a titular and can anonymise it."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from isocrm.models import (
    Alert,
    AuditLog,
    Entity,
    EntityRevision,
    EntitySearchWord,
    OutboxMessage,
    Relation,
    Ticket,
    TicketDetail,
    UnsavedEdit,
)
from isocrm.models.base import utcnow
from isocrm.privacy.queries import KINDS
from isocrm.privacy.service import ANONYMOUS_NAME, REMOVED
from tests.conftest import csrf_token_from

MARIA_PERSONAL = [
    "Maria Aparecida",
    "maria aparecida",  # the folded search name
    "52998224725",
    "Rua das Acácias",
    "Avenida Paulista",
    "04101000",
    "11987654321",
    "1133334444",
    "maria.aparecida@example.com.br",
    "5511987654321",
    "Prefere contato por WhatsApp",
    "1968-04-15",
]
# As the screens show them.
MARIA_SHOWN = [*MARIA_PERSONAL, "15/04/1968", "529.982.247-25"]


@pytest.fixture
def supervisor(client, auth, demo):
    """The demo supervisor, working in the demo's main Empresa (where Maria is)."""
    response = auth.login("supervisor", "supervisor123")
    assert response.status_code == 302
    with client.session_transaction() as session:
        session["company_id"] = demo["company"].id
    return client


def _token(client, entity_id: int) -> str:
    return csrf_token_from(client.get(f"/privacidade/entidades/{entity_id}").get_data(as_text=True))


def _outbox(db, demo, *, entity, to_address, status="pendente", ticket=None):
    message = OutboxMessage(
        company_id=demo["company"].id,
        ticket=ticket,
        entity=entity,
        to_address=to_address,
        subject=f"Atendimento de {entity.name}",
        body=f"Prezada {entity.name}, seguem as informações.",
        status=status,
        sent_at=utcnow() if status == "enviado" else None,
        created_by=demo["supervisor"],
    )
    db.session.add(message)
    return message


# --- who may use it ------------------------------------------------------------------------


def test_attendants_are_refused_and_see_no_link(app, logged_in, demo):
    maria = demo["maria"].id
    anonymous = app.test_client().get(f"/privacidade/entidades/{maria}/dados.json")
    assert anonymous.status_code == 302 and "/entrar" in anonymous.headers["Location"]
    for url in (
        "/privacidade/",
        f"/privacidade/entidades/{maria}",
        f"/privacidade/entidades/{maria}/dados.json",
        f"/privacidade/entidades/{maria}/dados.zip",
    ):
        assert logged_in.get(url).status_code == 403, url
    token = logged_in.get("/atendimentos/").get_data(as_text=True)
    response = logged_in.post(
        f"/privacidade/entidades/{maria}/anonimizar",
        data={"csrf_token": csrf_token_from(token), "confirmacao": "52998224725"},
    )
    assert response.status_code == 403
    page = logged_in.get(f"/entidades/{maria}/cadastro").get_data(as_text=True)
    assert "/privacidade/" not in page


# --- finding the titular -------------------------------------------------------------------


def test_supervisor_reaches_the_titular_from_the_cadastro_and_by_cpf(supervisor, demo):
    maria = demo["maria"].id
    page = supervisor.get(f"/entidades/{maria}/cadastro").get_data(as_text=True)
    assert f'href="/privacidade/entidades/{maria}"' in page
    assert 'href="/privacidade/"' in page  # the side menu
    for typed in ("529.982.247-25", "52998224725", " 529982247 25 "):
        response = supervisor.get("/privacidade/", query_string={"documento": typed})
        assert response.status_code == 302, typed
        assert response.headers["Location"].endswith(f"/privacidade/entidades/{demo['maria'].id}")
    # A CPF with a wrong check digit: the message next to the field, the text kept.
    response = supervisor.get("/privacidade/", query_string={"documento": "529.982.247-26"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "CPF/CNPJ inválido" in html
    assert 'value="529.982.247-26"' in html


def test_another_empresas_titular_is_not_found(supervisor, demo, db):
    luiza = demo["luiza"]
    response = supervisor.get("/privacidade/", query_string={"documento": luiza.document})
    assert response.status_code == 404
    assert "Nenhum titular com este CPF/CNPJ" in response.get_data(as_text=True)
    for url in ("", "/dados.json", "/dados.zip"):
        assert supervisor.get(f"/privacidade/entidades/{luiza.id}{url}").status_code == 404
    response = supervisor.post(
        f"/privacidade/entidades/{luiza.id}/anonimizar",
        data={"csrf_token": _token(supervisor, demo["maria"].id), "confirmacao": luiza.name},
    )
    assert response.status_code == 404
    db.session.rollback()  # a fresh snapshot: the request committed in its own session
    assert db.session.get(Entity, luiza.id).document == luiza.document


# --- the export ----------------------------------------------------------------------------


def test_json_export_holds_everything_about_the_titular_and_nothing_else(supervisor, demo, db):
    maria = demo["maria"]
    _outbox(db, demo, entity=maria, to_address="maria.aparecida@example.com.br")
    db.session.add(EntityRevision(entity_id=maria.id, version=99, values={"name": "Maria A."}))
    db.session.commit()

    response = supervisor.get(f"/privacidade/entidades/{maria.id}/dados.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    document = json.loads(response.data)
    data = document["dados"]
    assert list(data) == list(KINDS)
    assert document["empresa"]["nome"] == demo["company"].name
    assert data["titular"][0]["cpf_cnpj"] == "52998224725"
    assert data["titular"][0]["data_nascimento"] == "1968-04-15"
    assert {a["logradouro"] for a in data["enderecos"]} == {"Rua das Acácias", "Avenida Paulista"}
    assert {p["numero"] for p in data["telefones"]} == {"11987654321", "1133334444"}
    assert "maria.aparecida@example.com.br" in {c["valor"] for c in data["econtacts"]}
    assert [p["papel"] for p in data["papeis"]] == ["Cliente"]
    assert [u["unidade"] for u in data["unidades"]] == ["Matriz São Paulo"]
    assert {r["entidade"] for r in data["relacionados"]} == {
        "José Carlos da Silva",
        "Ana Beatriz da Silva",
    }
    tickets = db.session.scalars(sa.select(Ticket).where(Ticket.entity_id == maria.id)).all()
    assert {t["protocolo"] for t in data["atendimentos"]} == {t.code_display for t in tickets}
    details = db.session.scalars(
        sa.select(TicketDetail).where(TicketDetail.ticket_id.in_([t.id for t in tickets]))
    ).all()
    assert {d["descricao"] for d in data["detalhes"]} == {d.description for d in details}
    assert len(data["informacoes"]) == sum(len(d.informations) for d in details) > 0
    assert {a["mensagem"] for a in data["alertas"]} == {
        demo["maria_alert"].message,
        demo["maria_old_alert"].message,
    }
    assert demo["maria_appointment"].subject in {a["assunto"] for a in data["agenda"]}
    assert [m["para"] for m in data["emails_enviados"]] == ["maria.aparecida@example.com.br"]
    assert {o["numero"] for o in data["pedidos"]} == {o.number for o in demo["maria_orders"]}
    assert len(data["itens_pedidos"]) == sum(len(o.items) for o in demo["maria_orders"])
    assert {n["chave_acesso"] for n in data["notas_fiscais"]} == {
        n.access_key for n in demo["maria_invoices"]
    }
    assert len(data["pesquisas"]) == len(demo["maria_survey_response"].answers) > 0
    assert [v["versao"] for v in data["versoes_cadastro"]] == [99]
    # The audit trail of her own row and of her children, not of anyone else's.
    tables = {row["tabela"] for row in data["auditoria"]}
    assert {"entities", "addresses", "phones", "econtacts", "tickets", "ticket_details"} <= tables
    entity_rows = {r["registro"] for r in data["auditoria"] if r["tabela"] == "entities"}
    assert entity_rows == {str(maria.id)}
    text = response.get_data(as_text=True)
    for other in ("José Carlos da Silva", "Ana Beatriz da Silva"):
        assert text.count(other) == sum(
            1 for r in data["relacionados"] if r["entidade"] == other
        ) + sum(1 for d in data["detalhes"] if d["contato"] == other)
    assert demo["luiza"].name not in text and demo["company_south"].name not in text

    # José has no ticket of his own, but is the Contato in one of Maria's details.
    jose = demo["jose"]
    data = supervisor.get(f"/privacidade/entidades/{jose.id}/dados.json").get_json()["dados"]
    assert data["atendimentos"] == []
    assert data["contato_em_detalhes"]
    assert all(d["contato"] == "José Carlos da Silva" for d in data["contato_em_detalhes"])
    # The other side of Maria's relation is José's too.
    maria_side = [r for r in data["relacionados"] if r["entidade"] == "Maria Aparecida da Silva"]
    assert [r["sentido"] for r in maria_side] == ["cadastrado em"]


def test_csv_export_is_a_zip_of_one_spreadsheet_per_kind(supervisor, demo, db):
    maria = demo["maria"]
    demo["maria_alert"].message = '=HYPERLINK("http://example.com","clique")'
    db.session.commit()
    response = supervisor.get(f"/privacidade/entidades/{maria.id}/dados.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert "LEIA-ME.txt" in names
    readme = archive.read("LEIA-ME.txt").decode("utf-8")
    assert "Versões anteriores do cadastro: nenhum registro" in readme
    raw = archive.read("04-enderecos.csv")
    assert raw.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert {r["logradouro"] for r in rows} == {"Rua das Acácias", "Avenida Paulista"}
    alerts = list(
        csv.DictReader(
            io.StringIO(archive.read("12-alertas.csv").decode("utf-8-sig")), delimiter=";"
        )
    )
    # A formula is exported as text, never run by the spreadsheet that opens it.
    assert '\'=HYPERLINK("http://example.com","clique")' in {a["mensagem"] for a in alerts}
    # The same rows as the JSON document, kind by kind.
    data = supervisor.get(f"/privacidade/entidades/{maria.id}/dados.json").get_json()["dados"]
    for number, kind in enumerate(KINDS, start=1):
        name = f"{number:02d}-{kind}.csv"
        assert (name in names) == bool(data[kind]), name
        if data[kind]:
            lines = archive.read(name).decode("utf-8-sig").splitlines()
            assert len(list(csv.reader(lines, delimiter=";"))) == len(data[kind]) + 1


def _more_of_everything(db, demo, count: int) -> None:
    """`count` more tickets with two details each, alerts, e-mails for Maria."""
    maria, company = demo["maria"], demo["company"]
    for n in range(count):
        company.last_ticket_code += 1
        ticket = Ticket(
            company_id=company.id,
            code=company.last_ticket_code,
            entity=maria,
            role=demo["roles"]["cliente"],
            status=demo["statuses"]["em_andamento"],
            opened_by=demo["atendente"],
            updated_by=demo["atendente"],
            opened_at=utcnow() - timedelta(days=n),
        )
        for k in range(2):
            ticket.details.append(
                TicketDetail(
                    channel=demo["channels"]["Telefone"],
                    description=f"Detalhe {n}.{k}",
                    attendant=demo["atendente"],
                    contact=demo["jose"],
                )
            )
        db.session.add(ticket)
        db.session.add(
            Alert(
                company_id=company.id,
                entity=maria,
                message=f"Alerta {n}",
                created_by=demo["supervisor"],
            )
        )
        _outbox(db, demo, entity=maria, to_address=f"m{n}@example.com.br", ticket=ticket)
    db.session.commit()


def test_export_query_count_does_not_grow(supervisor, demo, db, count_queries):
    urls = [f"/privacidade/entidades/{demo['maria'].id}/dados.{fmt}" for fmt in ("json", "zip")]
    _more_of_everything(db, demo, 1)
    small = {}
    for url in urls:
        with count_queries() as small[url]:
            assert supervisor.get(url).status_code == 200
    _more_of_everything(db, demo, 6)
    for url in urls:
        with count_queries() as large:
            response = supervisor.get(url)
        assert response.status_code == 200
        assert large.count == small[url].count, large.statements


# --- anonymisation -------------------------------------------------------------------------


def test_anonymisation_needs_the_name_or_document_typed(supervisor, demo, db):
    maria = demo["maria"]
    url = f"/privacidade/entidades/{maria.id}/anonimizar"
    token = _token(supervisor, maria.id)
    response = supervisor.post(url, data={"csrf_token": token, "confirmacao": "Maria"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "não é o nome nem o CPF/CNPJ" in html
    assert 'value="Maria"' in html
    response = supervisor.post(url, data={"csrf_token": token, "confirmacao": ""})
    assert response.status_code == 422
    assert "Digite o nome ou o CPF/CNPJ" in response.get_data(as_text=True)
    # Without the CSRF token nothing happens either.
    response = supervisor.post(url, data={"confirmacao": "52998224725"})
    assert response.status_code == 400
    assert supervisor.get(url).status_code == 405
    db.session.rollback()  # a fresh snapshot: the request committed in its own session
    assert db.session.get(Entity, maria.id).name == "Maria Aparecida da Silva"


def _anonymise(client, entity_id: int, typed: str):
    return client.post(
        f"/privacidade/entidades/{entity_id}/anonimizar",
        data={"csrf_token": _token(client, entity_id), "confirmacao": typed},
    )


def _audit_text(db) -> str:
    rows = db.session.execute(
        sa.select(AuditLog.table_name, AuditLog.row_id, AuditLog.before, AuditLog.after)
    ).all()
    return json.dumps([list(r) for r in rows], ensure_ascii=False)


def test_anonymisation_removes_personal_data_keeps_tickets_and_scrubs_the_trail(
    supervisor, demo, db
):
    maria, jose = demo["maria"], demo["jose"]
    # An e-mail of her ticket, one still pending, and another titular's e-mail sent to her.
    ticket_1 = demo["ticket_1"]
    _outbox(db, demo, entity=maria, to_address="maria.aparecida@example.com.br", ticket=ticket_1)
    sent = _outbox(
        db, demo, entity=maria, to_address="maria.aparecida@example.com.br", status="enviado"
    )
    elsewhere = _outbox(db, demo, entity=jose, to_address="Maria.Aparecida@example.com.br")
    # A Cadastro change before: the trail holds her old name too.
    maria.name = "Maria Aparecida da Silva Souza"
    db.session.commit()
    db.session.add(EntityRevision(entity_id=maria.id, version=1, values={"name": "x"}))
    maria.name = "Maria Aparecida da Silva"
    db.session.commit()
    audit_before = _audit_text(db)
    assert all(value in audit_before for value in MARIA_PERSONAL)
    tickets_before = {
        t.id: (t.code, t.reason_id, t.occurrence_id, t.cause_id, t.status_id, t.opened_at)
        for t in db.session.scalars(sa.select(Ticket).where(Ticket.entity_id == maria.id))
    }
    details_before = {
        d.id: (d.channel_id, d.direction, d.opened_at, d.attendant_id)
        for d in db.session.scalars(
            sa.select(TicketDetail).where(TicketDetail.ticket_id.in_(tickets_before))
        )
    }
    ids = {"maria": maria.id, "jose": jose.id, "sent": sent.id, "elsewhere": elsewhere.id}
    supervisor_id = demo["supervisor"].id

    response = _anonymise(supervisor, maria.id, "529.982.247-25")
    assert response.status_code == 302
    page = supervisor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Titular anonimizado" in page and "já foi anonimizado" in page
    db.session.rollback()  # a fresh snapshot: the request committed in its own session

    entity = db.session.get(Entity, ids["maria"])
    assert entity.name == ANONYMOUS_NAME.format(id=ids["maria"])
    assert entity.document is None and entity.birth_date is None and entity.trade_name is None
    assert "LGPD" in entity.notes and "Sérgio Supervisor" in entity.notes
    assert entity.addresses == [] and entity.phones == [] and entity.econtacts == []
    assert [r.name for r in entity.roles] == ["Cliente"]  # statistics by Papel stay
    assert not db.session.scalars(
        sa.select(Relation).where(
            sa.or_(Relation.entity_id == ids["maria"], Relation.related_entity_id == ids["maria"])
        )
    ).all()
    assert not db.session.scalars(
        sa.select(EntityRevision).where(EntityRevision.entity_id == ids["maria"])
    ).all()

    # Tickets stay, with what statistics count; the free text is gone.
    tickets = db.session.scalars(sa.select(Ticket).where(Ticket.entity_id == ids["maria"])).all()
    assert {
        t.id: (t.code, t.reason_id, t.occurrence_id, t.cause_id, t.status_id, t.opened_at)
        for t in tickets
    } == tickets_before
    assert all(t.complementary_data is None and t.location_note is None for t in tickets)
    details = db.session.scalars(
        sa.select(TicketDetail).where(TicketDetail.ticket_id.in_(tickets_before))
    ).all()
    assert {
        d.id: (d.channel_id, d.direction, d.opened_at, d.attendant_id) for d in details
    } == details_before
    assert all(d.description == REMOVED for d in details)
    assert all(d.answer in (None, REMOVED) for d in details)
    assert all(i.note is None for d in details for i in d.informations)

    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.entity_id == ids["maria"])
    ).all()
    assert all(m.to_address == "" and m.body == REMOVED for m in messages)
    assert {m.status for m in messages if m.id != ids["sent"]} == {"falhou"}  # never sent now
    assert db.session.get(OutboxMessage, ids["sent"]).status == "enviado"
    other = db.session.get(OutboxMessage, ids["elsewhere"])
    assert other.to_address == "" and "José" in other.subject  # only her address went

    # The trail: who anonymised and when, and none of her old personal values.
    row = db.session.scalars(
        sa.select(AuditLog)
        .where(AuditLog.table_name == "entities", AuditLog.row_id == str(ids["maria"]))
        .order_by(AuditLog.id.desc())
    ).first()
    assert row.user_id == supervisor_id and row.action == "update"
    assert row.after["name"] == ANONYMOUS_NAME.format(id=ids["maria"])
    assert row.after["document"] is None
    assert row.before["name"] == "[anonimizado]"
    assert utcnow() - row.at < timedelta(minutes=5)
    audit_after = _audit_text(db)
    for value in MARIA_PERSONAL:
        assert value not in audit_after, value
    assert "Maria Aparecida da Silva Souza" not in audit_after
    # Other titulars' trail is untouched.
    assert "José Carlos da Silva" in audit_after


def test_the_old_name_and_cpf_find_nothing_after(supervisor, demo, db):
    maria_id = demo["maria"].id
    assert "Maria Aparecida" in supervisor.get("/atendimentos/?q=maria+aparecida").get_data(
        as_text=True
    )
    assert _anonymise(supervisor, maria_id, "maria aparecida da silva").status_code == 302
    for query in ("maria aparecida", "52998224725", "529.982.247-25"):
        html = supervisor.get("/atendimentos/", query_string={"q": query}).get_data(as_text=True)
        assert "Maria Aparecida" not in html, query
        assert f"/entidades/{maria_id}/" not in html, query
    response = supervisor.get("/privacidade/", query_string={"documento": "52998224725"})
    assert response.status_code == 404
    db.session.rollback()
    words = db.session.scalars(
        sa.select(EntitySearchWord.word).where(EntitySearchWord.entity_id == maria_id)
    ).all()
    assert "maria" not in words and "anonimizado" in words
    # The anonymous titular is still found by its new name, with its tickets.
    html = supervisor.get("/atendimentos/", query_string={"q": "titular anonimizado"}).get_data(
        as_text=True
    )
    assert ANONYMOUS_NAME.format(id=maria_id) in html


def test_anonymised_titular_export_holds_no_personal_data(supervisor, demo, db):
    maria_id = demo["maria"].id
    _outbox(db, demo, entity=demo["maria"], to_address="maria.aparecida@example.com.br")
    # What an attendant typed on her ticket and has not confirmed yet goes too.
    db.session.add(
        UnsavedEdit(
            ticket=demo["ticket_1"],
            user_id=demo["atendente"].id,
            fields=json.dumps([["descricao", "Maria Aparecida ligou de 11987654321"]]),
        )
    )
    db.session.commit()
    assert _anonymise(supervisor, maria_id, "52998224725").status_code == 302
    pages = {
        "export": f"/privacidade/entidades/{maria_id}/dados.json",
        "history": f"/entidades/{maria_id}/historico",
        "cadastro": f"/entidades/{maria_id}/cadastro",
        "ticket": f"/atendimentos/{demo['ticket_1'].code}",
        "report": f"/atendimentos/{demo['ticket_1'].code}/relatorio",
        "outbox": "/caixa-de-saida",
    }
    for name, url in pages.items():
        response = supervisor.get(url)
        assert response.status_code == 200, name  # scrubbed values are shown, not a 500
        text = response.get_data(as_text=True)
        for value in MARIA_SHOWN:
            assert value not in text, (name, value)
    assert "[anonimizado]" in supervisor.get(pages["history"]).get_data(as_text=True)
    assert "destinatário anonimizado" in supervisor.get(pages["outbox"]).get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalars(sa.select(UnsavedEdit)).all() == []
    # A second anonymisation changes nothing and says so.
    response = _anonymise(supervisor, maria_id, ANONYMOUS_NAME.format(id=maria_id))
    assert response.status_code == 302
    assert "já foi anonimizado" in supervisor.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_a_cadastro_saved_meanwhile_stops_the_anonymisation_whole(supervisor, demo, db):
    """Another save of the Cadastro lands between this request's read and its write (made
    here just before the first flush): the version check refuses, nothing is anonymised."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    maria_id = demo["maria"].id
    token = _token(supervisor, maria_id)

    def save_meanwhile(session, _context, _instances):
        session.connection().execute(
            sa.update(Entity).where(Entity.id == maria_id).values(version=Entity.version + 1)
        )

    event.listen(Session, "before_flush", save_meanwhile, once=True)
    try:
        response = supervisor.post(
            f"/privacidade/entidades/{maria_id}/anonimizar",
            data={"csrf_token": token, "confirmacao": "52998224725"},
        )
    finally:
        if event.contains(Session, "before_flush", save_meanwhile):
            event.remove(Session, "before_flush", save_meanwhile)
    assert response.status_code == 302
    page = supervisor.get(response.headers["Location"]).get_data(as_text=True)
    assert "nada foi anonimizado" in page
    db.session.rollback()
    maria = db.session.get(Entity, maria_id)
    assert maria.name == "Maria Aparecida da Silva" and maria.document == "52998224725"
    assert len(maria.phones) == 2
    assert "Maria Aparecida" in _audit_text(db)
