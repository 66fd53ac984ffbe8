"""Respostas prontas: kept by supervisors under Configurações (validated: title, scope of
the Empresa, known placeholders), listed on the ticket screen for its Motivo/Ocorrência
first, and filled for the ticket by plain substitution, never rendered as a template."""

import re
from html import unescape

import pytest
import sqlalchemy as sa

from isocrm.localtime import local_today
from isocrm.models import Occurrence, ReadyAnswer, Reason
from isocrm.ready_answers import fill, unknown_placeholders
from tests.conftest import csrf_token_from
from tests.factories import HX, fresh, south_ticket

NEW = "/configuracoes/respostas-prontas/nova"
LIST = "/configuracoes/respostas-prontas"


@pytest.fixture(autouse=True)
def _no_demo_answers(db, demo):
    """Each test starts without the demo's answers: it makes those it counts on."""
    db.session.execute(sa.delete(ReadyAnswer))
    db.session.commit()


def _answer(db, demo, title, body="Texto", reason=None, occurrence=None, company=None, **kw):
    answer = ReadyAnswer(
        company_id=(company or demo["company"]).id,
        reason_id=demo["reasons"][reason].id if reason else None,
        occurrence_id=demo["occurrences"][f"{reason}/{occurrence}"].id if occurrence else None,
        title=title,
        body=body,
        **kw,
    )
    db.session.add(answer)
    db.session.commit()
    return answer


def _post_new(client, **fields):
    token = csrf_token_from(client.get(NEW).get_data(as_text=True))
    data = {"csrf_token": token, "title": "", "reason_id": "", "occurrence_id": "", "body": ""}
    data.update({k: str(v) for k, v in fields.items()})
    return client.post(NEW, data=data)


def _answers(db):
    fresh(db)
    return db.session.scalars(sa.select(ReadyAnswer).order_by(ReadyAnswer.id)).all()


def _errors_of(html: str, field: str) -> str:
    match = re.search(rf'<ul class="field-errors" id="{field}-errors">(.*?)</ul>', html, re.S)
    return unescape(match[1]) if match else ""


# --- placeholders -----------------------------------------------------------------------------


def test_placeholders_are_filled_as_plain_text_and_never_evaluated():
    values = {"nome": "Maria", "protocolo": "000042"}
    text = "Olá, {{ nome }} ({{Protocolo}}): {{ 7*7 }} {{ config }} {% if 1 %}x{% endif %}"
    assert fill(text, values) == (
        "Olá, Maria (000042): {{ 7*7 }} {{ config }} {% if 1 %}x{% endif %}"
    )
    assert unknown_placeholders(text) == ["7*7", "config"]
    assert unknown_placeholders("{{ nome }} {{ data }} {{ atendente }} {{ empresa }}") == []


# --- Configurações › Respostas prontas --------------------------------------------------------


def test_a_supervisor_adds_an_answer_of_a_motivo_and_ocorrencia(sup, demo, db):
    client, _token = sup
    reason = demo["reasons"]["Reclamação"]
    occurrence = demo["occurrences"]["Reclamação/Produto com defeito"]
    response = _post_new(
        client,
        title="  Troca aprovada  ",
        reason_id=reason.id,
        occurrence_id=occurrence.id,
        body="Olá, {{ nome }}. A troca do atendimento {{ protocolo }} foi aprovada.",
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(LIST)
    [saved] = _answers(db)
    assert (saved.title, saved.reason_id, saved.occurrence_id, saved.active) == (
        "Troca aprovada",
        reason.id,
        occurrence.id,
        True,
    )
    page = unescape(client.get(LIST).get_data(as_text=True))
    assert "Troca aprovada" in page and "Reclamação / Produto com defeito" in page


def test_an_unknown_placeholder_is_refused_beside_the_text(sup, demo, db):
    client, _token = sup
    response = _post_new(client, title="Teste", body="Olá, {{ cliente }} e {{ config }}!")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    message = _errors_of(html, "body")
    assert "{{ cliente }}, {{ config }}" in message and "{{ nome }}" in message
    assert "Olá, {{ cliente }} e {{ config }}!" in unescape(html)  # what was typed stays
    assert _answers(db) == []


def test_title_and_text_are_required_and_bounded(sup, demo, db):
    client, _token = sup
    response = _post_new(client, title="   ", body="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Digite o título" in _errors_of(html, "title")
    assert "Digite o texto" in _errors_of(html, "body")
    response = _post_new(client, title="x" * 81, body="y" * 5001)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "80" in _errors_of(html, "title") and "5000" in _errors_of(html, "body")
    assert _answers(db) == []


def test_a_title_is_unique_in_its_scope_whatever_the_accents(sup, demo, db):
    client, _token = sup
    reason = demo["reasons"]["Reclamação"]
    _answer(db, demo, "Troca aprovada", reason="Reclamação")
    response = _post_new(client, title="TROCA APROVADA", reason_id=reason.id, body="Outro")
    assert response.status_code == 422
    assert "Já existe a resposta" in _errors_of(response.get_data(as_text=True), "title")
    # The same title, general (another scope), is another answer.
    assert _post_new(client, title="Troca aprovada", body="Geral").status_code == 303
    assert len(_answers(db)) == 2


def test_a_motivo_or_ocorrencia_outside_the_choices_is_refused(sup, demo, db):
    client, _token = sup
    south_reason = db.session.scalar(
        sa.select(Reason).where(Reason.company_id == demo["company_south"].id)
    )
    response = _post_new(client, title="A", reason_id=south_reason.id, body="Texto")
    assert response.status_code == 422
    assert "Escolha um motivo da lista." in _errors_of(response.get_data(as_text=True), "reason_id")
    other = db.session.scalar(
        sa.select(Occurrence).where(Occurrence.reason_id == demo["reasons"]["Elogio"].id)
    )
    response = _post_new(
        client,
        title="B",
        reason_id=demo["reasons"]["Reclamação"].id,
        occurrence_id=other.id,
        body="Texto",
    )
    assert response.status_code == 422
    errors = _errors_of(response.get_data(as_text=True), "occurrence_id")
    assert "Escolha uma ocorrência do motivo escolhido." in errors
    assert _answers(db) == []


def test_edit_deactivate_reactivate_and_delete(sup, demo, db):
    client, token = sup
    answer = _answer(db, demo, "Prazo de troca", body="Em até 7 dias.")
    url = f"{LIST}/{answer.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Prazo de troca" in page and "Em até 7 dias." in page
    data = {"csrf_token": token, "title": "Prazo de troca", "reason_id": "", "occurrence_id": ""}
    response = client.post(url, data={**data, "body": "Em até {{ data }}."})
    assert response.status_code == 303
    assert _answers(db)[0].body == "Em até {{ data }}."
    assert client.post(f"{url}/desativar", data={"csrf_token": token}).status_code == 303
    assert _answers(db)[0].active is False
    assert client.post(f"{url}/reativar", data={"csrf_token": token}).status_code == 303
    assert _answers(db)[0].active is True
    assert client.post(f"{url}/excluir", data={"csrf_token": token}).status_code == 303
    assert _answers(db) == []


def test_another_empresas_answer_is_missing(sup, demo, db):
    client, token = sup
    other = _answer(db, demo, "Da filial", company=demo["company_south"])
    assert client.get(f"{LIST}/{other.id}").status_code == 404
    assert client.post(f"{LIST}/{other.id}/excluir", data={"csrf_token": token}).status_code == 404
    assert len(_answers(db)) == 1


def test_an_atendente_may_not_keep_them(logged_in):
    assert logged_in.get(LIST).status_code == 403
    assert logged_in.get(NEW).status_code == 403


# --- the ticket screen's picker ---------------------------------------------------------------


def _options(client, code=1, **params):
    response = client.get(
        f"/atendimentos/{code}/respostas-prontas",
        query_string={"listbox": "ready-answer-listbox", **params},
        headers=HX,
    )
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    return re.findall(r'role="option"[^>]*>([^<·]+) ·', html)


def test_the_list_has_the_ocorrencia_first_then_the_motivo_then_the_general_ones(
    logged_in, demo, db
):
    _answer(db, demo, "A geral")
    _answer(db, demo, "B do motivo", reason="Reclamação")
    _answer(db, demo, "C da ocorrência", reason="Reclamação", occurrence="Produto com defeito")
    _answer(db, demo, "D de outra ocorrência", reason="Reclamação", occurrence="Atraso na entrega")
    _answer(db, demo, "E de outro motivo", reason="Elogio")
    _answer(db, demo, "F inativa", active=False)
    _answer(db, demo, "G de outra Empresa", company=demo["company_south"])
    reason = demo["reasons"]["Reclamação"].id
    occurrence = demo["occurrences"]["Reclamação/Produto com defeito"].id
    listed = _options(logged_in, reason_id=reason, occurrence_id=occurrence)
    assert [name.strip() for name in listed] == ["C da ocorrência", "B do motivo", "A geral"]
    assert [n.strip() for n in _options(logged_in)] == ["A geral"]
    assert [n.strip() for n in _options(logged_in, reason_id=reason, q="OCORRENCIA")] == []
    found = _options(logged_in, reason_id=reason, occurrence_id=occurrence, q="ocorrência")
    assert [n.strip() for n in found] == ["C da ocorrência"]


def test_the_chosen_answer_comes_filled_for_the_ticket(logged_in, demo, db):
    body = "Olá, {{ nome }}.\nProtocolo {{protocolo}}, {{ data }}, {{ atendente }} — {{ empresa }}."
    answer = _answer(db, demo, "Saudação", body=body)
    response = logged_in.get(f"/atendimentos/1/respostas-prontas/{answer.id}", headers=HX)
    assert response.status_code == 200
    text = unescape(re.search(r"<pre[^>]*>(.*?)</pre>", response.get_data(as_text=True), re.S)[1])
    expected = (
        f"Olá, {demo['maria'].name}.\nProtocolo 000001, {local_today():%d/%m/%Y}, "
        f"{demo['atendente'].name} — {demo['company'].name}."
    )
    assert text == expected


def test_a_stored_template_expression_is_never_rendered(logged_in, demo, db):
    # Written past the form (which refuses it): still only text on the way out.
    answer = _answer(db, demo, "Injeção", body="{{ nome }} {{ config.SECRET_KEY }} <b>{{7*7}}</b>")
    response = logged_in.get(f"/atendimentos/1/respostas-prontas/{answer.id}", headers=HX)
    html = response.get_data(as_text=True)
    assert "test-secret" not in html and "49" not in html
    assert "{{ config.SECRET_KEY }} &lt;b&gt;{{7*7}}&lt;/b&gt;" in html


def test_ids_of_another_empresa_or_an_inactive_answer_are_404(logged_in, demo, db):
    other = _answer(db, demo, "Da filial", company=demo["company_south"])
    inactive = _answer(db, demo, "Antiga", active=False)
    mine = _answer(db, demo, "Minha")
    assert logged_in.get(f"/atendimentos/1/respostas-prontas/{other.id}").status_code == 404
    assert logged_in.get(f"/atendimentos/1/respostas-prontas/{inactive.id}").status_code == 404
    assert logged_in.get(f"/atendimentos/1/respostas-prontas/{2**62}").status_code == 404
    south_ticket(db, demo, code=777)
    assert logged_in.get(f"/atendimentos/777/respostas-prontas/{mine.id}").status_code == 404
    assert logged_in.get("/atendimentos/777/respostas-prontas").status_code == 404


def test_the_ticket_screen_offers_the_picker(logged_in, demo, db):
    html = logged_in.get("/atendimentos/1").get_data(as_text=True)
    assert 'aria-keyshortcuts="Control+Space"' in html
    assert 'role="combobox"' in html and 'id="ready-answer-listbox"' in html
    assert "/atendimentos/1/respostas-prontas" in html
