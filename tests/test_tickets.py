"""The ticket screen: open, work and confirm an atendimento (seed §1–8)."""

import re
import threading
from datetime import date

import pytest
import sqlalchemy as sa

from isocrm.models import AuditLog, Company, DetailInfo, Ticket, TicketDetail
from isocrm.models.base import utcnow
from isocrm.tickets.service import take_next_code
from tests.conftest import csrf_token_from
from tests.factories import (
    add_details,
    create_ticket,
    default_status_id,
    detail_post,
    fresh,
    include,
    new_ticket_data,
    screen_form,
    ticket_by_code,
    token_of,
)


def _ticket_count(db):
    """Confirmed tickets (a draft is not a ticket yet)."""
    fresh(db)
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Ticket).where(Ticket.stage == "confirmado")
    )


# --- opening -----------------------------------------------------------------------------


def test_new_ticket_screen_has_every_block_of_the_seed(logged_in, demo):
    code = include(logged_in, demo["maria"].id)
    html = logged_in.get(f"/atendimentos/{code}").get_data(as_text=True)
    for label in (
        "Dados do atendimento",
        "Papel",
        "Empresa",
        "Dados Complementares",
        "SAC Relacionado",
        "Dados cadastrais da entidade",
        "Detalhes do atendimento",
        "Canal",
        "Ativo",
        "Receptivo",
        "Data de recebimento",
        "Data de abertura",
        "Descrição",
        "Data da resposta",
        "Atendente",
        "Resposta",
        "Contato",
        "Categoria do atendimento",
        "Data abertura",
        "Data fechamento",
        "Motivo",
        "Ocorrência",
        "Causa",
        "Unidade",
        "Local",
        "Observação do local",
        "Atendente abertura",
        "Atendente alteração",
        "Informações do detalhe",
        "Situação",
        "Confirmar",
        "Novo",
    ):
        assert label in html, label
    for icon in (
        "Cadastro simplificado",
        "Cadastro completo",
        "Histórico da entidade",
        "Agenda",
        "Imprimir relatório",
        "Visualiza atendimentos",
        "Vendas",
        "Notas",
        "Pesquisa",
        "Alertas",  # then its priority, or "nenhum alerta ativo"
    ):
        assert f'aria-label="{icon}' in html, icon
    # Principal address, phone and e-contact in the read-only card
    assert "maria.aparecida@example.com.br" in html
    assert "(11) 98765-4321" in html


def test_entity_without_role_cannot_get_a_ticket(logged_in, demo, db):
    url = f"/entidades/{demo['joaquim'].id}/atendimentos"
    listing = logged_in.get(url).get_data(as_text=True)
    assert "papel preenchido" in listing
    fresh(db)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Ticket))
    token = token_of(logged_in, "/atendimentos/")
    response = logged_in.post(url, data={"csrf_token": token})
    assert response.status_code == 422
    assert "papel" in response.get_data(as_text=True)
    fresh(db)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == before


def test_confirmar_saves_ticket_detail_and_information_and_gives_the_next_code(logged_in, demo, db):
    company = demo["company"]
    response = create_ticket(logged_in, demo)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"] == "/atendimentos/4"  # Maria's demo tickets are 1–3
    ticket = ticket_by_code(db, 4)
    assert ticket.entity_id == demo["maria"].id
    assert ticket.opened_by.username == "atendente" and ticket.updated_by.username == "atendente"
    assert ticket.closed_at is None
    assert ticket.location_entity_id == demo["mercado"].id
    (detail,) = ticket.details
    assert detail.direction == "receptivo"
    assert detail.contact_entity_id == demo["jose"].id
    assert detail.answered_at is None
    (info,) = detail.informations
    assert info.lot_number == "L2611A"
    assert info.expires_on == date(2027, 4, 1)
    fresh(db)
    assert company.last_ticket_code == 4

    page = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert "Atendimento 000004 confirmado." in page
    assert "000004" in page
    assert "Detalhe 1 de 1" in page
    listing = logged_in.get(f"/entidades/{demo['maria'].id}/atendimentos").get_data(as_text=True)
    assert "000004" in listing


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"description": "  "}, "description", "Descreva o que o cliente informou."),
        ({"role_id": ""}, "role_id", "Escolha o papel."),
        ({"channel_id": ""}, "channel_id", "Escolha o canal."),
        (
            {"occurrence_id": "DUVIDA"},
            "occurrence_id",
            "Escolha uma ocorrência do motivo selecionado.",
        ),
        (
            {"infos-0-expires_on": "2026-01-01"},
            "infos-0-expires_on",
            "A data de validade não pode ser anterior à data de fabricação.",
        ),
        (
            {"infos-0-manufactured_on": "31/02/2026"},
            "infos-0-manufactured_on",
            "Data inválida: use o formato dd/mm/aaaa (ano entre 1900 e 2100).",
        ),
        (
            {"contact_entity_id": "MERCADO"},
            "contact_entity_id",
            "Escolha um contato entre os relacionados da entidade.",
        ),
        (
            {"location_entity_id": "JOAQUIM"},
            "location_entity_id",
            "Escolha um parceiro (entidade com papel Parceiro).",
        ),
        (
            {"received_at": "2099-01-01T10:00"},
            "received_at",
            "A data de recebimento não pode estar no futuro.",
        ),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(
    logged_in, demo, db, overrides, field, message
):
    stand_ins = {
        "DUVIDA": demo["occurrences"]["Dúvida/Informação sobre produto"].id,
        "MERCADO": demo["mercado"].id,
        "JOAQUIM": demo["joaquim"].id,
    }
    overrides = {k: stand_ins.get(v, v) for k, v in overrides.items()}
    before = _ticket_count(db)
    response = create_ticket(logged_in, demo, **overrides)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # The message sits in the list described by the field itself.
    errors = re.search(rf'id="{re.escape(field)}-errors">(.*?)</ul>', html, re.S)
    assert errors and message in errors.group(1), html[:300]
    # What was typed is kept
    assert "Biscoito chegou com a embalagem aberta." in html or field == "description"
    assert "Gôndola de biscoitos" in html
    assert _ticket_count(db) == before
    fresh(db)
    # The protocol was given at Incluir; the ticket stays a draft until a valid Confirmar.
    assert demo["company"].last_ticket_code == 4
    assert ticket_by_code(db, 4).stage == "rascunho" and ticket_by_code(db, 4).details == []


def test_closing_sets_data_fechamento_and_reopening_clears_it(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    form["status_id"] = str(demo["statuses"]["concluido"].id)
    response = logged_in.post("/atendimentos/4", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    ticket = ticket_by_code(db, 4)
    assert ticket.closed_at is not None and ticket.closed_at >= ticket.opened_at

    form = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    form["status_id"] = str(demo["statuses"]["em_andamento"].id)
    assert logged_in.post("/atendimentos/4", data=form).status_code == 303
    assert ticket_by_code(db, 4).closed_at is None


def test_another_companys_ticket_and_a_missing_one_are_404(logged_in, demo, db):
    south = demo["company_south"]
    foreign = Ticket(
        company_id=south.id,
        code=1,
        entity_id=demo["luiza"].id,
        role_id=demo["roles_south"]["cliente"].id,
        status_id=db.session.scalar(sa.select(Company).where(Company.id == south.id))
        and demo["luiza"].roles[0].id
        and default_status_id(db, south.id),
        opened_by_id=demo["supervisor"].id,
        updated_by_id=demo["supervisor"].id,
    )
    db.session.add(foreign)
    db.session.commit()
    assert logged_in.get("/atendimentos/1").status_code == 200  # Maria's own ticket 1
    # Company south's ticket 1 is invisible; an unknown code is missing.
    html = logged_in.get("/atendimentos/1").get_data(as_text=True)
    assert "Luiza" not in html
    assert logged_in.get("/atendimentos/999").status_code == 404
    # The detail panel: a 404 both as a page (no redirect to a screen that is not there)
    # and as the htmx fragment.
    assert logged_in.get("/atendimentos/999/detalhes?detalhe=1").status_code == 404
    assert (
        logged_in.get(
            "/atendimentos/999/detalhes?detalhe=1", headers={"HX-Request": "true"}
        ).status_code
        == 404
    )
    token = token_of(logged_in, "/atendimentos/")
    assert logged_in.post("/atendimentos/999", data={"csrf_token": token}).status_code == 404
    assert logged_in.get(f"/entidades/{demo['luiza'].id}/atendimentos/novo").status_code == 404


# --- details --------------------------------------------------------------------------------


def test_add_a_second_detail_and_page_between_them(logged_in, demo, db):
    create_ticket(logged_in, demo)
    response = detail_post(logged_in, demo, 4, description="Segundo contato")
    assert response.status_code == 200
    panel = response.get_data(as_text=True)
    assert panel.lstrip().startswith('<section class="panel" id="detail-panel"')
    assert "Detalhe 2 de 2" in panel and "Segundo contato" in panel
    assert "Detalhe salvo." in panel

    first = logged_in.get("/atendimentos/4/detalhes?detalhe=1", headers={"HX-Request": "true"})
    html = first.get_data(as_text=True)
    assert "<html" not in html and "Detalhe 1 de 2" in html
    assert "Biscoito chegou com a embalagem aberta." in html
    full = logged_in.get("/atendimentos/4?detalhe=1").get_data(as_text=True)
    assert "<html" in full and "Detalhe 1 de 2" in full
    new = logged_in.get("/atendimentos/4/detalhes?detalhe=novo", headers={"HX-Request": "true"})
    assert "Novo detalhe (3 de 3)" in new.get_data(as_text=True)
    ticket = ticket_by_code(db, 4)
    assert [d.description for d in ticket.details] == [
        "Biscoito chegou com a embalagem aberta.",
        "Segundo contato",
    ]


def test_answer_date_is_set_when_the_answer_is_first_saved(logged_in, demo, db):
    create_ticket(logged_in, demo)
    detail_id = ticket_by_code(db, 4).details[0].id
    html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    version = re.search(r'name="detail_version"[^>]*value="(\d+)"', html).group(1)
    detail_post(
        logged_in,
        demo,
        4,
        f"/{detail_id}",
        description="Biscoito aberto",
        answer="Enviaremos um novo pacote.",
        detail_version=version,
    )
    fresh(db)
    detail = db.session.get(TicketDetail, detail_id)
    first_answer = detail.answered_at
    assert first_answer is not None and detail.answer == "Enviaremos um novo pacote."
    detail_post(
        logged_in,
        demo,
        4,
        f"/{detail_id}",
        description="Biscoito aberto",
        answer="Enviaremos um novo pacote hoje.",
        detail_version=str(detail.version),
    )
    fresh(db)
    assert db.session.get(TicketDetail, detail_id).answered_at == first_answer


def test_detail_edited_by_someone_else_is_not_overwritten(logged_in, demo, db):
    create_ticket(logged_in, demo)
    detail = ticket_by_code(db, 4).details[0]
    stale_version = detail.version
    detail.description = "Texto do outro atendente"  # written by the test's own session
    db.session.commit()
    response = detail_post(
        logged_in,
        demo,
        4,
        f"/{detail.id}",
        description="Meu texto",
        detail_version=str(stale_version),
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Texto do outro atendente" in html and "Meu texto" in html
    fresh(db)
    assert db.session.get(TicketDetail, detail.id).description == "Texto do outro atendente"


def test_information_line_is_added_and_removed(logged_in, demo, db):
    create_ticket(
        logged_in,
        demo,
        **{"infos-0-product_info_id": ""}
        | {f"infos-0-{k}": "" for k in ("note", "lot_number", "manufactured_on", "expires_on")},
    )
    detail = ticket_by_code(db, 4).details[0]
    assert detail.informations == []
    response = detail_post(
        logged_in,
        demo,
        4,
        f"/{detail.id}",
        description=detail.description,
        detail_version=str(detail.version),
        **{"infos-0-product_info_id": demo["product_info"].id, "infos-0-lot_number": "LX9"},
    )
    assert response.status_code == 200
    assert "Ver informação (1)" in response.get_data(as_text=True)
    fresh(db)
    info_id = db.session.scalar(sa.select(DetailInfo.id).where(DetailInfo.detail_id == detail.id))
    page = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    response = logged_in.post(
        f"/atendimentos/4/detalhes/{detail.id}/informacoes/{info_id}/excluir",
        data={"csrf_token": page["csrf_token"], "ticket_id": page["ticket_id"]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    fresh(db)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(DetailInfo)
            .where(DetailInfo.detail_id == detail.id)
        )
        == 0
    )


# --- cascading selects and pickers -----------------------------------------------------------


def test_occurrences_follow_the_reason_and_clear_the_causes(logged_in, demo):
    reason = demo["reasons"]["Reclamação"]
    html = logged_in.get(
        f"/atendimentos/opcoes/ocorrencias?reason_id={reason.id}", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "Produto com defeito" in html and "Informação sobre produto" not in html
    assert 'data-hx-swap-oob="innerHTML:#cause_id"' in html
    occurrence = demo["occurrences"]["Reclamação/Produto com defeito"]
    html = logged_in.get(
        f"/atendimentos/opcoes/causas?reason_id={reason.id}&occurrence_id={occurrence.id}"
        "&infos-0-product_info_id=",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "Embalagem violada" in html and "Produto vencido" in html
    assert "Composição" not in html
    assert "Biscoito Integral 200g" in html  # the Informação lists follow the chain


def test_informacao_says_so_when_the_chain_has_none(logged_in, demo):
    reason = demo["reasons"]["Elogio"]
    occurrence = demo["occurrences"]["Elogio/Atendimento"]
    html = logged_in.get(
        f"/atendimentos/opcoes/informacao?index=0&reason_id={reason.id}"
        f"&occurrence_id={occurrence.id}",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "nenhuma informação de produto" in html
    assert 'name="infos-0-product_info_id"' in html
    assert "index=1" in html  # the Adicionar button comes back ready for the next line


def test_pickers_find_partners_contacts_and_tickets(logged_in, demo):
    html = logged_in.get("/atendimentos/opcoes/locais?q=bom+preco").get_data(as_text=True)
    assert "Mercado Bom Preço Ltda" in html
    html = logged_in.get("/atendimentos/opcoes/locais?q=maria").get_data(as_text=True)
    assert "Maria Aparecida" not in html  # not a Parceiro
    html = logged_in.get(f"/entidades/{demo['maria'].id}/contatos?q=jose").get_data(as_text=True)
    assert "José Carlos da Silva" in html and "Ana Beatriz" not in html
    html = logged_in.get("/atendimentos/opcoes/relacionados?q=2").get_data(as_text=True)
    assert "000002" in html
    html = logged_in.get(
        f"/atendimentos/opcoes/relacionados?q=2&exclude={demo['ticket_2'].id}"
    ).get_data(as_text=True)
    assert "000002" not in html


def test_a_ticket_cannot_be_related_to_itself(logged_in, demo, db):
    create_ticket(logged_in, demo)
    ticket = ticket_by_code(db, 4)
    form = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    form["related_ticket_id"] = str(ticket.id)
    response = logged_in.post("/atendimentos/4", data=form)
    assert response.status_code == 422
    assert "não o próprio" in response.get_data(as_text=True)
    form["related_ticket_id"] = str(demo["ticket_1"].id)
    assert logged_in.post("/atendimentos/4", data=form).status_code == 303
    page = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert 'href="/atendimentos/1"' in page


def test_alert_icon_takes_the_colour_of_the_highest_active_alert(logged_in, demo, db):
    html = logged_in.get("/atendimentos/1").get_data(as_text=True)
    icon = re.search(r'<a id="alert-icon"[^>]*>', html).group(0)
    assert "alert-alta" in icon
    demo["maria_alert"].resolved_at = utcnow()
    db.session.commit()
    html = logged_in.get("/atendimentos/1").get_data(as_text=True)
    icon = re.search(r'<a id="alert-icon"[^>]*>', html).group(0)
    assert "alert-alta" not in icon and "nenhum alerta ativo" in icon
    page = logged_in.get(f"/entidades/{demo['maria'].id}/alertas").get_data(as_text=True)
    assert "Resolvidos ou vencidos" in page


# --- two attendants, one ticket ---------------------------------------------------------------


def _second_attendant(app, demo, db):
    from isocrm.models import User

    fresh(db)
    other = User(
        username="beatriz", name="Beatriz Atendente", role="atendente", companies=[demo["company"]]
    )
    other.set_password("beatriz123")
    db.session.add(other)
    db.session.commit()
    client = app.test_client()
    page = client.get("/entrar").get_data(as_text=True)
    client.post(
        "/entrar",
        data={"username": "beatriz", "password": "beatriz123", "csrf_token": csrf_token_from(page)},
    )
    return client


def test_second_save_shows_field_by_field_what_the_other_changed(app, logged_in, demo, db):
    create_ticket(logged_in, demo)
    beatriz = _second_attendant(app, demo, db)
    mine = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    hers = screen_form(beatriz.get("/atendimentos/4").get_data(as_text=True))

    hers["location_note"] = "Loja da Avenida Paulista"
    hers["complementary_data"] = "Ligou de novo"
    assert beatriz.post("/atendimentos/4", data=hers).status_code == 303

    mine["location_note"] = "Loja do centro"
    response = logged_in.post("/atendimentos/4", data=mine)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Outro atendente alterou este atendimento" in html
    assert "Beatriz Atendente" in html
    table = re.search(r'<section class="panel conflict".*?</section>', html, re.S).group(0)
    assert "Observação do local" in table and "Loja da Avenida Paulista" in table
    assert "Loja do centro" in table
    # What only she changed is not a question: the screen now shows her value.
    assert "Dados Complementares" not in re.search(r"<tbody>.*?</tbody>", table, re.S).group(0)
    assert screen_form(html)["complementary_data"] == "Ligou de novo"
    assert "mantido o valor do outro atendente: Dados Complementares" in html
    assert ticket_by_code(db, 4).location_note == "Loja da Avenida Paulista"  # nothing overwritten

    # Keep my note, take her complementary data.
    resolved = screen_form(html)
    resolved["resolve-location_note"] = "mine"
    resolved["resolve-complementary_data"] = "theirs"
    response = logged_in.post("/atendimentos/4", data=resolved)
    assert response.status_code == 303
    ticket = ticket_by_code(db, 4)
    assert ticket.location_note == "Loja do centro"
    assert ticket.complementary_data == "Ligou de novo"


def test_changes_to_different_fields_merge_without_asking(app, logged_in, demo, db):
    create_ticket(logged_in, demo)
    beatriz = _second_attendant(app, demo, db)
    mine = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    hers = screen_form(beatriz.get("/atendimentos/4").get_data(as_text=True))
    hers["complementary_data"] = "Dado da Beatriz"
    assert beatriz.post("/atendimentos/4", data=hers).status_code == 303
    mine["location_note"] = "Nota minha"
    response = logged_in.post("/atendimentos/4", data=mine)
    assert response.status_code == 303
    ticket = ticket_by_code(db, 4)
    assert ticket.complementary_data == "Dado da Beatriz"
    assert ticket.location_note == "Nota minha"
    assert "foi mantido: Dados Complementares" in logged_in.get("/atendimentos/4").get_data(
        as_text=True
    )


def test_parallel_saves_get_unique_gap_free_codes(app, demo, db):
    """Eight attendants press Confirmar at the same moment."""
    clients = []
    for _ in range(8):
        client = app.test_client()
        page = client.get("/entrar").get_data(as_text=True)
        client.post(
            "/entrar",
            data={
                "username": "atendente",
                "password": "atendente123",
                "csrf_token": csrf_token_from(page),
            },
        )
        clients.append(client)
    statuses: list[int] = []
    barrier = threading.Barrier(len(clients))
    listing = f"/entidades/{demo['maria'].id}/atendimentos"
    filled = new_ticket_data(demo)

    def include_and_confirm(client):
        token = token_of(client, listing)
        barrier.wait()
        response = client.post(listing, data={"csrf_token": token})
        statuses.append(response.status_code)
        url = response.headers["Location"]
        data = screen_form(client.get(url).get_data(as_text=True))
        data.update(filled)
        barrier.wait()
        statuses.append(client.post(url, data=data).status_code)

    threads = [threading.Thread(target=include_and_confirm, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 16
    fresh(db)
    codes = sorted(
        db.session.scalars(sa.select(Ticket.code).where(Ticket.company_id == demo["company"].id))
    )
    assert codes == list(range(1, 12))
    confirmed = db.session.scalars(
        sa.select(Ticket).where(Ticket.company_id == demo["company"].id, Ticket.code > 3)
    ).all()
    assert {t.stage for t in confirmed} == {"confirmado"}
    assert all(len(t.details) == 1 for t in confirmed)


def test_a_refused_confirmar_keeps_the_code_with_its_draft(logged_in, demo, db):
    """The code is taken at Incluir: a refused Confirmar leaves the draft holding it, the
    same draft confirms under it later, and the next Incluir gets the next one (no gap)."""
    refused = create_ticket(logged_in, demo, description="")
    assert refused.status_code == 422
    draft = ticket_by_code(db, 4)
    assert draft.stage == "rascunho"
    data = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    data.update(new_ticket_data(demo))
    assert logged_in.post("/atendimentos/4", data=data).status_code == 303
    assert ticket_by_code(db, 4).stage == "confirmado"
    assert include(logged_in, demo["maria"].id) == 5


def test_a_transaction_that_rolls_back_gives_its_code_back(app, demo, db):
    """take_next_code bumps the counter inside the caller's transaction: when the ticket's
    insert fails (here a real NOT NULL refusal of the database), the rollback returns the
    code and the next Incluir gets it."""
    company_id = demo["company"].id
    with app.app_context():
        taken = take_next_code(db.session, company_id)
        assert taken == 4
        db.session.add(Ticket(company_id=company_id, code=taken))  # no entity, no status
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
        assert take_next_code(db.session, company_id) == 4
        db.session.rollback()


# --- audit and speed ---------------------------------------------------------------------------


def test_every_change_is_audited(logged_in, demo, db):
    create_ticket(logged_in, demo)
    ticket = ticket_by_code(db, 4)
    rows = db.session.scalars(
        sa.select(AuditLog).where(
            AuditLog.table_name == "tickets", AuditLog.row_id == str(ticket.id)
        )
    ).all()
    # Incluir inserts the draft; Confirmar is one update.
    assert [r.action for r in rows] == ["insert", "update"]
    assert rows[0].user_id == demo["atendente"].id
    assert rows[1].after["stage"] == "confirmado"
    form = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    form["location_note"] = "Outra gôndola"
    assert logged_in.post("/atendimentos/4", data=form).status_code == 303
    fresh(db)
    update = db.session.scalar(
        sa.select(AuditLog)
        .where(
            AuditLog.table_name == "tickets",
            AuditLog.action == "update",
            AuditLog.row_id == str(ticket.id),
        )
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
    assert update.before["location_note"] == "Gôndola de biscoitos"
    assert update.after["location_note"] == "Outra gôndola"
    details = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditLog)
        .where(AuditLog.table_name == "ticket_details")
    )
    assert details >= 1


def test_screen_query_count_does_not_grow_with_details(logged_in, demo, db, count_queries):
    create_ticket(logged_in, demo)
    ticket = ticket_by_code(db, 4)

    with count_queries() as one:
        assert logged_in.get("/atendimentos/4").status_code == 200
    add_details(db, demo, ticket, 49)
    with count_queries() as fifty:
        html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert "Detalhe 50 de 50" in html
    assert one.count == fifty.count, (one.statements, fifty.statements)
    with count_queries() as panel:
        logged_in.get("/atendimentos/4/detalhes?detalhe=25", headers={"HX-Request": "true"})
    assert panel.count <= fifty.count


def test_entity_ticket_list_is_paged_and_a_page_past_the_end_is_the_last(
    logged_in, demo, db, count_queries
):
    """A frequent caller's list comes a page at a time, newest first, with the same few
    statements whatever the number of tickets; htmx swaps only the list."""
    from isocrm.tickets.views import ENTITY_TICKETS_PAGE_SIZE

    url = f"/entidades/{demo['maria'].id}/atendimentos"
    with count_queries() as few:
        logged_in.get(url)
    while _maria_ticket_count(db, demo) <= ENTITY_TICKETS_PAGE_SIZE:
        assert create_ticket(logged_in, demo).status_code == 303
    total = _maria_ticket_count(db, demo)
    with count_queries() as many:
        first = logged_in.get(url).get_data(as_text=True)
    assert many.count == few.count
    assert _listed(first) == ENTITY_TICKETS_PAGE_SIZE
    assert "Página 1 de 2" in first and f"({total})" in first
    newest = db.session.scalar(
        sa.select(sa.func.max(Ticket.code)).where(Ticket.entity_id == demo["maria"].id)
    )
    assert f'href="/atendimentos/{newest}"' in first

    second = logged_in.get(f"{url}?page=2", headers={"HX-Request": "true"})
    body = second.get_data(as_text=True)
    assert second.status_code == 200 and "<html" not in body
    assert _listed(body) == total - ENTITY_TICKETS_PAGE_SIZE
    assert 'id="entity-tickets"' in body and "Página 2 de 2" in body

    past = logged_in.get(f"{url}?page=999").get_data(as_text=True)
    assert "Página 2 de 2" in past
    assert _listed(past) == total - ENTITY_TICKETS_PAGE_SIZE


def _listed(html):
    """Ticket links in the entity's list (the drafts section and the menus are above it)."""
    section = html.split('id="entity-tickets"', 1)[1]
    return len(re.findall(r'href="/atendimentos/\d+"', section))


def _maria_ticket_count(db, demo):
    fresh(db)
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Ticket)
        .where(Ticket.entity_id == demo["maria"].id, Ticket.stage == "confirmado")
    )


def test_a_picker_query_with_nothing_searchable_finds_nobody_and_a_bad_line_index_says_so(
    logged_in, demo
):
    base = f"/entidades/{demo['maria'].id}/contatos"
    assert "José Carlos da Silva" in logged_in.get(base).get_data(as_text=True)
    for typed in ("%", "_", "'", "🙂"):
        html = logged_in.get(base, query_string={"q": typed}).get_data(as_text=True)
        assert "José Carlos da Silva" not in html, typed
    for index in ("-1", "abc", str(10**20)):
        response = logged_in.get(f"/atendimentos/opcoes/informacao?index={index}")
        body = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Linha de informação inválida" in body and "no máximo" not in body
