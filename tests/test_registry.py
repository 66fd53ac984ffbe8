"""Cadastro da entidade: Cadastro completo and simplificado, new entities, and Alertas."""

import re

import pytest
import sqlalchemy as sa

from isocrm import brdocs
from isocrm.models import Address, Alert, Entity, Phone, Relation
from isocrm.models.base import utcnow
from tests.conftest import csrf_token_from

HX = {"HX-Request": "true"}


def _fresh(db):
    """End the test's own transaction so it sees what the requests committed."""
    db.session.commit()
    db.session.expire_all()


def _token(client, url="/atendimentos/"):
    return csrf_token_from(client.get(url).get_data(as_text=True))


def _main_form(demo, entity=None, **overrides):
    """What Salvar cadastro sends for Maria as the page shows her."""
    maria = entity or demo["maria"]
    data = {
        "kind": "PF",
        "document": "529.982.247-25",
        "name": maria.name,
        "trade_name": "",
        "birth_date": "1968-04-15",
        "notes": maria.notes or "",
        "roles": [str(demo["roles"]["cliente"].id)],
        "units": [str(demo["unit_sp"].id)],
    }
    data.update(overrides)
    return data


def _post_main(client, demo, entity_id=None, **overrides):
    entity_id = entity_id or demo["maria"].id
    url = f"/entidades/{entity_id}/cadastro"
    data = _main_form(demo, **overrides)
    data["csrf_token"] = _token(client, url)
    return client.post(url, data=data)


def _address_data(prefix="novo-endereco", **overrides):
    data = {
        f"{prefix}-zip_code": "01310-100",
        f"{prefix}-street": "Avenida Paulista",
        f"{prefix}-number": "2000",
        f"{prefix}-complement": "",
        f"{prefix}-district": "Bela Vista",
        f"{prefix}-city": "São Paulo",
        f"{prefix}-state": "SP",
    }
    data.update({f"{prefix}-{k}": v for k, v in overrides.items()})
    return data


def _addresses(db, entity_id):
    _fresh(db)
    return db.session.scalars(
        sa.select(Address).where(Address.entity_id == entity_id).order_by(Address.id)
    ).all()


# --- Cadastro completo ---------------------------------------------------------------------


def test_complete_registration_shows_every_section(logged_in, demo, count_queries):
    url = f"/entidades/{demo['maria'].id}/cadastro"
    with count_queries() as counter:
        response = logged_in.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Cadastro completo · Maria Aparecida da Silva</h1>" in html
    for title in ("Dados", "Papéis", "Unidades", "Endereços", "Telefones", "E-contacts",
                  "Relacionado com"):
        assert f">{title}</h2>" in html
    assert "José Carlos da Silva" in html and "Ana Beatriz da Silva" in html
    assert "Rua das Acácias" in html and "(11) 98765-4321" in html
    assert 'value="529.982.247-25"' in html
    # roles and units are checkboxes of the Empresa's rows, Maria's ones ticked
    assert re.search(rf'value="{demo["roles"]["cliente"].id}" checked> Cliente', html)
    assert re.search(rf'value="{demo["roles"]["parceiro"].id}" > Parceiro', html)
    # constant query count: no lazy loads per row
    assert counter.count <= 16, counter.statements


@pytest.mark.parametrize("slug", ["enderecos", "telefones", "econtacts", "relacionados"])
def test_each_section_is_a_block_of_the_page(logged_in, demo, slug):
    maria = demo["maria"]
    token = _token(logged_in, f"/entidades/{maria.id}/cadastro")
    attr = {"enderecos": "addresses", "telefones": "phones", "econtacts": "econtacts"}
    if slug == "relacionados":
        url = f"/entidades/{maria.id}/cadastro/relacionados/{maria.relations[0].id}/excluir"
    else:
        row = getattr(maria, attr[slug])[-1]
        url = f"/entidades/{maria.id}/cadastro/{slug}/{row.id}/excluir"
    response = logged_in.post(url, data={"csrf_token": token}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<section id="{slug}"')
    assert "<html" not in html and "removido" in html
    assert "HX-Request" in response.headers["Vary"]


def test_saving_the_registration_changes_data_roles_and_units(logged_in, demo, db):
    response = _post_main(
        logged_in,
        demo,
        name="Maria Aparecida da Silva Souza",
        trade_name="Dona Maria",
        roles=[str(demo["roles"]["cliente"].id), str(demo["roles"]["parceiro"].id)],
        units=[str(demo["unit_campinas"].id)],
    )
    assert response.status_code == 303
    _fresh(db)
    maria = db.session.get(Entity, demo["maria"].id)
    assert maria.name == "Maria Aparecida da Silva Souza" and maria.trade_name == "Dona Maria"
    assert {r.code for r in maria.roles} == {"cliente", "parceiro"}
    assert [u.name for u in maria.units] == ["Filial Campinas"]
    page = logged_in.get(f"/entidades/{maria.id}/cadastro").get_data(as_text=True)
    assert "Cadastro salvo." in page


def test_a_registration_edit_with_an_invalid_cpf_and_a_second_principal_address_is_refused(
    logged_in, demo, db
):
    maria = demo["maria"]
    first, second = (a.id for a in maria.addresses)
    response = _post_main(
        logged_in,
        demo,
        name="Nome que não pode ser salvo",
        document="529.982.247-26",
        principal_enderecos=[str(first), str(second)],
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "CPF inválido" in html
    assert "Marque apenas um endereço como Principal" in html
    assert "nada foi salvo" in html
    assert 'value="Nome que não pode ser salvo"' in html  # what was typed stays
    _fresh(db)
    saved = db.session.get(Entity, maria.id)
    assert saved.name == "Maria Aparecida da Silva" and saved.document == "52998224725"
    assert [a.is_principal for a in _addresses(db, maria.id)] == [True, False]


def test_choosing_another_principal_address_unmarks_the_first(logged_in, demo, db):
    maria = demo["maria"]
    first, second = (a.id for a in maria.addresses)
    response = _post_main(logged_in, demo, principal_enderecos=str(second))
    assert response.status_code == 303
    rows = _addresses(db, maria.id)
    assert [(a.id, a.is_principal) for a in rows] == [(first, False), (second, True)]


def test_a_principal_of_another_entity_is_refused(logged_in, demo):
    response = _post_main(logged_in, demo, principal_enderecos=str(demo["mercado"].addresses[0].id))
    assert response.status_code == 422
    assert "Escolha como Principal um endereço desta entidade" in response.get_data(as_text=True)


def test_duplicate_document_is_refused_with_a_link_to_the_existing_entity(logged_in, demo, db):
    joaquim = demo["joaquim"]
    response = _post_main(
        logged_in, demo, entity_id=joaquim.id, name=joaquim.name, document="529.982.247-25",
        roles=[], units=[],
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Já existe uma entidade com este documento nesta Empresa." in html
    assert f'href="/entidades/{demo["maria"].id}/cadastro">Maria Aparecida da Silva</a>' in html
    _fresh(db)
    assert db.session.get(Entity, joaquim.id).document == "11144477735"


def test_alphanumeric_cnpj_is_accepted(logged_in, demo, db):
    body = "12ABC3450002"
    cnpj = body + brdocs.cnpj_check_digits(body)
    formatted = brdocs.format_cnpj(cnpj)
    alfa = demo["alfa"]
    response = _post_main(
        logged_in, demo, entity_id=alfa.id, kind="PJ", document=formatted.lower(),
        name=alfa.name, birth_date="", roles=[str(demo["roles"]["fornecedor"].id)], units=[],
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    _fresh(db)
    assert db.session.get(Entity, alfa.id).document == cnpj
    bad = _post_main(
        logged_in, demo, entity_id=alfa.id, kind="PJ", document=formatted[:-1] + "0",
        name=alfa.name, birth_date="", units=[],
    )
    assert bad.status_code == 422 and "CNPJ inválido" in bad.get_data(as_text=True)


# --- list rows edited in place ---------------------------------------------------------------


def test_the_first_address_added_becomes_principal(logged_in, demo, db):
    joaquim = demo["joaquim"]
    url = f"/entidades/{joaquim.id}/cadastro/enderecos"
    data = _address_data() | {"csrf_token": _token(logged_in)}
    response = logged_in.post(url, data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Avenida Paulista, 2000" in html and "Principal</span>" in html
    rows = _addresses(db, joaquim.id)
    assert [(a.street, a.zip_code, a.is_principal) for a in rows] == [
        ("Avenida Paulista", "01310100", True)
    ]


def test_adding_a_principal_unmarks_the_others_and_removing_it_promotes_another(
    logged_in, demo, db
):
    maria = demo["maria"]
    token = _token(logged_in)
    url = f"/entidades/{maria.id}/cadastro/enderecos"
    data = _address_data(street="Rua Nova", is_principal="y") | {"csrf_token": token}
    assert logged_in.post(url, data=data, headers=HX).status_code == 200
    rows = _addresses(db, maria.id)
    assert [(a.street, a.is_principal) for a in rows] == [
        ("Rua das Acácias", False), ("Avenida Paulista", False), ("Rua Nova", True)
    ]
    new_id = rows[-1].id
    response = logged_in.post(
        f"{url}/{new_id}/excluir", data={"csrf_token": token}, headers=HX
    )
    assert response.status_code == 200
    rows = _addresses(db, maria.id)
    assert [(a.street, a.is_principal) for a in rows] == [
        ("Rua das Acácias", True), ("Avenida Paulista", False)
    ]


def test_a_row_is_edited_in_place_and_can_become_principal(logged_in, demo, db):
    maria = demo["maria"]
    phone = maria.phones[1]
    base = f"/entidades/{maria.id}/cadastro/telefones/{phone.id}"
    form = logged_in.get(f"{base}/editar", headers=HX).get_data(as_text=True)
    assert f'name="telefone-{phone.id}-number"' in form and "<html" not in form
    # without htmx the same URL leads to the page with the row open
    assert logged_in.get(f"{base}/editar").status_code == 302
    token = _token(logged_in)
    prefix = f"telefone-{phone.id}"
    bad = logged_in.post(
        base, data={f"{prefix}-kind": "comercial", f"{prefix}-number": "123", "csrf_token": token},
        headers=HX,
    )
    assert bad.status_code == 422 and "Telefone inválido" in bad.get_data(as_text=True)
    ok = logged_in.post(
        base,
        data={
            f"{prefix}-kind": "comercial",
            f"{prefix}-number": "(11) 3333-5555",
            f"{prefix}-is_principal": "y",
            "csrf_token": token,
        },
        headers=HX,
    )
    assert ok.status_code == 200
    _fresh(db)
    phones = db.session.scalars(
        sa.select(Phone).where(Phone.entity_id == maria.id).order_by(Phone.id)
    ).all()
    assert [(p.number, p.kind, p.is_principal) for p in phones] == [
        ("11987654321", "celular", False), ("1133335555", "comercial", True)
    ]


def test_a_row_action_without_htmx_returns_to_the_page(logged_in, demo):
    maria = demo["maria"]
    data = {
        "novo-econtact-kind": "site",
        "novo-econtact-value": "https://maria.example.com.br",
        "csrf_token": _token(logged_in),
    }
    response = logged_in.post(f"/entidades/{maria.id}/cadastro/econtacts", data=data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/entidades/{maria.id}/cadastro#econtacts")
    bad = logged_in.post(
        f"/entidades/{maria.id}/cadastro/econtacts",
        data={"novo-econtact-kind": "email", "novo-econtact-value": "sem-arroba",
              "csrf_token": data["csrf_token"]},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "E-mail inválido" in html and "<html" in html


# --- Relacionado com ----------------------------------------------------------------------


def _relations(db, entity_id):
    _fresh(db)
    return db.session.scalars(
        sa.select(Relation).where(Relation.entity_id == entity_id).order_by(Relation.id)
    ).all()


def test_relate_an_existing_entity_found_by_name(logged_in, demo, db):
    maria = demo["maria"]
    options = logged_in.get(
        f"/entidades/{maria.id}/cadastro/relacionados/opcoes?q=mercado", headers=HX
    ).get_data(as_text=True)
    assert f'<option value="{demo["mercado"].id}">Mercado Bom Preço Ltda' in options
    already = logged_in.get(
        f"/entidades/{maria.id}/cadastro/relacionados/opcoes?q=jose", headers=HX
    ).get_data(as_text=True)
    assert "José Carlos" not in already  # already related
    data = {
        "relacionado-mode": "existente",
        "relacionado-related_entity_id": str(demo["mercado"].id),
        "relacionado-relation_type_id": str(demo["relation_types"]["Contato comercial"].id),
        "csrf_token": _token(logged_in),
    }
    url = f"/entidades/{maria.id}/cadastro/relacionados"
    response = logged_in.post(url, data=data, headers=HX)
    assert response.status_code == 200
    assert "Mercado Bom Preço Ltda" in response.get_data(as_text=True)
    assert [r.related_entity_id for r in _relations(db, maria.id)][-1] == demo["mercado"].id
    again = logged_in.post(url, data=data, headers=HX)
    assert again.status_code == 422 and "já está relacionada" in again.get_data(as_text=True)
    luiza = dict(data, **{"relacionado-related_entity_id": str(demo["luiza"].id)})
    refused = logged_in.post(url, data=luiza, headers=HX)
    assert refused.status_code == 422 and "desta Empresa" in refused.get_data(as_text=True)


def test_relate_a_person_created_on_the_spot(logged_in, demo, db):
    maria = demo["maria"]
    url = f"/entidades/{maria.id}/cadastro/relacionados"
    token = _token(logged_in)
    data = {
        "relacionado-mode": "nova",
        "relacionado-new_name": "Pedro Henrique da Silva",
        "relacionado-new_document": "",
        "relacionado-relation_type_id": str(demo["relation_types"]["Filho(a)"].id),
        "csrf_token": token,
    }
    response = logged_in.post(url, data=data, headers=HX)
    assert response.status_code == 200, response.get_data(as_text=True)
    relation = _relations(db, maria.id)[-1]
    assert relation.related_entity.name == "Pedro Henrique da Silva"
    assert relation.related_entity.company_id == demo["company"].id
    duplicate = dict(data, **{"relacionado-new_document": "284.719.536-09"})
    duplicate["relacionado-new_name"] = "Outro José"
    refused = logged_in.post(url, data=duplicate, headers=HX)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'href="/entidades/{demo["jose"].id}/cadastro">José Carlos da Silva</a>' in html
    invalid = dict(data, **{"relacionado-new_document": "123.456.789-00"})
    assert "CPF inválido" in logged_in.post(url, data=invalid, headers=HX).get_data(as_text=True)
    assert len(_relations(db, maria.id)) == 3


# --- Cadastrar nova entidade -----------------------------------------------------------------


def test_search_without_results_links_to_a_new_entity_prefilled(logged_in, demo, db):
    page = logged_in.get("/atendimentos/?q=Fulano+de+Tal").get_data(as_text=True)
    assert '<a href="/entidades/nova?q=Fulano+de+Tal">Cadastrar nova entidade</a>' in page
    form = logged_in.get("/entidades/nova?q=Fulano+de+Tal").get_data(as_text=True)
    assert re.search(r'<input id="name"[^>]*value="Fulano de Tal"', form)
    by_document = logged_in.get("/entidades/nova?q=39053344705").get_data(as_text=True)
    assert 'value="390.533.447-05"' in by_document
    by_cnpj = logged_in.get("/entidades/nova?q=12.ABC.345/0001-DE").get_data(as_text=True)
    assert re.search(r'<input checked id="kind-1"[^>]*value="PJ"', by_cnpj)

    data = {
        "kind": "PF",
        "document": "390.533.447-05",
        "name": "Fulano de Tal",
        "roles": [str(demo["roles"]["consumidor"].id)],
        "csrf_token": csrf_token_from(form),
    }
    response = logged_in.post("/entidades/nova", data=data)
    assert response.status_code == 303
    _fresh(db)
    created = db.session.scalar(sa.select(Entity).where(Entity.document == "39053344705"))
    assert created.name == "Fulano de Tal" and created.company_id == demo["company"].id
    assert [r.code for r in created.roles] == ["consumidor"]
    assert response.headers["Location"].endswith(f"/entidades/{created.id}/cadastro")
    found = logged_in.get("/atendimentos/?q=fulano").get_data(as_text=True)
    assert "Fulano de Tal" in found
    again = logged_in.post("/entidades/nova", data=data)
    assert again.status_code == 422 and "Já existe uma entidade" in again.get_data(as_text=True)


# --- Cadastro simplificado -------------------------------------------------------------------


def _quick_data(client, entity_id, **overrides):
    html = client.get(f"/entidades/{entity_id}/cadastro-simplificado").get_data(as_text=True)
    data = {
        name: value
        for name, value in re.findall(r'name="(cadastro-[a-z_]+)"[^>]*value="([^"]*)"', html)
    }
    for name in ("state", "phone_kind", "econtact_kind"):
        selected = re.search(
            rf'name="cadastro-{name}".*?<option selected value="([^"]*)"', html, re.S
        )
        data[f"cadastro-{name}"] = selected.group(1) if selected else ""
    data["csrf_token"] = csrf_token_from(html)
    data.update({f"cadastro-{k}": v for k, v in overrides.items()})
    return data


def test_quick_edit_is_a_page_and_a_dialog(logged_in, demo):
    url = f"/entidades/{demo['maria'].id}/cadastro-simplificado"
    page = logged_in.get(url).get_data(as_text=True)
    assert "<h1>Cadastro simplificado · Maria Aparecida da Silva</h1>" in page
    assert 'value="Rua das Acácias"' in page and 'value="maria.aparecida@example.com.br"' in page
    assert "Voltar</a>" in page
    dialog = logged_in.get(url, headers=HX).get_data(as_text=True)
    assert dialog.lstrip().startswith('<div id="dialog-slot"')
    assert "<dialog open" in dialog and "<html" not in dialog


def test_quick_edit_over_the_ticket_closes_and_refreshes_the_entity_card(logged_in, demo, db):
    maria = demo["maria"]
    url = f"/entidades/{maria.id}/cadastro-simplificado"
    data = _quick_data(logged_in, maria.id, street="Rua das Palmeiras", number="12",
                       phone_number="(11) 91234-5678")
    response = logged_in.post(url, data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert html.lstrip().startswith('<div id="dialog-slot" class="dialog-slot"></div>')
    assert re.search(r'<section [^>]*id="entity-card"[^>]*hx-swap-oob="true"', html)
    assert "Rua das Palmeiras, 12" in html and "(11) 91234-5678" in html
    _fresh(db)
    saved = db.session.get(Entity, maria.id)
    assert saved.principal_address.street == "Rua das Palmeiras"
    assert len(saved.addresses) == 2 and saved.principal_phone.number == "11912345678"


def test_quick_edit_refuses_invalid_input_and_keeps_it(logged_in, demo, db):
    maria = demo["maria"]
    url = f"/entidades/{maria.id}/cadastro-simplificado"
    data = _quick_data(logged_in, maria.id, document="111.111.111-11", name="Maria Nova")
    response = logged_in.post(url, data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "CPF inválido" in html and 'value="Maria Nova"' in html and "<dialog open" in html
    _fresh(db)
    assert db.session.get(Entity, maria.id).name == "Maria Aparecida da Silva"


def test_quick_edit_creates_the_missing_principal_rows(logged_in, demo, db):
    joaquim = demo["joaquim"]
    data = _quick_data(
        logged_in, joaquim.id, street="Rua A", city="Rio de Janeiro", state="RJ",
        econtact_kind="email", econtact_value="joaquim@example.com.br",
    )
    response = logged_in.post(f"/entidades/{joaquim.id}/cadastro-simplificado", data=data)
    assert response.status_code == 303
    _fresh(db)
    saved = db.session.get(Entity, joaquim.id)
    assert saved.principal_address.city == "Rio de Janeiro"
    assert saved.principal_econtact.value == "joaquim@example.com.br"


# --- Alertas ---------------------------------------------------------------------------------


def _icon(html):
    return re.search(r'<a id="alert-icon"[^>]*>', html).group(0)


def test_alerts_list_active_first_and_old_ones_after(logged_in, demo):
    html = logged_in.get(f"/entidades/{demo['maria'].id}/alertas").get_data(as_text=True)
    assert html.index("reclamações recorrentes") < html.index("Resolvidos ou vencidos")
    assert html.index("Resolvidos ou vencidos") < html.index("Confirmar o endereço de entrega")


def test_creating_a_critical_alert_over_the_ticket_recolours_the_icon(logged_in, demo, db):
    maria = demo["maria"]
    assert "alert-alta" in _icon(logged_in.get("/atendimentos/1").get_data(as_text=True))
    data = {
        "alerta-message": "Cliente ameaçou acionar o Procon.",
        "alerta-priority": "4",
        "alerta-active_until": "",
        "tela": "atendimento",
        "csrf_token": _token(logged_in),
    }
    response = logged_in.post(f"/entidades/{maria.id}/alertas", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="alerts-dialog"')
    icon = _icon(html)
    assert "alert-critica" in icon and 'hx-swap-oob="true"' in icon
    assert "alert-critica" in _icon(logged_in.get("/atendimentos/1").get_data(as_text=True))


def test_resolving_alerts_turns_the_icon_off(logged_in, demo, db):
    maria = demo["maria"]
    token = _token(logged_in)
    url = f"/entidades/{maria.id}/alertas/{demo['maria_alert'].id}/resolver"
    response = logged_in.post(url, data={"csrf_token": token, "tela": "atendimento"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "nenhum alerta ativo" in _icon(html) and "Nenhum alerta ativo." in html
    _fresh(db)
    alert = db.session.get(Alert, demo["maria_alert"].id)
    assert alert.resolved_at is not None and alert.resolved_by_id == demo["atendente"].id


def test_alerts_page_without_htmx_and_bad_input(logged_in, demo, db):
    maria = demo["maria"]
    token = _token(logged_in)
    url = f"/entidades/{maria.id}/alertas"
    bad = logged_in.post(
        url,
        data={
            "alerta-message": "",
            "alerta-priority": "9",
            "alerta-active_until": "2020-01-01",
            "csrf_token": token,
        },
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Escreva a mensagem do alerta." in html
    assert "Escolha uma prioridade da lista." in html
    assert "A data não pode estar no passado." in html
    ok = logged_in.post(
        url, data={"alerta-message": "Ligar à tarde", "alerta-priority": "1",
                   "alerta-active_until": "", "csrf_token": token},
    )
    assert ok.status_code == 303
    # on its own page, htmx swaps only the panel (no icon to recolour there)
    panel = logged_in.post(
        url, data={"alerta-message": "Outro", "alerta-priority": "2", "csrf_token": token},
        headers=HX,
    ).get_data(as_text=True)
    assert panel.lstrip().startswith('<div id="alerts-panel"') and "alert-icon" not in panel
    _fresh(db)
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Alert).where(Alert.entity_id == maria.id)
    ) == 4


def test_an_alert_of_another_entity_cannot_be_resolved(logged_in, demo, db):
    token = _token(logged_in)
    url = f"/entidades/{demo['jose'].id}/alertas/{demo['maria_alert'].id}/resolver"
    assert logged_in.post(url, data={"csrf_token": token}).status_code == 404
    demo["maria_alert"].resolved_at = utcnow()  # (the test's own session: untouched rows)
    db.session.rollback()


# --- tenancy -------------------------------------------------------------------------------


def test_another_empresas_entity_is_missing(logged_in, demo):
    luiza = demo["luiza"]
    token = _token(logged_in)
    for url in (
        f"/entidades/{luiza.id}/cadastro",
        f"/entidades/{luiza.id}/cadastro-simplificado",
        f"/entidades/{luiza.id}/alertas",
        f"/entidades/{luiza.id}/cadastro/relacionados/opcoes?q=a",
        f"/entidades/{luiza.id}/cadastro/enderecos/{luiza.addresses[0].id}/editar",
    ):
        assert logged_in.get(url).status_code == 404, url
    for url in (
        f"/entidades/{luiza.id}/cadastro",
        f"/entidades/{luiza.id}/cadastro-simplificado",
        f"/entidades/{luiza.id}/alertas",
        f"/entidades/{luiza.id}/cadastro/enderecos",
        f"/entidades/{luiza.id}/cadastro/enderecos/{luiza.addresses[0].id}/excluir",
        f"/entidades/{luiza.id}/cadastro/relacionados",
    ):
        assert logged_in.post(url, data={"csrf_token": token}).status_code == 404, url
    # Maria's page cannot reach Luiza's rows either
    maria = demo["maria"]
    url = f"/entidades/{maria.id}/cadastro/enderecos/{luiza.addresses[0].id}/excluir"
    assert logged_in.post(url, data={"csrf_token": token}).status_code == 404
    assert logged_in.post(
        f"/entidades/{maria.id}/cadastro/ruas", data={"csrf_token": token}
    ).status_code == 404
