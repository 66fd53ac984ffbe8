"""The pickers as one combobox (macros/combobox.html): the listbox endpoints answer with
options of the user's Empresa only, and the screens show the chosen entry's label in the
text box while the hidden input posts its id."""

import re

from isocrm.models import Entity
from tests.factories import create_ticket, fresh, screen_form, ticket_by_code, token_of

HX = {"HX-Request": "true"}
OPTION = re.compile(
    r'<li role="option" id="([^"]+)" data-value="(\d+)" aria-selected="false">([^<]*)</li>'
)


def _options(client, url):
    response = client.get(url, headers=HX)
    assert response.status_code == 200, url
    return OPTION.findall(response.get_data(as_text=True))


def _combobox(html, field_id):
    """(text box tag, hidden input tag) of a combobox."""
    box = re.search(rf'<input type="text" id="{field_id}" role="combobox"[^>]*>', html)
    hidden = re.search(rf'<input type="hidden" name="[^"]+" id="{field_id}-value"[^>]*>', html)
    assert box and hidden, field_id
    return box.group(0), hidden.group(0)


def test_listbox_options_carry_ids_from_the_listbox_and_nothing_blank(logged_in, demo):
    url = "/atendimentos/opcoes/locais?q=bom+preco&listbox=location_entity_id-listbox"
    found = _options(logged_in, url)
    assert [(i, v) for i, v, _ in found] == [
        (f"location_entity_id-listbox-{demo['mercado'].id}", str(demo["mercado"].id))
    ]
    assert found[0][2].startswith("Mercado Bom Preço Ltda")
    # Nothing found: an empty list, no blank or disabled option.
    body = logged_in.get("/atendimentos/opcoes/locais?q=zzzz", headers=HX).get_data(as_text=True)
    assert body.strip() == ""
    # A listbox id that is not an id is not echoed.
    found = _options(logged_in, '/atendimentos/opcoes/locais?q=bom+preco&listbox="><b>x')
    assert found and found[0][0].startswith("combobox-")


def test_listbox_endpoints_list_only_the_users_empresa(logged_in, demo, db):
    # Local: Cooperativa is a Parceiro of the other Empresa.
    assert _options(logged_in, "/atendimentos/opcoes/locais?q=cooperativa") == []
    assert _options(logged_in, "/atendimentos/opcoes/locais?q=mercado")
    # Relacionado com: Luiza belongs to the other Empresa; her own picker is missing.
    maria = demo["maria"]
    url = f"/entidades/{maria.id}/cadastro/relacionados/opcoes"
    assert _options(logged_in, f"{url}?q=luiza") == []
    assert _options(logged_in, f"{url}?q=mercado")
    luiza = demo["luiza"]
    assert (
        logged_in.get(f"/entidades/{luiza.id}/cadastro/relacionados/opcoes?q=a").status_code == 404
    )
    # Contato: another Empresa's entity's contacts are missing altogether.
    assert logged_in.get(f"/entidades/{luiza.id}/contatos?q=").status_code == 404
    contacts = _options(logged_in, f"/entidades/{maria.id}/contatos?q=")
    assert {int(v) for _, v, _ in contacts} == {r.related_entity_id for r in maria.relations}
    # SAC Relacionado: a ticket moved to the other Empresa is no longer found.
    assert [v for _, v, _ in _options(logged_in, "/atendimentos/opcoes/relacionados?q=2")] == [
        str(demo["ticket_2"].id)
    ]
    ticket = ticket_by_code(db, 2)
    ticket.company_id = demo["company_south"].id
    db.session.commit()
    assert _options(logged_in, "/atendimentos/opcoes/relacionados?q=2") == []


def test_the_screen_shows_the_chosen_labels_and_posts_the_ids(logged_in, demo, db):
    assert create_ticket(logged_in, demo, related_ticket_id=demo["ticket_1"].id).status_code == 303
    html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    box, hidden = _combobox(html, "location_entity_id")
    assert 'value="Mercado Bom Preço Ltda' in box and "name=" not in box
    assert 'aria-expanded="false"' in box and 'aria-controls="location_entity_id-listbox"' in box
    assert "aria-invalid" not in box and "aria-describedby" not in box
    assert f'value="{demo["mercado"].id}"' in hidden and 'name="location_entity_id"' in hidden
    assert '<label for="location_entity_id">Local</label>' in html
    box, hidden = _combobox(html, "related_ticket_id")
    assert "000001" in box and f'value="{demo["ticket_1"].id}"' in hidden
    box, hidden = _combobox(html, "contact_entity_id")
    assert "José Carlos da Silva" in box and f'value="{demo["jose"].id}"' in hidden
    assert '<ul class="combobox-list" id="contact_entity_id-listbox" role="listbox"' in html
    form = screen_form(html)
    assert form["location_entity_id"] == str(demo["mercado"].id)


def test_a_restored_choice_is_shown_with_its_label(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    form["related_ticket_id"] = str(demo["ticket_2"].id)
    form["location_entity_id"] = ""
    assert logged_in.post("/atendimentos/4/rascunho", data=form).status_code == 200
    html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    box, hidden = _combobox(html, "related_ticket_id")
    assert "000002" in box and f'value="{demo["ticket_2"].id}"' in hidden
    box, hidden = _combobox(html, "location_entity_id")
    assert 'value=""' in box and 'value=""' in hidden


def test_a_forged_id_of_another_empresa_is_refused_and_marked(logged_in, demo, db):
    create_ticket(logged_in, demo)
    form = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    form["location_entity_id"] = str(demo["cooperativa"].id)
    response = logged_in.post("/atendimentos/4", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    box, hidden = _combobox(html, "location_entity_id")
    assert 'aria-invalid="true"' in box
    assert 'aria-describedby="location_entity_id-errors"' in box
    assert 'value=""' in hidden
    assert 'id="location_entity_id-errors"' in html
    assert ticket_by_code(db, 4).location_entity_id == demo["mercado"].id


def test_relation_form_refuses_another_empresas_entity_and_keeps_a_valid_choice(
    logged_in, demo, db
):
    maria = demo["maria"]
    token = token_of(logged_in, f"/entidades/{maria.id}/cadastro")
    url = f"/entidades/{maria.id}/cadastro/relacionados"
    data = {
        "csrf_token": token,
        "relacionado-mode": "existente",
        "relacionado-related_entity_id": str(demo["luiza"].id),
        "relacionado-relation_type_id": "",
    }
    response = logged_in.post(url, data=data, headers=HX)
    assert response.status_code == 422
    box, hidden = _combobox(response.get_data(as_text=True), "relacionado-related_entity_id")
    assert 'aria-invalid="true"' in box and 'value=""' in hidden
    # A valid choice with another error (no Tipo) comes back with its label shown.
    data["relacionado-related_entity_id"] = str(demo["mercado"].id)
    response = logged_in.post(url, data=data, headers=HX)
    assert response.status_code == 422
    box, hidden = _combobox(response.get_data(as_text=True), "relacionado-related_entity_id")
    assert "Mercado Bom Preço" in box and f'value="{demo["mercado"].id}"' in hidden
    fresh(db)
    assert db.session.get(Entity, demo["luiza"].id).company_id != maria.company_id
