"""Configurações: the index of sections and the Motivo → Ocorrência → Causa tree, action by
action, on the real database; what the attendants' selects then offer."""

import re

import pytest
import sqlalchemy as sa

from isocrm.models import Cause, Occurrence, Reason
from tests.conftest import AuthActions
from tests.factories import catalog_version

HX = {"HX-Request": "true"}


def _reason(db, demo, name):
    db.session.commit()
    return db.session.scalar(
        sa.select(Reason).where(Reason.company_id == demo["company"].id, Reason.name == name)
    )


def _south_cause(db, demo) -> Cause:
    return db.session.scalar(
        sa.select(Cause)
        .join(Occurrence)
        .join(Reason)
        .where(Reason.company_id == demo["company_south"].id)
    )


def _names_in_order(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=html.index)


def test_index_links_every_section(sup):
    client, _ = sup
    html = client.get("/configuracoes").get_data(as_text=True)
    sections = ("/configuracoes/motivos", "/configuracoes/email", "/prazos/configuracao")
    assert all(f'href="{href}"' in html for href in (*sections, "/lotes/limites"))
    # Supervisors manage the atendentes: Usuários is theirs too, described as such.
    assert 'href="/usuarios"' in html
    assert "Os atendentes da Empresa" in html
    # The menu offers Configurações to supervisors, not to attendants.
    assert 'href="/configuracoes"' in html


def test_menu_hides_configuracoes_from_attendants(logged_in):
    html = logged_in.get("/").get_data(as_text=True)
    assert 'href="/configuracoes"' not in html
    assert logged_in.get("/configuracoes").status_code == 403


def test_tree_shows_every_level_with_sla_link(sup, demo):
    client, _ = sup
    response = client.get("/configuracoes/motivos")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    reason = demo["reasons"]["Reclamação"]
    assert f'href="/prazos/configuracao#motivo-{reason.id}"' in html
    assert "Produto com defeito" in html and "Embalagem violada" in html
    # Only the current Empresa's catalogue: the South's own cause is not there.
    assert "Mofo" not in html
    # The htmx request gets the tree alone.
    partial = client.get("/configuracoes/motivos", headers=HX)
    assert partial.get_data(as_text=True).lstrip().startswith('<section id="catalog-tree"')
    assert "HX-Request" in partial.headers["Vary"]


def test_build_a_chain_and_the_selects_offer_it(sup, logged_in, db, demo):
    client, token = sup
    before = catalog_version(db)
    response = client.post(
        "/configuracoes/motivos", data={"csrf_token": token, "name": " Solicitação "}
    )
    assert response.status_code == 303
    reason = _reason(db, demo, "Solicitação")  # stripped
    assert catalog_version(db) != before  # every process reads the catalogue again
    url = f"/configuracoes/motivos/{reason.id}/itens"
    response = client.post(url, data={"csrf_token": token, "name": "Segunda via"}, headers=HX)
    assert response.status_code == 200
    assert "Ocorrência “Segunda via” incluída." in response.get_data(as_text=True)
    db.session.commit()
    occurrence = db.session.scalar(sa.select(Occurrence).where(Occurrence.reason_id == reason.id))
    url = f"/configuracoes/ocorrencias/{occurrence.id}/itens"
    assert client.post(url, data={"csrf_token": token, "name": "Boleto"}).status_code == 303
    db.session.commit()
    cause = db.session.scalar(sa.select(Cause).where(Cause.occurrence_id == occurrence.id))
    assert cause.name == "Boleto" and cause.active
    # The attendant's selects offer the new chain at once (new motivo at the end).
    options = logged_in.get(f"/atendimentos/opcoes/ocorrencias?reason_id={reason.id}")
    assert "Segunda via" in options.get_data(as_text=True)
    query = f"reason_id={reason.id}&occurrence_id={occurrence.id}"
    options = logged_in.get(f"/atendimentos/opcoes/causas?{query}")
    assert f'<option value="{cause.id}">Boleto</option>' in options.get_data(as_text=True)
    # Nothing goes below a Causa.
    url = f"/configuracoes/causas/{cause.id}/itens"
    assert client.post(url, data={"csrf_token": token, "name": "X"}).status_code == 404


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Digite o nome."),
        ("   ", "Digite o nome."),
        ("x" * 81, "Use no máximo 80 caracteres."),
        ("reclamacao", "Já existe o motivo “reclamacao”."),  # accents and case aside
        ("RECLAMAÇÃO", "Já existe o motivo “RECLAMAÇÃO”."),
    ],
)
def test_bad_motivo_name_is_refused_beside_the_field(sup, db, demo, typed, message):
    client, token = sup
    before = catalog_version(db)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Reason))
    response = client.post(
        "/configuracoes/motivos", data={"csrf_token": token, "name": typed}, headers=HX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    # Beside the field, which keeps what was typed.
    field = re.search(r'<input type="text" id="novo-motivos"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and f'value="{typed}"' in field
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Reason)) == count
    assert catalog_version(db) == before


def test_duplicate_names_are_per_parent(sup, db, demo):
    client, token = sup
    defect = demo["occurrences"]["Reclamação/Produto com defeito"]
    url = f"/configuracoes/ocorrencias/{defect.id}/itens"
    response = client.post(url, data={"csrf_token": token, "name": "embalagem VIOLADA"})
    assert response.status_code == 422
    assert "Já existe a causa “embalagem VIOLADA” nesta ocorrência." in response.get_data(
        as_text=True
    )
    # The same name under another Ocorrência is fine.
    delay = demo["occurrences"]["Reclamação/Atraso na entrega"]
    url = f"/configuracoes/ocorrencias/{delay.id}/itens"
    assert (
        client.post(url, data={"csrf_token": token, "name": "Embalagem violada"}).status_code == 303
    )


def test_rename_inline(sup, db, demo):
    client, token = sup
    cause = demo["causes"]["Reclamação/Produto com defeito/Sabor alterado"]
    edit = client.get(f"/configuracoes/causas/{cause.id}/editar", headers=HX)
    html = edit.get_data(as_text=True)
    assert edit.status_code == 200
    assert f'id="nome-causas-{cause.id}"' in html and 'value="Sabor alterado"' in html
    assert client.get(f"/configuracoes/causas/{cause.id}/editar").status_code == 200  # full page
    url = f"/configuracoes/causas/{cause.id}"
    taken = client.post(url, data={"csrf_token": token, "name": "Produto Vencido"}, headers=HX)
    html = taken.get_data(as_text=True)
    assert taken.status_code == 422
    assert "Já existe a causa “Produto Vencido” nesta ocorrência." in html
    assert 'value="Produto Vencido"' in html  # the field keeps what was typed
    before = catalog_version(db)
    done = client.post(
        url, data={"csrf_token": token, "name": "Sabor ou odor alterado"}, headers=HX
    )
    assert done.status_code == 200
    assert "Causa “Sabor alterado” agora se chama “Sabor ou odor alterado”." in done.get_data(
        as_text=True
    )
    db.session.commit()
    assert cause.name == "Sabor ou odor alterado"
    assert catalog_version(db) != before
    # Renaming to its own name in other case is allowed (the same entry).
    same = client.post(url, data={"csrf_token": token, "name": "SABOR OU ODOR ALTERADO"})
    assert same.status_code == 303


def test_reorder_moves_the_attendants_options(sup, logged_in, db, demo):
    client, token = sup
    defect = demo["occurrences"]["Reclamação/Produto com defeito"]
    reason = demo["reasons"]["Reclamação"]
    strange = demo["causes"]["Reclamação/Produto com defeito/Corpo estranho"]
    names = ["Corpo estranho", "Embalagem violada", "Produto vencido", "Sabor alterado"]
    query = f"reason_id={reason.id}&occurrence_id={defect.id}"

    def offered():
        html = logged_in.get(f"/atendimentos/opcoes/causas?{query}").get_data(as_text=True)
        return _names_in_order(html, names)

    assert offered() == names  # alphabetical while nobody moved any
    before = catalog_version(db)
    down = f"/configuracoes/causas/{strange.id}/descer"
    assert client.post(down, data={"csrf_token": token}).status_code == 303
    assert client.post(down, data={"csrf_token": token}, headers=HX).status_code == 200
    assert catalog_version(db) != before
    assert offered() == ["Embalagem violada", "Produto vencido", "Corpo estranho", "Sabor alterado"]
    up = f"/configuracoes/causas/{strange.id}/subir"
    assert client.post(up, data={"csrf_token": token}).status_code == 303
    assert offered() == ["Embalagem violada", "Corpo estranho", "Produto vencido", "Sabor alterado"]
    # The tree shows the same order.
    tree = client.get("/configuracoes/motivos").get_data(as_text=True)
    tree = tree[tree.index('id="catalog-tree"') :]  # not the flash message above it
    assert _names_in_order(tree, names) == offered()
    # At the top, subir changes nothing and says so.
    first = demo["causes"]["Reclamação/Produto com defeito/Embalagem violada"]
    stay = client.post(
        f"/configuracoes/causas/{first.id}/subir", data={"csrf_token": token}, headers=HX
    )
    assert "já é o primeiro da lista" in stay.get_data(as_text=True)
    # Motivos move too, and the ticket screen's Motivo select follows.
    doubt = demo["reasons"]["Dúvida"]
    assert client.post(f"/configuracoes/motivos/{reason.id}/subir", data={"csrf_token": token})
    db.session.commit()
    positions = dict(
        db.session.execute(
            sa.select(Reason.name, Reason.position).where(Reason.company_id == demo["company"].id)
        ).all()
    )
    assert positions["Dúvida"] < positions["Reclamação"] < positions["Elogio"]
    assert doubt.id != reason.id


def test_deactivated_cause_leaves_new_tickets_but_stays_on_old_ones(sup, logged_in, db, demo):
    client, token = sup
    ticket = demo["ticket_1"]
    cause = ticket.cause
    assert cause is not None
    query = f"reason_id={ticket.reason_id}&occurrence_id={ticket.occurrence_id}"
    options = logged_in.get(f"/atendimentos/opcoes/causas?{query}").get_data(as_text=True)
    assert f">{cause.name}</option>" in options
    before = catalog_version(db)
    response = client.post(
        f"/configuracoes/causas/{cause.id}/desativar", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert catalog_version(db) != before
    db.session.commit()
    assert cause.active is False
    # Greyed with its mark on the tree, offering Reativar, not Excluir (it is used).
    tree = client.get("/configuracoes/motivos").get_data(as_text=True)
    row = re.search(rf'<div class="tree-row inactive" id="causas-{cause.id}">.*?</div>', tree, re.S)
    assert row and "inativa" in row.group(0) and "Reativar" in row.group(0)
    assert "Excluir" not in row.group(0)
    # A new ticket is not offered it ...
    options = logged_in.get(f"/atendimentos/opcoes/causas?{query}").get_data(as_text=True)
    assert cause.name not in options
    # ... the old ticket still shows it, marked.
    screen = logged_in.get(f"/atendimentos/{ticket.code}").get_data(as_text=True)
    assert re.search(
        rf"<option selected value=\"{cause.id}\">{cause.name} \(inativa\)</option>", screen
    )
    # Reativar offers it again.
    response = client.post(f"/configuracoes/causas/{cause.id}/reativar", data={"csrf_token": token})
    assert response.status_code == 303
    options = logged_in.get(f"/atendimentos/opcoes/causas?{query}").get_data(as_text=True)
    assert f">{cause.name}</option>" in options


def test_a_used_item_is_never_deleted_an_unused_one_may_be(sup, db, demo):
    client, token = sup
    ticket = demo["ticket_1"]
    cause_id, reason_id = ticket.cause_id, ticket.reason_id
    response = client.post(f"/configuracoes/causas/{cause_id}/excluir", data={"csrf_token": token})
    assert response.status_code == 409
    assert "desative-o em vez de excluir" in response.get_data(as_text=True)
    # A Motivo with Ocorrências below it is kept too.
    response = client.post(
        f"/configuracoes/motivos/{reason_id}/excluir", data={"csrf_token": token}
    )
    assert response.status_code == 409
    db.session.commit()
    assert db.session.get(Cause, cause_id) is not None
    assert db.session.get(Reason, reason_id) is not None
    # A typo just added is deleted.
    assert client.post("/configuracoes/motivos", data={"csrf_token": token, "name": "Elgio"})
    typo = _reason(db, demo, "Elgio")
    tree = client.get("/configuracoes/motivos").get_data(as_text=True)
    assert f'formaction="/configuracoes/motivos/{typo.id}/excluir"' in tree
    before = catalog_version(db)
    response = client.post(
        f"/configuracoes/motivos/{typo.id}/excluir", data={"csrf_token": token}, headers=HX
    )
    assert response.status_code == 200
    assert "Motivo “Elgio” excluído." in response.get_data(as_text=True)
    assert _reason(db, demo, "Elgio") is None
    assert catalog_version(db) != before


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("GET", "editar"),
        ("POST", ""),
        ("POST", "subir"),
        ("POST", "descer"),
        ("POST", "desativar"),
        ("POST", "reativar"),
        ("POST", "excluir"),
        ("POST", "itens"),
    ],
)
def test_another_empresas_entries_are_missing(sup, db, demo, method, action):
    """Ids of the other Empresa (where the supervisor also works) are 404 from this one."""
    client, token = sup
    cause = _south_cause(db, demo)
    occurrence = cause.occurrence
    before = (cause.name, cause.position, cause.active, catalog_version(db))
    targets = [("ocorrencias", occurrence.id), ("motivos", occurrence.reason_id)]
    if action != "itens":
        targets.append(("causas", cause.id))
    for level, item_id in targets:
        url = f"/configuracoes/{level}/{item_id}" + (f"/{action}" if action else "")
        response = client.open(url, method=method, data={"csrf_token": token, "name": "Novo"})
        assert response.status_code == 404, url
    db.session.expire_all()
    cause = db.session.get(Cause, cause.id)
    assert (cause.name, cause.position, cause.active, catalog_version(db)) == before
    # An unknown level is missing too.
    assert client.get(f"/configuracoes/email/{cause.id}/editar").status_code == 404


def test_tree_reads_a_fixed_number_of_queries(sup, db, demo, count_queries):
    client, token = sup
    client.get("/configuracoes/motivos")
    with count_queries() as small:
        assert client.get("/configuracoes/motivos").status_code == 200
    reason = demo["reasons"]["Dúvida"]
    for n in range(6):
        occurrence = Occurrence(reason_id=reason.id, name=f"Nova {n}")
        occurrence.causes = [Cause(name=f"Causa {n}.{c}") for c in range(3)]
        db.session.add(occurrence)
    db.session.commit()
    with count_queries() as big:
        assert client.get("/configuracoes/motivos").status_code == 200
    assert big.count == small.count, big.statements


def _settings_routes(app) -> list[tuple[str, str]]:
    return sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("settings.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def _blueprint_routes() -> list[tuple[str, str]]:
    """Every route of the settings blueprint, read from a bare app at collection time."""
    from flask import Flask

    from isocrm.settings import bp

    probe = Flask(__name__)
    probe.register_blueprint(bp)
    return _settings_routes(probe)


SETTINGS_ROUTES = _blueprint_routes()


def test_the_parametrized_routes_are_the_apps(app):
    assert _settings_routes(app) == SETTINGS_ROUTES
    assert len(SETTINGS_ROUTES) >= 11


@pytest.mark.parametrize(
    ("method", "rule"), SETTINGS_ROUTES, ids=[" ".join(r) for r in SETTINGS_ROUTES]
)
def test_attendant_gets_403_on_every_settings_route(logged_in, db, demo, method, rule):
    """Every route of the blueprint (new ones included) refuses the atendente, as a page and
    as htmx, and changes nothing."""
    token = AuthActions(logged_in).csrf_token()
    cause = demo["causes"]["Reclamação/Produto com defeito/Sabor alterado"]
    before = catalog_version(db)
    info = demo["product_info"]
    url = (
        rule.replace("<level>", "causas")
        .replace("<list:kind>", "canais")
        .replace("<int:item_id>", str(cause.id))
        .replace("<int:product_id>", str(info.product_id))
        .replace("<int:info_id>", str(info.id))
        .replace("<int:company_id>", str(demo["company"].id))
        .replace("<int:answer_id>", str(demo["ready_answers"][0].id))
    )
    assert "<" not in url, rule
    for headers in ({}, {**HX, "X-CSRFToken": token}):
        response = logged_in.open(
            url, method=method, data={"csrf_token": token, "name": "Xyz"}, headers=headers
        )
        assert response.status_code == 403, (method, url, response.status_code)
        assert re.search(
            "reservada a (supervisores|administradores)", response.get_data(as_text=True)
        )
    assert catalog_version(db) == before
