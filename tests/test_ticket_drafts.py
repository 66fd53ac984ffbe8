"""The ticket screen never loses or changes what the attendant typed (issue 7), through the
test client; tests/browser/test_ticket_drafts.py does the same on the screen."""

import json
import re

import sqlalchemy as sa

from isocrm.models import AuditLog, Entity, Status, Ticket, TicketDetail, UnsavedEdit, User
from isocrm.models.entity import entity_roles
from tests.conftest import csrf_token_from
from tests.factories import (
    create_ticket,
    fresh,
    include,
    new_ticket_data,
    screen_form,
    ticket_by_code,
    token_of,
)


def _audit_rows(db) -> int:
    fresh(db)
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))


def _screen(client, code, query=""):
    return screen_form(client.get(f"/atendimentos/{code}{query}").get_data(as_text=True))


# --- the protocol from the first second ---------------------------------------------------


def test_incluir_gives_the_protocol_before_anything_is_typed(logged_in, demo, db):
    code = include(logged_in, demo["maria"].id)
    assert code == 4
    html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert "Protocolo <strong>000004</strong>" in html and "Em abertura" in html
    ticket = ticket_by_code(db, 4)
    assert ticket.stage == "rascunho" and ticket.details == []
    assert ticket.role_id == demo["roles"]["cliente"].id  # her only papel
    # Listed as a draft for the entity and on the attendant's home, not as a ticket.
    listing = logged_in.get(f"/entidades/{demo['maria'].id}/atendimentos").get_data(as_text=True)
    drafts = re.search(r'<section aria-labelledby="drafts-title".*?</section>', listing, re.S)
    assert drafts and "000004" in drafts.group(0)
    tickets = re.search(r'<section aria-labelledby="tickets-title".*?</section>', listing, re.S)
    assert "000004" not in tickets.group(0)
    assert "Meus rascunhos" in logged_in.get("/atendimentos/").get_data(as_text=True)
    # Not a ticket for the Histórico or the report.
    history = logged_in.get(f"/entidades/{demo['maria'].id}/historico").get_data(as_text=True)
    assert "000004" not in history
    assert logged_in.get("/atendimentos/4/relatorio").status_code == 404


def test_an_entity_with_several_papeis_gets_no_papel_chosen_for_it(logged_in, demo, db):
    code = include(logged_in, demo["mercado"].id)  # Cliente and Parceiro
    assert ticket_by_code(db, code).role_id is None
    form = _screen(logged_in, code)
    assert form["role_id"] == ""
    form.update(
        {
            "channel_id": str(demo["channels"]["Telefone"].id),
            "description": "Pedido de visita",
        }
    )
    response = logged_in.post(f"/atendimentos/{code}", data=form)
    assert response.status_code == 422 and "Escolha o papel." in response.get_data(as_text=True)
    assert ticket_by_code(db, code).stage == "rascunho"


def test_a_discarded_draft_is_kept_as_cancelled_by_desistencia(logged_in, demo, db):
    code = include(logged_in, demo["maria"].id)
    form = _screen(logged_in, code)
    response = logged_in.post(
        f"/atendimentos/{code}/descartar",
        data={"csrf_token": form["csrf_token"], "ticket_id": form["ticket_id"]},
    )
    assert response.status_code == 303
    ticket = ticket_by_code(db, code)
    assert ticket.stage == "descartado"
    assert ticket.status.category == "cancelado" and ticket.closed_at is not None
    listing = logged_in.get(f"/entidades/{demo['maria'].id}/atendimentos").get_data(as_text=True)
    assert "desistência" in listing and "Rascunhos" not in listing
    # It can never be confirmed afterwards, and the next Incluir takes the next code.
    form.update(new_ticket_data(demo))
    assert logged_in.post(f"/atendimentos/{code}", data=form).status_code == 409
    assert ticket_by_code(db, code).stage == "descartado"
    assert include(logged_in, demo["maria"].id) == code + 1


def test_a_confirmed_ticket_cannot_be_discarded(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = _screen(logged_in, 4)
    logged_in.post(
        "/atendimentos/4/descartar",
        data={"csrf_token": form["csrf_token"], "ticket_id": form["ticket_id"]},
    )
    assert ticket_by_code(db, 4).stage == "confirmado"


# --- item 1: one save for what is on screen ------------------------------------------------


def test_confirmar_saves_a_new_detail_typed_on_a_saved_ticket(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = _screen(logged_in, 4, "?detalhe=novo")
    assert form.get("detail_id", "") == ""
    form.update(
        {
            "channel_id": str(demo["channels"]["WhatsApp"].id),
            "direction": "ativo",
            "description": "Retorno pelo WhatsApp",
            "status_id": str(demo["statuses"]["em_andamento"].id),
        }
    )
    assert logged_in.post("/atendimentos/4", data=form).status_code == 303
    ticket = ticket_by_code(db, 4)
    assert [d.description for d in ticket.details][-1] == "Retorno pelo WhatsApp"
    assert ticket.status_id == demo["statuses"]["em_andamento"].id


def test_confirmar_saves_an_answer_typed_into_an_existing_detail(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = _screen(logged_in, 4)
    form["answer"] = "Enviaremos um pacote novo."
    assert logged_in.post("/atendimentos/4", data=form).status_code == 303
    (detail,) = ticket_by_code(db, 4).details
    assert detail.answer == "Enviaremos um pacote novo." and detail.answered_at is not None


def test_a_blank_new_detail_on_a_saved_ticket_is_not_required(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = _screen(logged_in, 4, "?detalhe=novo")
    form["location_note"] = "Corredor 3"
    assert logged_in.post("/atendimentos/4", data=form).status_code == 303
    ticket = ticket_by_code(db, 4)
    assert ticket.location_note == "Corredor 3" and len(ticket.details) == 1


# --- item 3: stored values that are no longer offered --------------------------------------


def test_a_stored_unidade_not_linked_is_shown_and_survives_an_unchanged_confirmar(
    logged_in, demo, db
):
    html = logged_in.get("/atendimentos/3").get_data(as_text=True)
    assert re.search(r"<option selected value=\"\d+\">Filial Campinas \(não vinculada", html)
    before = _audit_rows(db)
    response = logged_in.post("/atendimentos/3", data=screen_form(html))
    assert response.status_code == 303
    assert "Nada mudou" in logged_in.get("/atendimentos/3").get_data(as_text=True)
    assert ticket_by_code(db, 3).unit_id == demo["unit_campinas"].id
    assert _audit_rows(db) == before  # no change, no write


def test_values_no_longer_offered_stay_marked_and_unchanged(logged_in, demo, db):
    create_ticket(logged_in, demo)
    ticket = ticket_by_code(db, 4)
    fresh(db)
    # Everything the ticket points at stops being offered.
    ticket.status.active = False
    ticket.details[0].channel.active = False
    ticket.reason.active = False
    maria = db.session.get(Entity, demo["maria"].id)
    maria.relations.clear()
    maria.units.clear()
    mercado = db.session.get(Entity, demo["mercado"].id)
    mercado.roles = [r for r in mercado.roles if r.code != "parceiro"]
    db.session.commit()
    html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    for label in (
        "Aberto (inativa)",
        "Telefone (inativo)",
        "Reclamação (inativo)",
        "(não relacionado)",
        f"{demo['unit_sp'].name} (não vinculada à entidade)",
        "(sem papel Parceiro)",
    ):
        assert label in html, label
    before = _audit_rows(db)
    assert logged_in.post("/atendimentos/4", data=screen_form(html)).status_code == 303
    assert _audit_rows(db) == before
    after = ticket_by_code(db, 4)
    assert after.unit_id == demo["unit_sp"].id
    assert after.location_entity_id == demo["mercado"].id
    assert after.details[0].contact_entity_id == demo["jose"].id


def test_another_value_not_offered_is_still_refused(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = _screen(logged_in, 4)
    form["unit_id"] = str(demo["unit_campinas"].id)  # not Maria's and not stored
    response = logged_in.post("/atendimentos/4", data=form)
    assert response.status_code == 422
    assert ticket_by_code(db, 4).unit_id == demo["unit_sp"].id


# --- item 2: options that follow a parent never pick for the attendant ----------------------


def test_refreshing_options_keeps_a_valid_product_and_clears_an_invalid_one(logged_in, demo):
    reason = demo["reasons"]["Reclamação"]
    occurrence = demo["occurrences"]["Reclamação/Produto com defeito"]
    product = demo["product_info"].id
    url = (
        f"/atendimentos/opcoes/causas?reason_id={reason.id}&occurrence_id={occurrence.id}"
        f"&infos-0-product_info_id=&infos-1-product_info_id={product}"
    )
    html = logged_in.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    first = re.search(r'<select[^>]*id="infos-0-product_info_id".*?</select>', html, re.S).group(0)
    second = re.search(r'<select[^>]*id="infos-1-product_info_id".*?</select>', html, re.S).group(0)
    assert not re.search(r'<option selected value="\d', first)  # nothing chosen stays so
    assert f'<option selected value="{product}"' in second
    other = demo["occurrences"]["Reclamação/Atraso na entrega"]
    url = (
        f"/atendimentos/opcoes/causas?reason_id={reason.id}&occurrence_id={other.id}"
        f"&infos-0-product_info_id={product}"
    )
    html = logged_in.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    cleared = re.search(r'id="infos-0-product_info_id".*?</select>', html, re.S)[0]
    assert not re.search(r'<option selected value="\d', cleared)
    assert "A informação escolhida antes não vale" in html


def test_information_row_index_out_of_range_is_a_message_not_a_500(logged_in):
    for index in ("60", "-1", "99999999999999999999999", "abc"):
        response = logged_in.get(
            f"/atendimentos/opcoes/informacao?index={index}", headers={"HX-Request": "true"}
        )
        assert response.status_code in (200, 422), index
    response = logged_in.get("/atendimentos/opcoes/informacao?index=60")
    assert "no máximo 50" in response.get_data(as_text=True)


# --- item 5: dates -------------------------------------------------------------------------


def test_dates_outside_1900_2100_and_half_typed_ones_are_refused(logged_in, demo, db):
    for field, value in (
        ("received_at", "31/10/0202 09:30"),
        ("received_at", "31/10/202"),
        ("infos-0-manufactured_on", "01/10/0202"),
        ("infos-0-expires_on", "31/12/9999"),
        ("infos-0-expires_on", "10/2026"),
    ):
        response = create_ticket(logged_in, demo, **{field: value})
        assert response.status_code == 422, (field, value)
        html = response.get_data(as_text=True)
        errors = re.search(rf'id="{re.escape(field)}-errors">(.*?)</ul>', html, re.S)
        assert errors and "Data inválida" in errors.group(1), (field, value)
        assert f'value="{value}"' in html  # kept as typed


def test_every_date_round_trips_through_the_screen_unchanged(logged_in, demo, db):
    create_ticket(logged_in, demo, received_at="31/10/2026 09:30")
    form = _screen(logged_in, 4)
    assert form["received_at"] == "31/10/2026 09:30"
    before = _audit_rows(db)
    assert logged_in.post("/atendimentos/4", data=form).status_code == 303
    assert _audit_rows(db) == before
    assert _screen(logged_in, 4)["received_at"] == "31/10/2026 09:30"


# --- item 6: the same form twice -----------------------------------------------------------


def test_back_and_confirmar_again_creates_nothing_twice(logged_in, demo, db):
    code = include(logged_in, demo["maria"].id)
    form = _screen(logged_in, code)
    form.update(new_ticket_data(demo))
    assert logged_in.post(f"/atendimentos/{code}", data=form).status_code == 303
    # Back to the page the browser kept, Confirmar again: the same draft, the same detail.
    again = logged_in.post(f"/atendimentos/{code}", data=form)
    assert again.status_code == 303
    fresh(db)
    confirmed = db.session.scalar(
        sa.select(sa.func.count()).select_from(Ticket).where(Ticket.stage == "confirmado")
    )
    assert confirmed == 4
    assert len(ticket_by_code(db, code).details) == 1
    assert "nada foi duplicado" in logged_in.get(f"/atendimentos/{code}").get_data(as_text=True)


def test_a_second_tab_on_the_draft_with_other_text_is_not_lost(logged_in, demo, db):
    """Two tabs on one draft: A confirms; B, with the description changed, confirms too. B's
    text is the same new detail (same entry key) but not the same values: it must not be
    dropped as a repeat. B gets the saved text beside its own, and confirming again saves
    B's text on that detail (still one detail)."""
    code = include(logged_in, demo["maria"].id)
    tab_a = _screen(logged_in, code)
    tab_b = dict(tab_a)
    tab_a.update(new_ticket_data(demo))
    assert logged_in.post(f"/atendimentos/{code}", data=tab_a).status_code == 303
    tab_b.update(new_ticket_data(demo), description="Texto corrigido na aba 2")
    refused = logged_in.post(f"/atendimentos/{code}", data=tab_b)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Texto corrigido na aba 2" in html and tab_a["description"] in html
    assert [d.description for d in ticket_by_code(db, code).details] == [tab_a["description"]]
    again = screen_form(html)
    assert logged_in.post(f"/atendimentos/{code}", data=again).status_code == 303
    assert [d.description for d in ticket_by_code(db, code).details] == ["Texto corrigido na aba 2"]


def test_salvar_detalhe_twice_adds_one_detail(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = _screen(logged_in, 4, "?detalhe=novo")
    form.update(
        {"channel_id": str(demo["channels"]["E-mail"].id), "description": "Segundo contato"}
    )
    for _ in range(2):
        response = logged_in.post("/atendimentos/4/detalhes", data=form)
        assert response.status_code in (200, 303)
    assert len(ticket_by_code(db, 4).details) == 2


# --- autosave and the ended session ---------------------------------------------------------


def test_what_is_typed_is_kept_and_shown_again(logged_in, demo, db):
    code = include(logged_in, demo["maria"].id)
    form = _screen(logged_in, code)
    form.update(
        {
            "description": "Cliente\x00 relata embalagem aberta",
            "reason_id": str(demo["reasons"]["Reclamação"].id),
            "occurrence_id": str(demo["occurrences"]["Reclamação/Produto com defeito"].id),
            "infos-0-product_info_id": str(demo["product_info"].id),
            "infos-0-lot_number": "L77",
            "evil": "x",
        }
    )
    response = logged_in.post(f"/atendimentos/{code}/rascunho", data=form)
    assert response.status_code == 200 and "saved_at" in response.get_json()
    fresh(db)
    stored = json.loads(db.session.scalar(sa.select(UnsavedEdit.fields)))
    names = {name for name, _ in stored}
    assert "evil" not in names and "csrf_token" not in names
    assert ["description", "Cliente relata embalagem aberta"] in stored  # no NUL kept
    again = _screen(logged_in, code)
    assert again["description"] == "Cliente relata embalagem aberta"
    assert again["infos-0-lot_number"] == "L77"
    assert again["infos-0-product_info_id"] == str(demo["product_info"].id)
    huge = dict(form, description="x" * 9_000, complementary_data="y" * 9_000)
    for n in range(30):
        huge[f"infos-{n}-note"] = "z" * 9_000
    assert logged_in.post(f"/atendimentos/{code}/rascunho", data=huge).status_code == 413


def test_an_autosave_arriving_after_confirmar_is_not_offered_again(logged_in, demo, db):
    """Ctrl+Enter right after typing: the autosave the screen had scheduled can reach the
    server after the Confirmar it belongs to. It must not come back as an unconfirmed new
    detail holding the text that was just saved."""
    code = include(logged_in, demo["maria"].id)
    form = _screen(logged_in, code)
    form.update(new_ticket_data(demo))
    assert logged_in.post(f"/atendimentos/{code}", data=form).status_code == 303
    late = logged_in.post(f"/atendimentos/{code}/rascunho", data=form)
    assert late.status_code == 200 and late.get_json().get("unchanged") is True
    fresh(db)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnsavedEdit)) == 0
    page = logged_in.get(f"/atendimentos/{code}").get_data(as_text=True)
    assert "Restauramos" not in page and len(ticket_by_code(db, code).details) == 1


def test_descartar_alteracoes_shows_the_saved_ticket_again(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = _screen(logged_in, 4)
    form["location_note"] = "Não confirmado"
    logged_in.post("/atendimentos/4/rascunho", data=form)
    html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert "Restauramos o que você digitou" in html and "Não confirmado" in html
    logged_in.post("/atendimentos/4/alteracoes/descartar", data={"csrf_token": form["csrf_token"]})
    assert _screen(logged_in, 4)["location_note"] == "Gôndola de biscoitos"


def test_confirmar_after_the_session_ended_keeps_the_ticket_and_returns_to_it(
    client, auth, demo, db
):
    auth.login()
    code = include(client, demo["maria"].id)
    form = _screen(client, code)
    form.update(new_ticket_data(demo, description="Digitado depois do logout"))
    # Another tab logs out.
    client.post("/sair", data={"csrf_token": form["csrf_token"]})
    response = client.post(f"/atendimentos/{code}", data=form)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/entrar")
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "o que você digitou foi guardado" in login_page
    token = csrf_token_from(login_page)
    next_url = re.search(r'name="next"[^>]*value="([^"]*)"', login_page).group(1)
    back = client.post(
        "/entrar",
        data={
            "username": "atendente",
            "password": "atendente123",
            "csrf_token": token,
            "next": next_url,
        },
    )
    assert back.headers["Location"] == f"/atendimentos/{code}"
    restored = _screen(client, code)
    assert restored["description"] == "Digitado depois do logout"
    assert ticket_by_code(db, code).stage == "rascunho"  # nothing confirmed behind their back
    restored_form = dict(restored)
    assert client.post(f"/atendimentos/{code}", data=restored_form).status_code == 303
    assert ticket_by_code(db, code).details[0].description == "Digitado depois do logout"


def test_a_stashed_screen_is_only_handed_to_the_browser_that_typed_it(app, client, auth, demo, db):
    auth.login()
    code = include(client, demo["maria"].id)
    form = _screen(client, code)
    form["description"] = "Segredo"
    client.post("/sair", data={"csrf_token": form["csrf_token"]})
    client.post(f"/atendimentos/{code}", data=form)
    other = app.test_client()
    page = other.get("/entrar").get_data(as_text=True)
    other.post(
        "/entrar",
        data={
            "username": "atendente",
            "password": "atendente123",
            "csrf_token": csrf_token_from(page),
        },
    )
    assert "Segredo" not in other.get(f"/atendimentos/{code}").get_data(as_text=True)


# --- item 8: nothing from the browser is trusted --------------------------------------------


def test_the_merge_never_saves_a_value_from_the_base_snapshot(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = _screen(logged_in, 4)
    foreign = demo["luiza"].id  # an entity of the other Empresa
    form["base"] = json.dumps({"location_entity_id": foreign, "status_id": 999999})
    form["resolve-location_entity_id"] = "theirs"
    form["resolve-status_id"] = "theirs"
    assert logged_in.post("/atendimentos/4", data=form).status_code == 303
    ticket = ticket_by_code(db, 4)
    assert ticket.location_entity_id == demo["mercado"].id
    assert ticket.status_id == demo["statuses"]["aberto"].id
    for malformed in ("[1, 2]", "{", "null", '{"role_id": {"x": 1}}', "1e999"):
        form = _screen(logged_in, 4)
        form["base"] = malformed
        form["version"] = "1"  # stale: the merge reads base
        response = logged_in.post("/atendimentos/4", data=form)
        assert response.status_code in (303, 409), malformed
    form = _screen(logged_in, 4)
    form["complementary_data"] = "x" * 100_000
    assert logged_in.post("/atendimentos/4", data=form).status_code == 422


def test_a_screen_of_another_empresa_is_refused_and_its_text_kept(client, auth, demo, db):
    auth.login("supervisor", "supervisor123")
    south = demo["company_south"]
    client.post(
        "/empresa",
        data={"company_id": demo["company"].id, "csrf_token": token_of(client, "/atendimentos/")},
    )
    code = include(client, demo["maria"].id)
    form = _screen(client, code)
    form.update(new_ticket_data(demo, description="Texto da Maria"))
    # Tab B switches Empresa; a ticket with the same code exists there.
    fresh(db)
    luiza = db.session.get(Entity, demo["luiza"].id)
    status = db.session.scalar(
        sa.select(Status).where(Status.company_id == south.id, Status.is_default)
    )
    supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
    south_ticket = Ticket(
        company_id=south.id,
        code=code,
        entity_id=luiza.id,
        role_id=luiza.roles[0].id,
        status_id=status.id,
        opened_by_id=supervisor.id,
        updated_by_id=supervisor.id,
    )
    db.session.add(south_ticket)
    db.session.commit()
    token = token_of(client, "/atendimentos/")
    switched = client.post(
        "/empresa",
        data={"company_id": south.id, "next": f"/atendimentos/{code}", "csrf_token": token},
    )
    assert switched.headers["Location"] == "/atendimentos/"  # a record page: back to search
    response = client.post(f"/atendimentos/{code}", data=form)
    assert response.status_code == 303 and response.headers["Location"] == "/atendimentos/"
    assert "foi trocada em outra aba" in client.get("/atendimentos/").get_data(as_text=True)
    fresh(db)
    assert db.session.get(Ticket, south_ticket.id).details == []
    assert _ticket_of(db, demo["company"].id, code).stage == "rascunho"
    stored = db.session.scalar(
        sa.select(UnsavedEdit.fields).where(
            UnsavedEdit.ticket_id == _ticket_of(db, demo["company"].id, code).id
        )
    )
    assert "Texto da Maria" in stored


def _ticket_of(db, company_id, code):
    return db.session.scalar(
        sa.select(Ticket).where(Ticket.company_id == company_id, Ticket.code == code)
    )


def test_parallel_incluir_keeps_codes_gap_free_and_drafts_are_counted_once(logged_in, demo, db):
    """Eight Incluir in a row and then eight Confirmar: eight codes in a row, no gaps."""
    codes = [include(logged_in, demo["maria"].id) for _ in range(8)]
    assert codes == list(range(4, 12))
    fresh(db)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TicketDetail)) == 5


def test_an_unconfirmed_draft_is_not_in_the_entity_role_check(logged_in, demo, db):
    """A draft keeps its papel even when the entity loses it before Confirmar."""
    code = include(logged_in, demo["maria"].id)
    fresh(db)
    maria = db.session.get(Entity, demo["maria"].id)
    db.session.execute(sa.delete(entity_roles).where(entity_roles.c.entity_id == maria.id))
    db.session.commit()
    form = _screen(logged_in, code)
    assert form["role_id"] == str(demo["roles"]["cliente"].id)
    form.update(new_ticket_data(demo))
    assert logged_in.post(f"/atendimentos/{code}", data=form).status_code == 303


def test_a_restored_detail_is_shown_on_its_own_page(logged_in, demo, db):
    """Typing on detail 2, paging to detail 1 (discarding) and reloading: the screen shows
    detail 1 as itself, with no phantom "restored" banner (found by the break-it session)."""
    create_ticket(logged_in, demo)
    form = _screen(logged_in, 4, "?detalhe=novo")
    form.update({"channel_id": str(demo["channels"]["E-mail"].id), "description": "D2"})
    assert logged_in.post("/atendimentos/4", data=form).status_code == 303
    on_second = _screen(logged_in, 4)
    on_second["answer"] = "typed on 2"
    logged_in.post("/atendimentos/4/rascunho", data=on_second)
    html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert "Detalhe 2 de 2" in html and "typed on 2" in html
    # The pager goes to detail 1; the screen (now detail 1, untouched) is autosaved.
    panel = logged_in.get("/atendimentos/4/detalhes?detalhe=1", headers={"HX-Request": "true"})
    first = screen_form('<form id="ticket-form">' + panel.get_data(as_text=True) + "</form>")
    on_first = {**on_second, **first}
    response = logged_in.post("/atendimentos/4/rascunho", data=on_first)
    assert response.get_json().get("unchanged") is True
    html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert "Restauramos" not in html and "Detalhe 2 de 2" in html
    assert screen_form(html)["description"] == "D2"
    # Typing on detail 1 and reloading shows detail 1, labelled as such.
    on_first["answer"] = "typed on 1"
    logged_in.post("/atendimentos/4/rascunho", data=on_first)
    html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert "Detalhe 1 de 2" in html and "Restauramos" in html
    shown = screen_form(html)
    assert shown["description"] == "Biscoito chegou com a embalagem aberta."
    assert shown["answer"] == "typed on 1"
    assert f"/atendimentos/4/detalhes/{shown['detail_id']}" in html  # Salvar só targets it


def test_a_stashed_screen_goes_back_only_to_the_attendant_it_was_shown_to(client, auth, demo, db):
    """Logout in another tab, Confirmar, then somebody else logs in on that browser: they get
    nothing; the attendant who typed it, logging in later there, gets it back."""
    auth.login()
    code = include(client, demo["maria"].id)
    form = _screen(client, code)
    form.update(new_ticket_data(demo, description="Só da atendente"))
    client.post("/sair", data={"csrf_token": form["csrf_token"]})
    client.post(f"/atendimentos/{code}", data=form)
    auth.login("supervisor", "supervisor123")
    client.post(
        "/empresa",
        data={"company_id": demo["company"].id, "csrf_token": token_of(client, "/atendimentos/")},
    )
    assert "Só da atendente" not in client.get(f"/atendimentos/{code}").get_data(as_text=True)
    client.post("/sair", data={"csrf_token": token_of(client, "/atendimentos/")})
    auth.login()
    assert _screen(client, code)["description"] == "Só da atendente"


def test_control_characters_never_reach_the_database(logged_in, demo, db):
    response = create_ticket(
        logged_in,
        demo,
        description="A\x00B\x1b[31m",
        complementary_data="\x01dados\u202e\ufeff",
        **{"infos-0-lot_number": "L\x00X"},
    )
    assert response.status_code == 303
    ticket = ticket_by_code(db, 4)
    assert ticket.complementary_data == "dados"
    assert ticket.details[0].description == "AB[31m"
    assert ticket.details[0].informations[0].lot_number == "LX"


def test_a_screen_of_another_ticket_of_the_same_empresa_is_refused_plainly(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = _screen(logged_in, 3)
    response = logged_in.post("/atendimentos/4/rascunho", data=form)
    assert response.status_code == 409
    assert response.get_json()["error"] == "Esta tela é de outro atendimento; nada foi salvo."


def test_a_manufacturing_date_in_the_future_is_refused(logged_in, demo, db):
    response = create_ticket(
        logged_in, demo, **{"infos-0-manufactured_on": "01/01/2099", "infos-0-expires_on": ""}
    )
    assert response.status_code == 422
    assert "A data de fabricação não pode estar no futuro." in response.get_data(as_text=True)


def test_the_home_says_when_there_are_more_drafts_than_it_lists(logged_in, demo, db):
    for _ in range(12):
        include(logged_in, demo["maria"].id)
    html = logged_in.get("/atendimentos/").get_data(as_text=True)
    assert "Os 10 mais recentes de 12" in html


def test_the_e_mail_composer_uses_what_is_on_screen(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = _screen(logged_in, 4)
    form["answer"] = "Resposta ainda não confirmada"
    logged_in.post("/atendimentos/4/rascunho", data=form)
    html = logged_in.get("/atendimentos/4/email?detalhe=1").get_data(as_text=True)
    assert "Resposta ainda não confirmada" in html
    # A new detail being typed is what the e-mail is about.
    new = _screen(logged_in, 4, "?detalhe=novo")
    new.update({"channel_id": str(demo["channels"]["E-mail"].id), "description": "Novo assunto"})
    logged_in.post("/atendimentos/4/rascunho", data=new)
    html = logged_in.get("/atendimentos/4/email?detalhe=novo").get_data(as_text=True)
    assert "Novo assunto" in html


def test_no_e_mail_on_a_draft(logged_in, demo, db):
    code = include(logged_in, demo["maria"].id)
    response = logged_in.get(f"/atendimentos/{code}/email")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/atendimentos/{code}"


def test_a_save_that_meets_a_concurrent_write_is_answered_not_a_500(app, logged_in, demo, db):
    """Someone commits between our read and our write (StaleDataError): the screen comes
    back with a message and everything typed, nothing half-saved."""
    from isocrm.extensions import db as ext_db

    create_ticket(logged_in, demo)
    form = _screen(logged_in, 4)
    form["location_note"] = "Digitado durante a corrida"
    ticket_id = ticket_by_code(db, 4).id
    fired = []

    def someone_else_saves(session, flush_context, instances):
        if fired:
            return
        fired.append(True)
        session.connection().execute(
            sa.text("UPDATE tickets SET version = version + 1 WHERE id = :id"), {"id": ticket_id}
        )

    sa.event.listen(ext_db.session, "before_flush", someone_else_saves)
    try:
        response = logged_in.post("/atendimentos/4", data=form)
    finally:
        sa.event.remove(ext_db.session, "before_flush", someone_else_saves)
    assert fired and response.status_code == 409
    html = response.get_data(as_text=True)
    assert "no mesmo instante" in html and "Digitado durante a corrida" in html
    assert ticket_by_code(db, 4).location_note == "Gôndola de biscoitos"
