"""Busca (the header's search box): every kind of query, inside the current Empresa only."""

import re

import pytest
import sqlalchemy as sa

from isocrm.finder import search as finder
from isocrm.finder.search import classify, find, phone_numbers, snippet
from isocrm.models import Channel, EContact, Status, Ticket, TicketDetail, TicketSearchWord
from isocrm.models.ticket import STAGE_CONFIRMED


def _words_of(db, ticket_id: int) -> set[str]:
    return set(
        db.session.scalars(
            sa.select(TicketSearchWord.word).where(TicketSearchWord.ticket_id == ticket_id)
        )
    )


def _south_ticket(db, demo, description: str) -> Ticket:
    """A ticket of the other Empresa (Luiza's), made through the ORM."""
    south = demo["company_south"]
    status = db.session.scalar(sa.select(Status).where(Status.company_id == south.id).limit(1))
    channel = db.session.scalar(sa.select(Channel).where(Channel.company_id == south.id).limit(1))
    ticket = Ticket(
        company_id=south.id,
        code=4,
        entity=demo["luiza"],
        role=demo["roles_south"]["cliente"],
        status=status,
        stage=STAGE_CONFIRMED,
        opened_by=demo["supervisor"],
        updated_by=demo["supervisor"],
        details=[
            TicketDetail(channel=channel, attendant=demo["supervisor"], description=description)
        ],
    )
    db.session.add(ticket)
    db.session.commit()
    return ticket


def test_classify_kinds():
    assert classify("000198").code == 198
    assert classify("#3").code == 3
    assert classify("0").code is None
    assert classify("529.982.247-25").document == "52998224725"
    assert classify("529.982.247-26").document is None  # wrong check digits
    assert classify("maria@Example.com").email == "maria@Example.com"
    assert classify("embalagem violada").words == ["embalagem", "violada"]
    both = classify("987654321")  # nine digits: a code and a mobile without DDD
    assert both.code == 987654321 and "11987654321" in both.phone_numbers
    assert both.kinds == ["Código", "Telefone"]


def test_phone_forms():
    assert "11987654321" in phone_numbers("98765-4321")
    assert "11987654321" in phone_numbers("(11) 98765-4321")
    assert phone_numbers("+55 11 98765-4321") == {"11987654321"}
    assert "11987654321" in phone_numbers("011 98765 4321")
    assert "1133334444" in phone_numbers("3333-4444")
    assert phone_numbers("1234567") == set()  # too short
    assert phone_numbers("+1 212 555 0100") == set()  # foreign


def test_code_with_zeros_goes_straight_to_the_ticket(logged_in, demo):
    ticket = demo["ticket_3"]
    for typed in ("3", "000003", "#3", " 0003 "):
        response = logged_in.get("/busca", query_string={"q": typed})
        assert response.status_code == 303, typed
        assert response.headers["Location"].endswith(f"/atendimentos/{ticket.code}")


def test_document_goes_straight_to_the_entity(logged_in, demo):
    maria = demo["maria"]
    for typed in (maria.document, maria.document_display):
        response = logged_in.get("/busca", query_string={"q": typed})
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/entidades/{maria.id}/atendimentos")


@pytest.mark.parametrize(
    "typed",
    [
        "98765-4321",
        "(11) 98765-4321",
        "11987654321",
        "+55 11 98765 4321",
        "987654321",
        "3333.4444",
        "98765\u20134321",  # an en dash, pasted from a document (found from outside)
        "(11) 8765-4321",  # the mobile as written before its ninth digit
        "1187654321",
    ],
)
def test_phone_any_punctuation_with_or_without_ddd(logged_in, demo, typed):
    html = logged_in.get("/busca", query_string={"q": typed}).get_data(as_text=True)
    assert "Maria Aparecida" in html
    for key in ("ticket_1", "ticket_2", "ticket_3"):
        assert f'href="/atendimentos/{demo[key].code}"' in html


def test_email_any_case_and_prefix(logged_in, demo):
    typed_forms = (
        "maria.aparecida@example.com.br",
        "MARIA.Aparecida@EXAMPLE.com.br",
        "maria.aparecida@",
        "Maria.Aparecida@exam",
    )
    for typed in typed_forms:
        text = logged_in.get("/busca", query_string={"q": typed}).get_data(as_text=True)
        assert "Maria Aparecida" in text, typed
        assert f'href="/atendimentos/{demo["ticket_3"].code}"' in text
    html = logged_in.get("/busca", query_string={"q": "aparecida@"}).get_data(as_text=True)
    assert "Nenhuma entidade encontrada" in html


def test_words_accent_and_case_insensitive(logged_in, demo):
    html = logged_in.get("/busca", query_string={"q": "VALE-TROCA supermercado"}).get_data(
        as_text=True
    )
    assert f'href="/atendimentos/{demo["ticket_1"].code}"' in html
    assert f'href="/atendimentos/{demo["ticket_2"].code}"' not in html
    assert "<mark>vale-troca</mark>" in html or "<mark>vale</mark>" in html
    # Accents typed or not: "transportadora informou" and "ENTREGUE NAO" (não).
    html = logged_in.get("/busca", query_string={"q": "entregue nao"}).get_data(as_text=True)
    assert f'href="/atendimentos/{demo["ticket_3"].code}"' in html
    assert "<mark>não</mark>" in html
    # The last word is a prefix: "transport" finds "transportadora".
    html = logged_in.get("/busca", query_string={"q": "transport"}).get_data(as_text=True)
    assert f'href="/atendimentos/{demo["ticket_3"].code}"' in html
    # Every word must be present.
    html = logged_in.get("/busca", query_string={"q": "transportadora biscoito"}).get_data(
        as_text=True
    )
    assert "Nenhum atendimento encontrado" in html


def test_words_find_entities_too(logged_in, demo):
    html = logged_in.get("/busca", query_string={"q": "maria aparecida"}).get_data(as_text=True)
    assert f'href="/entidades/{demo["maria"].id}/atendimentos"' in html
    assert "Entidades" in html and "Atendimentos" in html


def test_snippet_marks_safely(db, demo):
    detail = demo["ticket_1"].details[0]
    detail.description = "<script>alert(1)</script> Embalagem VIOLADA na gôndola"
    db.session.commit()
    body = find(db.session, demo["company"].id, "embalagem violada").tickets
    assert [hit.ticket.code for hit in body] == [demo["ticket_1"].code]
    parts = body[0].snippet
    assert ("Embalagem", True) in parts and ("VIOLADA", True) in parts
    assert "".join(p for p, _ in parts).startswith("<script>")
    assert snippet("Não há nada", [("nao", False)]) == [("Não", True), (" há nada", False)]
    decomposed = "Na\u0303o"  # "Não" with a combining tilde
    assert snippet(decomposed, [("nao", False)]) == [(decomposed, True)]


def test_snippet_is_escaped_in_the_page(logged_in, db, demo):
    demo["ticket_1"].details[0].description = "<b>embalagem</b> violada"
    db.session.commit()
    html = logged_in.get("/busca", query_string={"q": "embalagem violada"}).get_data(as_text=True)
    assert "&lt;b&gt;<mark>embalagem</mark>&lt;/b&gt; <mark>violada</mark>" in html


def test_ambiguous_digits_show_both_groups(logged_in, db, demo):
    """Nine digits are a code and a mobile without DDD: both groups, no redirect."""
    ticket = demo["ticket_1"]
    ticket.code = 987654321
    db.session.commit()
    response = logged_in.get("/busca", query_string={"q": "987654321"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/atendimentos/987654321"' in html
    assert f'href="/entidades/{demo["maria"].id}/atendimentos"' in html


def test_other_empresa_is_never_found(logged_in, db, demo):
    ticket = _south_ticket(db, demo, "Produto sulista chegou com embalagem violada xyzzy")
    assert _words_of(db, ticket.id) >= {"sulista", "xyzzy"}
    for typed in (
        "4",
        "000004",
        "51998761234",
        "(51) 99876-1234",
        "99876-1234",
        "luiza.fernandes@example.com.br",
        "sulista xyzzy",
        "luiza",
        demo["luiza"].document,
    ):
        response = logged_in.get("/busca", query_string={"q": typed})
        assert response.status_code == 200, typed
        html = response.get_data(as_text=True)
        assert "Luiza Helena" not in html and "Produto sulista" not in html, typed
        assert "Nenhum atendimento encontrado" in html, typed
        assert "Nenhuma entidade encontrada" in html, typed
        assert f'href="/atendimentos/{ticket.code}"' not in html, typed


def test_index_follows_detail_edits_and_deletes(db, demo):
    ticket = demo["ticket_3"]
    assert {"transportadora", "pedido", "pv", "001002", "08"} <= _words_of(db, ticket.id)
    first, second = ticket.details
    second.description = "Cliente avisou: paçoca esmagada."
    db.session.commit()
    words = _words_of(db, ticket.id)
    assert {"pacoca", "esmagada"} <= words and "informou" not in words
    assert "transportadora" in words  # still in the first detail's answer
    first.answer = None
    first.answered_at = None
    db.session.commit()
    assert "transportadora" not in _words_of(db, ticket.id)
    ticket.details.remove(second)
    db.session.commit()
    assert "pacoca" not in _words_of(db, ticket.id)
    assert "pedido" in _words_of(db, ticket.id)
    ticket.details.append(
        TicketDetail(
            channel_id=first.channel_id, attendant_id=first.attendant_id, description="Quiçá"
        )
    )
    db.session.commit()
    assert "quica" in _words_of(db, ticket.id)
    found = find(db.session, demo["company"].id, "QUIÇÁ")
    assert [h.ticket.code for h in found.tickets] == [ticket.code]


def test_many_matches_are_walked_newest_first(db, demo, monkeypatch):
    """More tickets than the candidate limit: the newest, not counted, a bounded read."""
    monkeypatch.setattr(finder, "CANDIDATE_LIMIT", 1)
    for typed in ("biscoito", "biscoito integral", "integral biscoito"):
        found = find(db.session, demo["company"].id, typed)
        codes = [h.ticket.code for h in found.tickets]
        assert found.ticket_total is None, typed
        assert codes, typed
        assert codes == sorted(codes, reverse=True), typed
    monkeypatch.setattr(finder, "CANDIDATE_LIMIT", 5)
    found = find(db.session, demo["company"].id, "biscoito integral")
    assert [h.ticket.code for h in found.tickets] == [2, 1] and found.ticket_total == 2


def test_query_count_is_bounded(logged_in, count_queries, demo):
    for typed in ("cliente", "embalagem violada", "98765-4321", "maria@", "maria aparecida"):
        logged_in.get("/busca", query_string={"q": typed})  # warm the caches
        with count_queries() as counter:
            response = logged_in.get("/busca", query_string={"q": typed})
        assert response.status_code == 200
        assert counter.count <= 16, (typed, counter.statements)


def test_empty_and_junk(logged_in, demo):
    assert logged_in.get("/busca").status_code == 200
    for typed in ("!!!", "a", "@", "#", "0000", "9" * 30):
        response = logged_in.get("/busca", query_string={"q": typed})
        assert response.status_code == 200, typed
        assert re.search(r"Nenhum|Digite|nada", response.get_data(as_text=True)), typed


def test_a_code_with_many_leading_zeros(logged_in, db, demo):
    assert classify("00000000198").code == 198
    assert classify("#00000000003").code == 3
    assert classify("0" * 30 + "3").code == 3  # zeros add nothing, however many
    assert classify("00000000000").code is None
    response = logged_in.get("/busca", query_string={"q": "00000000003"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/atendimentos/{demo['ticket_3'].code}")
    # Eleven digits that are a valid CPF and a code: the one that finds something wins…
    both = classify("00000000191")
    assert both.code == 191 and both.document == "00000000191"
    maria = demo["maria"]
    maria.document = "00000000191"
    db.session.commit()
    response = logged_in.get("/busca", query_string={"q": "00000000191"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/entidades/{maria.id}/atendimentos")
    # …and when both find something, both groups are shown.
    demo["ticket_1"].code = 191
    db.session.commit()
    response = logged_in.get("/busca", query_string={"q": "00000000191"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/atendimentos/191"' in html
    assert f'href="/entidades/{maria.id}/atendimentos"' in html
    # A phone stays a phone.
    assert "11987654321" in classify("11987654321").phone_numbers
    assert classify("11987654321").code is None


@pytest.mark.parametrize("typed", ["embalagem", "98765-4321"])
def test_a_page_past_the_end_shows_the_last_page(logged_in, demo, typed):
    def tickets(page):
        response = logged_in.get("/busca", query_string={"q": typed, "page": page})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        section = html.split('id="finder-results"', 1)[1]
        return re.findall(r'href="/atendimentos/(\d+)"', section), section

    first, first_html = tickets(1)
    assert first
    for page in (99, "99999999999999999999"):
        past, html = tickets(page)
        assert past == first, page
        assert html == first_html  # the same page, its groups included


def test_email_stored_with_capitals_is_found_in_any_case(logged_in, demo, db):
    # Addresses keep the case they were typed with before the @ (the domain is lowered):
    # an attendant typing it in lower case, or only its beginning, still finds the customer.
    maria = demo["maria"]
    db.session.add(EContact(entity_id=maria.id, kind="email", value="Maria.Ap.Souza@example.com"))
    db.session.commit()
    for typed in (
        "maria.ap.souza@example.com",
        "MARIA.AP.SOUZA@EXAMPLE.COM",
        "maria.ap.souza@",
        "MARIA.Ap.Souza@exa",
    ):
        html = logged_in.get("/busca", query_string={"q": typed}).get_data(as_text=True)
        assert "Maria Aparecida" in html, typed
        assert f'href="/atendimentos/{demo["ticket_3"].code}"' in html, typed


def test_the_ticket_pages_use_the_one_pager_as_plain_links(logged_in, app, demo):
    """The pager of macros/pager.html, without htmx: page 2 is a new page, so it opens at the
    top with the focus in the search box and its counts said (paged in place it opened
    scrolled to the bottom with the focus lost: the outside test of issue 14)."""
    app.config["SEARCH_PAGE_SIZE"] = 1
    first = logged_in.get("/busca", query_string={"q": "biscoito"}).get_data(as_text=True)
    pager = re.search(
        r'<nav class="pager" aria-label="Paginação dos atendimentos">.*?</nav>', first, re.S
    )
    assert pager, "no pager on a results page with a next page"
    assert 'rel="next"' in pager[0] and 'rel="prev"' not in pager[0]
    assert "data-hx-" not in pager[0]
    next_url = re.search(r'href="([^"]+)"[^>]*rel="next"', pager[0])[1].replace("&amp;", "&")
    assert "page=2" in next_url and "q=biscoito" in next_url
    second = logged_in.get(next_url).get_data(as_text=True)
    assert "<html" in second and 'rel="prev"' in second and "Página 2" in second
