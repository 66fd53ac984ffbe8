"""Configurações › the flat catalogues (Canais, Situações…), action by action, on the real
database; what the attendants' selects then offer."""

import re

import pytest
import sqlalchemy as sa

from isocrm.models import (
    Channel,
    Company,
    Product,
    ProductInfo,
    Role,
    Status,
    Team,
    Unit,
    User,
)
from tests.conftest import ON_POSTGRES, AuthActions, csrf_token_from
from tests.factories import HX, catalog_version


def _channel(db, demo, name):
    db.session.commit()
    return db.session.scalar(
        sa.select(Channel).where(Channel.company_id == demo["company"].id, Channel.name == name)
    )


def _status(db, demo, name):
    db.session.commit()
    return db.session.scalar(
        sa.select(Status).where(Status.company_id == demo["company"].id, Status.name == name)
    )


def test_index_links_the_lists(sup):
    client, _ = sup
    html = client.get("/configuracoes").get_data(as_text=True)
    assert 'href="/configuracoes/canais"' in html and 'href="/configuracoes/situacoes"' in html


def test_channels_list_only_the_empresas_own(sup, db, demo):
    client, _ = sup
    db.session.add(Channel(company_id=demo["company_south"].id, name="Rádio do Sul"))
    db.session.commit()
    response = client.get("/configuracoes/canais")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "WhatsApp" in html and "Rádio do Sul" not in html
    partial = client.get("/configuracoes/canais", headers=HX).get_data(as_text=True)
    assert partial.lstrip().startswith('<section id="catalog-list"')


def test_add_a_channel_and_the_ticket_select_offers_it(sup, logged_in, db, demo):
    client, token = sup
    before = catalog_version(db)
    response = client.post("/configuracoes/canais", data={"csrf_token": token, "name": " SMS "})
    assert response.status_code == 303
    channel = _channel(db, demo, "SMS")  # stripped
    assert channel is not None and channel.active
    assert catalog_version(db) != before
    screen = logged_in.get(f"/atendimentos/{demo['ticket_1'].code}").get_data(as_text=True)
    assert f'<option value="{channel.id}">SMS</option>' in screen


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Digite o nome."),
        ("x" * 61, "Use no máximo 60 caracteres."),
        ("whatsapp", "Já existe o canal “whatsapp”."),
        ("E-MAIL", "Já existe o canal “E-MAIL”."),
        ("Telefóne", "Já existe o canal “Telefóne”."),  # accents aside
    ],
)
def test_bad_channel_name_is_refused_beside_the_field(sup, db, demo, typed, message):
    client, token = sup
    before = catalog_version(db)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Channel))
    response = client.post(
        "/configuracoes/canais", data={"csrf_token": token, "name": typed}, headers=HX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and "Nada foi salvo" in html
    field = re.search(r'<input[^>]*id="novo-canais-name"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and f'value="{typed}"' in field
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Channel)) == count
    assert catalog_version(db) == before


def test_rename_a_channel_inline(sup, db, demo):
    client, token = sup
    chat = demo["channels"]["Chat"]
    edit = client.get(f"/configuracoes/canais/itens/{chat.id}/editar", headers=HX)
    html = edit.get_data(as_text=True)
    assert edit.status_code == 200
    assert f'id="editar-canais-{chat.id}-name"' in html and 'value="Chat"' in html
    url = f"/configuracoes/canais/itens/{chat.id}"
    taken = client.post(url, data={"csrf_token": token, "name": "telefone"}, headers=HX)
    assert taken.status_code == 422
    assert "Já existe o canal “telefone”." in taken.get_data(as_text=True)
    before = catalog_version(db)
    done = client.post(url, data={"csrf_token": token, "name": "Chat do site"}, headers=HX)
    assert "Canal “Chat” agora se chama “Chat do site”." in done.get_data(as_text=True)
    assert _channel(db, demo, "Chat do site").id == chat.id
    assert catalog_version(db) != before
    # Its own name in other case is fine.
    assert client.post(url, data={"csrf_token": token, "name": "CHAT DO SITE"}).status_code == 303


def test_deactivated_channel_leaves_new_details_but_stays_on_old_ones(sup, logged_in, db, demo):
    client, token = sup
    ticket = demo["ticket_1"]
    mail = demo["channels"]["E-mail"]  # the detail of ticket 1 its screen shows
    before = catalog_version(db)
    response = client.post(
        f"/configuracoes/canais/itens/{mail.id}/desativar", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert catalog_version(db) != before
    page = client.get("/configuracoes/canais").get_data(as_text=True)
    row = re.search(rf'<li class="tree-row inactive" id="canais-{mail.id}">.*?</li>', page, re.S)
    assert row and "inativo" in row.group(0) and "Reativar" in row.group(0)
    assert "Excluir" not in row.group(0)  # used: never deleted
    refused = client.post(
        f"/configuracoes/canais/itens/{mail.id}/excluir", data={"csrf_token": token}
    )
    assert refused.status_code == 409
    assert "desative-o em vez de excluir" in refused.get_data(as_text=True)
    # The old ticket still shows it, marked; the new detail's select does not offer it.
    screen = logged_in.get(f"/atendimentos/{ticket.code}").get_data(as_text=True)
    assert f'<option selected value="{mail.id}">E-mail (inativo)</option>' in screen
    assert ">E-mail</option>" not in screen
    client.post(f"/configuracoes/canais/itens/{mail.id}/reativar", data={"csrf_token": token})
    screen = logged_in.get(f"/atendimentos/{ticket.code}").get_data(as_text=True)
    assert "E-mail (inativo)" not in screen


def test_an_unused_channel_is_deleted(sup, db, demo):
    client, token = sup
    client.post("/configuracoes/canais", data={"csrf_token": token, "name": "Fax"})
    fax = _channel(db, demo, "Fax")
    before = catalog_version(db)
    response = client.post(
        f"/configuracoes/canais/itens/{fax.id}/excluir", data={"csrf_token": token}, headers=HX
    )
    assert response.status_code == 200
    assert "Canal “Fax” excluído." in response.get_data(as_text=True)
    assert _channel(db, demo, "Fax") is None
    assert catalog_version(db) != before


def test_add_a_status_with_its_category(sup, db, demo):
    client, token = sup
    response = client.post(
        "/configuracoes/situacoes",
        data={"csrf_token": token, "name": "Aguardando peça", "category": "aguardando"},
    )
    assert response.status_code == 303
    status = _status(db, demo, "Aguardando peça")
    assert status.category == "aguardando" and not status.is_closed and not status.is_default
    missing = client.post(
        "/configuracoes/situacoes", data={"csrf_token": token, "name": "Outra", "category": ""}
    )
    assert missing.status_code == 422
    assert "Escolha a categoria." in missing.get_data(as_text=True)
    bogus = client.post(
        "/configuracoes/situacoes",
        data={"csrf_token": token, "name": "Outra", "category": "fechado"},
    )
    assert bogus.status_code == 422
    assert "Escolha uma categoria da lista." in bogus.get_data(as_text=True)
    assert _status(db, demo, "Outra") is None


def test_used_status_keeps_its_category(sup, db, demo):
    client, token = sup
    done = demo["statuses"]["concluido"]  # ticket 1 is Concluído
    url = f"/configuracoes/situacoes/itens/{done.id}"
    response = client.post(
        url, data={"csrf_token": token, "name": "Concluído", "category": "aberto"}, headers=HX
    )
    assert response.status_code == 422
    assert "a sua categoria não muda" in response.get_data(as_text=True)
    renamed = client.post(
        url, data={"csrf_token": token, "name": "Resolvido", "category": "concluido"}
    )
    assert renamed.status_code == 303
    db.session.commit()
    assert (done.name, done.category) == ("Resolvido", "concluido")


def test_the_opening_status_stays(sup, db, demo):
    client, token = sup
    opening = demo["statuses"]["aberto"]  # the default one, the only active Aberto
    assert opening.is_default
    response = client.post(
        f"/configuracoes/situacoes/itens/{opening.id}/desativar", data={"csrf_token": token}
    )
    assert response.status_code == 409
    assert "escolha outra como padrão antes" in response.get_data(as_text=True)
    # Another Aberto made the default: the first may go, the new default may not.
    client.post(
        "/configuracoes/situacoes",
        data={"csrf_token": token, "name": "Novo", "category": "aberto"},
    )
    new = _status(db, demo, "Novo")
    before = catalog_version(db)
    made = client.post(
        f"/configuracoes/situacoes/itens/{new.id}/padrao", data={"csrf_token": token}, headers=HX
    )
    assert "Os novos atendimentos começam em “Novo”." in made.get_data(as_text=True)
    assert catalog_version(db) != before
    db.session.commit()
    assert new.is_default and not opening.is_default
    assert (
        client.post(
            f"/configuracoes/situacoes/itens/{opening.id}/desativar", data={"csrf_token": token}
        ).status_code
        == 303
    )
    last = client.post(
        f"/configuracoes/situacoes/itens/{new.id}",
        data={"csrf_token": token, "name": "Novo", "category": "em_andamento"},
    )
    assert last.status_code == 422
    # A closed situação cannot be the default.
    closed = demo["statuses"]["cancelado"]
    refused = client.post(
        f"/configuracoes/situacoes/itens/{closed.id}/padrao", data={"csrf_token": token}
    )
    assert refused.status_code == 409


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite runs two saves one after the other")
def test_tornar_padrao_and_desativar_at_once_cannot_cross(sup, db, demo):
    """Tornar padrão "Novo" (held open before its commit) and Desativar "Novo" at the same
    moment: the second waits for the first and then refuses, instead of each checking the
    other's rule before either committed (the default would end inactive)."""
    import threading

    from sqlalchemy.orm import Session

    from isocrm.settings import lists

    client, token = sup
    client.post(
        "/configuracoes/situacoes",
        data={"csrf_token": token, "name": "Novo", "category": "aberto"},
    )
    new = _status(db, demo, "Novo")
    with Session(db.engine) as first:
        item = first.get(Status, new.id)
        lists.lock_statuses(first, item)
        first.execute(
            sa.update(Status)
            .where(Status.company_id == item.company_id, Status.is_default)
            .values(is_default=False)
        )
        item.is_default = True
        first.flush()
        answers = []
        url = f"/configuracoes/situacoes/itens/{new.id}/desativar"
        second = threading.Thread(
            target=lambda: answers.append(client.post(url, data={"csrf_token": token}))
        )
        second.start()
        second.join(1.5)
        assert second.is_alive(), "Desativar did not wait for Tornar padrão"
        first.commit()
    second.join(30)
    assert answers[0].status_code == 409
    assert "escolha outra como padrão antes" in answers[0].get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Status, new.id).active


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("GET", "editar"),
        ("POST", ""),
        ("POST", "desativar"),
        ("POST", "reativar"),
        ("POST", "excluir"),
    ],
)
def test_another_empresas_entries_are_missing(sup, db, demo, method, action):
    client, token = sup
    south_id = demo["company_south"].id
    south_channel = db.session.scalar(sa.select(Channel).where(Channel.company_id == south_id))
    south_status = db.session.scalar(sa.select(Status).where(Status.company_id == south_id))
    before = catalog_version(db)
    for kind, item_id in (("canais", south_channel.id), ("situacoes", south_status.id)):
        url = f"/configuracoes/{kind}/itens/{item_id}" + (f"/{action}" if action else "")
        response = client.open(url, method=method, data={"csrf_token": token, "name": "Novo"})
        assert response.status_code == 404, url
    url = f"/configuracoes/situacoes/itens/{south_status.id}/padrao"
    assert client.post(url, data={"csrf_token": token}).status_code == 404
    assert catalog_version(db) == before
    # An unknown list is missing too.
    assert client.get("/configuracoes/cores").status_code == 404


def test_units_add_with_city_and_uf_and_leave_the_registry_when_inactive(sup, logged_in, db, demo):
    client, token = sup
    url = "/configuracoes/unidades"
    bad = client.post(url, data={"csrf_token": token, "name": "Filial Recife", "state": "XX"})
    assert bad.status_code == 422
    assert "Escolha uma UF da lista." in bad.get_data(as_text=True)
    taken = client.post(url, data={"csrf_token": token, "name": "filial campinas"})
    assert "Já existe a unidade “filial campinas”." in taken.get_data(as_text=True)
    done = client.post(
        url, data={"csrf_token": token, "name": "Filial Recife", "city": "Recife", "state": "PE"}
    )
    assert done.status_code == 303
    db.session.commit()
    recife = db.session.scalar(sa.select(Unit).where(Unit.name == "Filial Recife"))
    assert (recife.company_id, recife.city, recife.state) == (demo["company"].id, "Recife", "PE")
    # São Paulo is linked to Maria: deactivated, it is no longer offered for new entities ...
    sp_unit = demo["unit_sp"]
    maria = demo["maria"]
    assert sp_unit in maria.units
    off = client.post(f"{url}/itens/{sp_unit.id}/desativar", data={"csrf_token": token}, headers=HX)
    assert "não é mais oferecida no cadastro de entidades" in off.get_data(as_text=True)
    assert (
        client.post(f"{url}/itens/{sp_unit.id}/excluir", data={"csrf_token": token}).status_code
        == 409
    )
    new_form = logged_in.get("/entidades/nova").get_data(as_text=True)
    assert "Filial Recife" in new_form and sp_unit.name not in new_form
    # ... and Maria keeps it, marked.
    registry = logged_in.get(f"/entidades/{maria.id}/cadastro").get_data(as_text=True)
    assert f"{sp_unit.name} (inativa)" in registry
    # The old ticket keeps it, marked; a new ticket of Maria is not offered it.
    ticket = demo["ticket_1"]
    assert ticket.unit_id == sp_unit.id
    screen = logged_in.get(f"/atendimentos/{ticket.code}").get_data(as_text=True)
    assert f'<option selected value="{sp_unit.id}">{sp_unit.name} (inativa)</option>' in screen
    token_att = csrf_token_from(screen)
    opened = logged_in.post(f"/entidades/{maria.id}/atendimentos", data={"csrf_token": token_att})
    draft = logged_in.get(opened.headers["Location"]).get_data(as_text=True)
    units = re.search(r'<select[^>]*id="unit_id".*?</select>', draft, re.S).group(0)
    assert "Em abertura" in draft and sp_unit.name not in units


def test_roles_the_code_uses_keep_their_code_and_stay_active(sup, db, demo):
    client, token = sup
    customer = demo["roles"]["cliente"]
    url = f"/configuracoes/papeis/itens/{customer.id}"
    renamed = client.post(
        url, data={"csrf_token": token, "name": "Cliente final", "code": "cliente"}
    )
    assert renamed.status_code == 303
    recoded = client.post(url, data={"csrf_token": token, "name": "Cliente", "code": "comprador"})
    assert recoded.status_code == 422
    assert "O código “cliente” é usado pelo sistema" in recoded.get_data(as_text=True)
    for action in ("desativar", "excluir"):
        refused = client.post(f"{url}/{action}", data={"csrf_token": token})
        assert refused.status_code == 409
        assert "não pode ser desativado nem excluído" in refused.get_data(as_text=True)
    db.session.commit()
    assert (customer.name, customer.code, customer.active) == ("Cliente final", "cliente", True)
    # The list offers neither Desativar nor Excluir for it.
    page = client.get("/configuracoes/papeis").get_data(as_text=True)
    row = re.search(rf'<li class="tree-row" id="papeis-{customer.id}">.*?</li>', page, re.S)
    assert "usado pelo sistema" in row.group(0) and "Desativar" not in row.group(0)
    # A new papel: its code unique and plain; then it may be recoded and deactivated.
    add = "/configuracoes/papeis"
    dup = client.post(add, data={"csrf_token": token, "name": "Comprador", "code": "Parceiro"})
    assert "Já existe um papel com o código “parceiro”." in dup.get_data(as_text=True)
    odd = client.post(add, data={"csrf_token": token, "name": "Comprador", "code": "com prador"})
    assert "Use só letras sem acento" in odd.get_data(as_text=True)
    assert (
        client.post(
            add, data={"csrf_token": token, "name": "Comprador", "code": "comprador"}
        ).status_code
        == 303
    )
    db.session.commit()
    buyer = db.session.scalar(
        sa.select(Role).where(Role.company_id == demo["company"].id, Role.code == "comprador")
    )
    item = f"/configuracoes/papeis/itens/{buyer.id}"
    assert (
        client.post(
            item, data={"csrf_token": token, "name": "Comprador", "code": "atacado"}
        ).status_code
        == 303
    )
    assert client.post(f"{item}/desativar", data={"csrf_token": token}).status_code == 303
    db.session.commit()
    assert (buyer.code, buyer.active) == ("atacado", False)


def test_teams_with_members_of_the_empresa(sup, db, demo):
    client, token = sup
    attendant, supervisor = demo["atendente"], demo["supervisor"]
    south_only = db.session.scalar(sa.select(User).where(User.username == "atendente.sul"))
    url = "/configuracoes/equipes"
    page = client.get(url).get_data(as_text=True)
    assert attendant.name in page
    if south_only is not None:
        assert south_only.name not in page  # only the Empresa's users are offered
        outsider = client.post(
            url, data={"csrf_token": token, "name": "Fora", "members": [str(south_only.id)]}
        )
        assert outsider.status_code == 422
        assert "Escolha apenas opções da lista." in outsider.get_data(as_text=True)
    before = catalog_version(db)
    done = client.post(
        url,
        data={
            "csrf_token": token,
            "name": "  Pós   venda ",
            "members": [str(attendant.id), str(supervisor.id)],
        },
    )
    assert done.status_code == 303
    db.session.commit()
    team = db.session.scalar(
        sa.select(Team).where(Team.company_id == demo["company"].id, Team.name == "Pós venda")
    )
    assert {u.id for u in team.members} == {attendant.id, supervisor.id}
    taken = client.post(url, data={"csrf_token": token, "name": "pos VENDA"}, headers=HX)
    assert "Já existe a equipe “pos VENDA”." in taken.get_data(as_text=True)
    # Edit: the members already chosen are selected; take one out.
    edit = client.get(f"{url}/itens/{team.id}/editar", headers=HX).get_data(as_text=True)
    assert re.search(rf'<option selected value="{attendant.id}">', edit)
    item = f"{url}/itens/{team.id}"
    saved = client.post(
        item, data={"csrf_token": token, "name": "Pós venda", "members": [str(supervisor.id)]}
    )
    assert saved.status_code == 303
    db.session.commit()
    assert [u.id for u in db.session.get(Team, team.id).members] == [supervisor.id]
    assert client.post(f"{item}/desativar", data={"csrf_token": token}).status_code == 303
    db.session.commit()
    assert db.session.get(Team, team.id).active is False
    del before


def test_products_codes_unique_and_a_cited_one_kept(sup, db, demo):
    client, token = sup
    url = "/configuracoes/produtos"
    dup = client.post(
        url, data={"csrf_token": token, "name": "Biscoito Novo", "code": "BIS-INT-200"}
    )
    assert dup.status_code == 422
    assert "Já existe um produto com o código “BIS-INT-200”." in dup.get_data(as_text=True)
    bad_ean = client.post(
        url, data={"csrf_token": token, "name": "Biscoito Novo", "code": "BIS-NOV", "ean": "12"}
    )
    assert "Use 8, 12, 13 ou 14 dígitos." in bad_ean.get_data(as_text=True)
    done = client.post(
        url,
        data={
            "csrf_token": token,
            "name": "Biscoito Novo",
            "code": "BIS-NOV",
            "ean": "789100000199",
        },
    )
    assert done.status_code == 303
    db.session.commit()
    new = db.session.scalar(sa.select(Product).where(Product.code == "BIS-NOV"))
    assert (new.company_id, new.ean) == (demo["company"].id, "789100000199")
    cited = demo["product_info"].product  # on ticket lines
    refused = client.post(f"{url}/itens/{cited.id}/excluir", data={"csrf_token": token})
    assert refused.status_code == 409
    page = client.get(url).get_data(as_text=True)
    assert f'href="/configuracoes/produtos/{cited.id}/informacoes"' in page


def test_product_information_under_a_motivo_and_its_ocorrencia(sup, logged_in, db, demo):
    client, token = sup
    product = demo["product_info"].product
    reason = demo["reasons"]["Reclamação"]
    defect = demo["occurrences"]["Reclamação/Produto com defeito"]
    other = demo["occurrences"]["Dúvida/Informação sobre produto"]
    url = f"/configuracoes/produtos/{product.id}/informacoes"
    page = client.get(url)
    assert page.status_code == 200 and demo["product_info"].description in page.get_data(
        as_text=True
    )
    # The Ocorrência select follows the Motivo.
    options = client.get(
        f"/configuracoes/produtos/ocorrencias?reason_id={reason.id}", headers=HX
    ).get_data(as_text=True)
    assert f'<option value="{defect.id}">Produto com defeito</option>' in options
    assert "Informação sobre produto" not in options
    # An Ocorrência of another Motivo is refused, as is an empty text.
    wrong = client.post(
        url,
        data={
            "csrf_token": token,
            "reason_id": str(reason.id),
            "occurrence_id": str(other.id),
            "description": "Cor do recheio",
        },
        headers=HX,
    )
    assert wrong.status_code == 422
    assert "Escolha uma ocorrência da lista." in wrong.get_data(as_text=True)
    before = catalog_version(db)
    data = {
        "csrf_token": token,
        "reason_id": str(reason.id),
        "occurrence_id": str(defect.id),
        "description": "Cor do recheio",
    }
    assert client.post(url, data=data).status_code == 303
    assert catalog_version(db) != before
    again = client.post(url, data={**data, "description": "cor do RECHEIO"})
    assert "Já existe a informação “cor do RECHEIO” neste motivo e ocorrência." in again.get_data(
        as_text=True
    )
    db.session.commit()
    info = db.session.scalar(
        sa.select(ProductInfo).where(ProductInfo.description == "Cor do recheio")
    )
    assert (info.product_id, info.reason_id, info.occurrence_id) == (
        product.id,
        reason.id,
        defect.id,
    )
    off = client.post(f"{url}/{info.id}/desativar", data={"csrf_token": token}, headers=HX)
    assert "Informação “Cor do recheio” desativada" in off.get_data(as_text=True)
    used = demo["product_info"]
    refused = client.post(f"{url}/{used.id}/excluir", data={"csrf_token": token})
    assert refused.status_code == 409
    assert client.post(f"{url}/{info.id}/excluir", data={"csrf_token": token}).status_code == 303
    # Another Empresa's product is missing.
    south = db.session.scalar(
        sa.select(Product).where(Product.company_id == demo["company_south"].id)
    )
    assert client.get(f"/configuracoes/produtos/{south.id}/informacoes").status_code == 404
    assert (
        client.post(
            f"/configuracoes/produtos/{south.id}/informacoes/{used.id}/desativar",
            data={"csrf_token": token},
        ).status_code
        == 404
    )


@pytest.fixture
def admin(app, db, demo):
    """The supervisor made administrator (in both Empresas, looking at the main one)."""
    demo["supervisor"].role = "admin"
    db.session.commit()
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login("supervisor", "supervisor123").status_code == 302
    return client, auth.csrf_token()


def test_companies_for_administrators_only(logged_in, admin, db, demo):
    client, token = admin
    assert logged_in.get("/configuracoes/empresas").status_code == 403  # supervisors too
    company, south = demo["company"], demo["company_south"]
    page = client.get("/configuracoes/empresas").get_data(as_text=True)
    assert company.name in page and south.name in page
    assert 'href="/configuracoes/empresas"' in client.get("/configuracoes").get_data(as_text=True)
    edit = client.get(f"/configuracoes/empresas/{south.id}/editar", headers=HX)
    assert f'id="editar-empresa-{south.id}-name"' in edit.get_data(as_text=True)
    url = f"/configuracoes/empresas/{south.id}"
    taken = client.post(url, data={"csrf_token": token, "name": company.name.upper()}, headers=HX)
    assert taken.status_code == 422
    assert f"Já existe a empresa “{company.name.upper()}”." in taken.get_data(as_text=True)
    bad = client.post(url, data={"csrf_token": token, "name": south.name, "document": "123"})
    assert "CNPJ inválido" in bad.get_data(as_text=True)
    done = client.post(
        url,
        data={"csrf_token": token, "name": "Filial Sul", "document": "11.222.333/0001-81"},
    )
    assert done.status_code == 303
    db.session.commit()
    assert (south.name, south.document) == ("Filial Sul", "11222333000181")
    # An Empresa the administrator does not belong to is missing.
    other = Company(name="Outra Empresa")
    db.session.add(other)
    db.session.commit()
    assert client.get(f"/configuracoes/empresas/{other.id}/editar").status_code == 404
    assert (
        client.post(
            f"/configuracoes/empresas/{other.id}", data={"csrf_token": token, "name": "X"}
        ).status_code
        == 404
    )
    db.session.commit()
    assert other.name == "Outra Empresa"
