"""Atendimento › Atendimentos: find an entity by name or document."""

import re

import pytest

from isocrm import entity_search as search_module
from isocrm import text
from isocrm.entity_search import search_entities
from isocrm.models import Entity


def _make_entities(db, company_id, names):
    entities = [Entity(company_id=company_id, kind="PF", name=name) for name in names]
    db.session.add_all(entities)
    db.session.commit()
    return entities


def _names(page):
    return [e.name for e in page.items]


@pytest.mark.parametrize(
    "query",
    [
        "maria aparecida",
        "MARIA",
        "mar apa",
        "aparecida silva",
        "529.982.247-25",
        "52998224725",
        "529982",
    ],
)
def test_finds_maria_by_name_or_cpf(db, demo, query):
    page = search_entities(db.session, demo["company"].id, query)
    assert "Maria Aparecida da Silva" in _names(page)


def test_accents_and_case_do_not_matter(db, demo):
    company_id = demo["company"].id
    _make_entities(db, company_id, ["José Conceição Araújo", "Joséfa Lima"])
    assert _names(search_entities(db.session, company_id, "jose conceicao")) == [
        "José Conceição Araújo"
    ]
    assert "José Conceição Araújo" in _names(search_entities(db.session, company_id, "ARAUJO"))
    assert "Joséfa Lima" in _names(search_entities(db.session, company_id, "josé"))


def test_names_beginning_with_the_first_word_come_first(db, demo, monkeypatch):
    company_id = demo["company"].id
    _make_entities(db, company_id, ["Silvana Costa", "Ana Silva", "Silva Ramos", "Bruno Silveira"])
    for limit in (2, 5000):  # the same order from both plans
        monkeypatch.setattr(search_module, "CANDIDATE_LIMIT", limit)
        names = _names(search_entities(db.session, company_id, "silv", per_page=50))
        assert names[:2] == ["Silva Ramos", "Silvana Costa"]
        rest = names[2:]
        assert "Ana Silva" in rest and "Bruno Silveira" in rest
        if limit == 5000:  # counted and sorted: by name
            assert rest == sorted(rest, key=text.fold)
        else:  # read from the word index: the whole word "silva" before "silveira"
            assert rest[-1] == "Bruno Silveira"


def test_every_word_must_match_the_start_of_a_word(db, demo):
    company_id = demo["company"].id
    _make_entities(db, company_id, ["Ana Paula Souza", "Paula Ana Ribeiro", "Mariana Souza"])
    assert _names(search_entities(db.session, company_id, "ana souza")) == ["Ana Paula Souza"]
    # "ana" is not the start of "mariana"
    assert "Mariana Souza" not in _names(search_entities(db.session, company_id, "ana"))


def test_renaming_updates_the_index(db, demo):
    company_id = demo["company"].id
    (entity,) = _make_entities(db, company_id, ["Fulano Provisório"])
    entity.name = "Beltrano Definitivo"
    db.session.commit()
    assert _names(search_entities(db.session, company_id, "provisorio")) == []
    assert _names(search_entities(db.session, company_id, "definitivo")) == ["Beltrano Definitivo"]


def test_alphanumeric_cnpj_is_found(db, demo):
    page = search_entities(db.session, demo["company"].id, "12.ABC.345/01DE-35")
    assert len(page.items) == 1
    assert page.items[0].document == "12ABC34501DE35"


@pytest.mark.parametrize("limit", [3, 5000])
def test_both_plans_page_through_the_same_ordered_results(db, demo, monkeypatch, limit):
    """Few candidates are sorted; many are read in index order. Same answer either way."""
    monkeypatch.setattr(search_module, "CANDIDATE_LIMIT", limit)
    company_id = demo["company"].id
    names = [f"Teste Paginação {i:02d}" for i in range(25)]
    _make_entities(db, company_id, reversed(names))
    first = search_entities(db.session, company_id, "teste pag", page=1, per_page=10)
    second = search_entities(db.session, company_id, "teste pag", page=2, per_page=10)
    third = search_entities(db.session, company_id, "teste pag", page=3, per_page=10)
    assert _names(first) + _names(second) + _names(third) == names
    assert first.has_next and second.has_next and not third.has_next
    if limit == 3:
        assert first.total is None  # too many to count: "more than"
    else:
        assert first.total == 25


def test_search_is_scoped_to_the_company(db, demo):
    other = demo["luiza"]
    assert other.name not in _names(search_entities(db.session, demo["company"].id, other.name))
    assert other.name in _names(search_entities(db.session, other.company_id, other.name))


def test_search_page_shows_results_with_sac_icon(logged_in):
    html = logged_in.get("/atendimentos/?q=maria+aparecida").get_data(as_text=True)
    assert "Maria Aparecida da Silva" in html
    assert "529.982.247-25" in html
    assert "Cliente" in html
    row = re.search(r"<tr>(?:(?!</tr>).)*Maria Aparecida da Silva.*?</tr>", html, re.S).group(0)
    assert 'aria-label="SAC: atendimentos de Maria Aparecida da Silva"' in row
    assert 'href="/entidades/' in row


def test_entity_without_role_has_disabled_sac_icon(logged_in):
    html = logged_in.get("/atendimentos/?q=joaquim").get_data(as_text=True)
    row = re.search(r"<tr>(?:(?!</tr>).)*Joaquim Pereira.*?</tr>", html, re.S).group(0)
    assert 'aria-label="SAC"' in row
    assert 'aria-disabled="true"' in row
    assert "papel" in row
    assert "href=" not in row


def test_nothing_found_says_so(logged_in):
    html = logged_in.get("/atendimentos/?q=zzzzqqq").get_data(as_text=True)
    assert "Nenhuma entidade encontrada" in html


def test_htmx_gets_only_the_results_block(logged_in):
    response = logged_in.get("/atendimentos/?q=maria", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]


def test_history_restore_gets_the_full_page(logged_in):
    response = logged_in.get(
        "/atendimentos/?q=maria",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.get_data(as_text=True)


def test_search_query_count_does_not_grow_with_results(db, demo, logged_in, count_queries):
    company_id = demo["company"].id
    _make_entities(db, company_id, [f"Contagem Pessoa {i}" for i in range(3)])
    with count_queries() as few:
        logged_in.get("/atendimentos/?q=contagem")
    _make_entities(db, company_id, [f"Contagem Pessoa {i}" for i in range(3, 20)])
    with count_queries() as many:
        logged_in.get("/atendimentos/?q=contagem")
    assert few.count == many.count


def test_entity_ticket_list(logged_in, demo):
    maria = demo["maria"]
    html = logged_in.get(f"/entidades/{maria.id}/atendimentos").get_data(as_text=True)
    assert "Atendimentos da entidade" in html
    assert html.count("<tr>") >= 4  # header + her three earlier tickets


def test_common_words_that_are_rare_together_are_counted_exactly(db, demo, monkeypatch):
    """Each word has more candidates than the limit, the pair has fewer: intersect them."""
    monkeypatch.setattr(search_module, "CANDIDATE_LIMIT", 8)
    company_id = demo["company"].id
    _make_entities(
        db,
        company_id,
        [f"Rosa Pinto {i}" for i in range(6)]
        + [f"Rosa Lima {i}" for i in range(6)]
        + ["Lima Pinto Rosa"]
        + [f"Pinto Souza {i}" for i in range(6)],
    )
    page = search_entities(db.session, company_id, "rosa pinto")
    assert page.total == 7
    # Names that begin with the first typed word come first.
    assert _names(page) == [f"Rosa Pinto {i}" for i in range(6)] + ["Lima Pinto Rosa"]
    page = search_entities(db.session, company_id, "rosa")
    assert page.total is None and len(page.items) == 13


def test_deep_uncounted_pages_ask_to_refine(db, demo, logged_in, monkeypatch):
    """Past MAX_UNCOUNTED_PAGE an uncounted search is not read further: refine it."""
    monkeypatch.setattr(search_module, "CANDIDATE_LIMIT", 3)
    monkeypatch.setattr(search_module, "MAX_UNCOUNTED_PAGE", 2)
    _make_entities(db, demo["company"].id, [f"Teste Refino {i:02d}" for i in range(50)])
    last = search_entities(db.session, demo["company"].id, "teste", page=2, per_page=10)
    assert len(last.items) == 10 and not last.has_next and last.too_deep
    html = logged_in.get("/atendimentos/?q=teste&page=3").get_data(as_text=True)
    assert "refine a busca" in html
    assert "Nenhuma entidade encontrada" not in html


@pytest.mark.parametrize("limit", [2, 5000])
def test_whole_words_come_before_words_that_only_begin_alike(db, demo, monkeypatch, limit):
    """ "da quixaba": the name that begins with it, then the one that has both as whole
    words, then names where they only begin words ("Daniel"), from both plans."""
    monkeypatch.setattr(search_module, "CANDIDATE_LIMIT", limit)
    company_id = demo["company"].id
    _make_entities(
        db,
        company_id,
        ["Dario Quixabas", "Daniel Quixaba", "Maria da Quixaba", "Da Quixaba Souza"],
    )
    names = _names(search_entities(db.session, company_id, "da quixaba", per_page=50))
    assert names[:2] == ["Da Quixaba Souza", "Maria da Quixaba"]
    assert set(names[2:]) == {"Daniel Quixaba", "Dario Quixabas"}


def test_a_page_past_the_end_shows_the_last_page_not_nothing_found(db, demo, logged_in):
    """An old link or an edited ?page= never says "Nenhuma entidade encontrada" (which
    offers to register a duplicate) for people who exist."""
    _make_entities(db, demo["company"].id, [f"Quixaba Teste {n:02d}" for n in range(25)])
    html = logged_in.get("/atendimentos/?q=quixaba&page=999").get_data(as_text=True)
    assert "Nenhuma entidade encontrada" not in html
    assert "Página 2 de 2" in html and "Quixaba Teste 24" in html
    assert "25 entidades encontradas; mostrando 21–25" in html


def test_a_punctuated_document_prefix_is_not_read_as_a_codigo(db, demo):
    """ "16.651" is a CNPJ being read out: Código 16651 must not come first. Bare digits may
    still be a Código."""
    maria = demo["maria"]
    punctuated = search_entities(db.session, demo["company"].id, f"{maria.id}.")
    assert maria not in punctuated.items
    bare = search_entities(db.session, demo["company"].id, str(maria.id))
    assert bare.items[0] == maria
