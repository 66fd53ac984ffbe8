"""README's "Setting up your company", as a new company does it: an empty database, the
commands, then Configurações and a first ticket through the screens, without demo data."""

import re

import sqlalchemy as sa

from bench import run
from isocrm.extensions import db as _db
from isocrm.models import Cause, Company, Entity, Occurrence, Reason, Ticket
from tests.conftest import AuthActions, _test_app, csrf_token_from

CNPJ = "11.222.333/0001-81"


def _cli(app, *args, input=None):
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def test_an_empty_database_to_a_first_ticket(tmp_path):
    app = _test_app(f"sqlite:///{tmp_path / 'nova.sqlite3'}")
    _cli(app, "init-db")
    refused = app.test_cli_runner().invoke(args=["create-company", "Doces", "--cnpj", "123"])
    assert refused.exit_code != 0 and "CNPJ inválido" in refused.output
    assert "Empresa Doces Aurora Ltda criada" in _cli(
        app, "create-company", "Doces Aurora Ltda", "--cnpj", CNPJ, "--unidade", "Matriz"
    )
    again = app.test_cli_runner().invoke(args=["create-company", "doces aurora ltda"])
    assert again.exit_code != 0 and "Já existe" in again.output
    password = "Aurora-senha-2026"
    _cli(
        app,
        "create-user",
        "maria.souza",
        "--name",
        "Maria Souza",
        "--role",
        "admin",
        "--company",
        "Doces Aurora Ltda",
        input=f"{password}\n{password}\n",
    )

    client = app.test_client()
    assert AuthActions(client).login("maria.souza", password).status_code == 302
    assert client.get("/").status_code == 200  # the painel, empty

    # Configurações › Motivos: Reclamação → Produto com defeito → Embalagem violada.
    def add(url, name):
        token = csrf_token_from(client.get("/configuracoes/motivos").get_data(as_text=True))
        response = client.post(url, data={"csrf_token": token, "name": name})
        assert response.status_code in (200, 303), response.get_data(as_text=True)[:300]

    add("/configuracoes/motivos", "Reclamação")
    with app.app_context():
        reason = _db.session.scalar(sa.select(Reason))
    add(f"/configuracoes/motivos/{reason.id}/itens", "Produto com defeito")
    with app.app_context():
        occurrence = _db.session.scalar(sa.select(Occurrence))
    add(f"/configuracoes/ocorrencias/{occurrence.id}/itens", "Embalagem violada")

    # Cadastrar nova entidade (Cliente), then Incluir and Confirmar a ticket for her.
    form = client.get("/entidades/nova?q=Joana Prado").get_data(as_text=True)
    with app.app_context():
        company = _db.session.scalar(sa.select(Company))
        client_role = next(r for r in company_roles(company.id) if r[1] == "cliente")[0]
    response = client.post(
        "/entidades/nova",
        data={
            "kind": "PF",
            "document": "390.533.447-05",
            "name": "Joana Prado",
            "roles": [str(client_role)],
            "csrf_token": csrf_token_from(form),
            "form_key": re.search(r'name="form_key" value="([^"]+)"', form)[1],
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with app.app_context():
        joana = _db.session.scalar(sa.select(Entity).where(Entity.name == "Joana Prado"))
    page = client.get(f"/entidades/{joana.id}/atendimentos").get_data(as_text=True)
    response = client.post(
        f"/entidades/{joana.id}/atendimentos", data={"csrf_token": csrf_token_from(page)}
    )
    code = int(response.headers["Location"].rsplit("/", 1)[1])
    screen = client.get(f"/atendimentos/{code}").get_data(as_text=True)
    assert "Reclamação" in screen and "Telefone" in screen  # the Motivo and a starter Canal
    form = run.screen_post(screen, direction="receptivo", description="Embalagem rasgada.")
    form.update(reason_id=str(reason.id), occurrence_id=str(occurrence.id))
    with app.app_context():
        form["cause_id"] = str(_db.session.scalar(sa.select(Cause.id)))
    response = client.post(f"/atendimentos/{code}", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    with app.app_context():
        ticket = _db.session.scalar(sa.select(Ticket).where(Ticket.code == code))
        assert ticket.stage == "confirmado" and ticket.status.name == "Aberto"
        assert ticket.cause.name == "Embalagem violada"
    # The painel lists it under Meus, and the search finds it by a word of its description.
    assert f"/atendimentos/{code}" in client.get("/").get_data(as_text=True)
    found = client.get("/busca", query_string={"q": "embalagem rasgada"}).get_data(as_text=True)
    assert f'href="/atendimentos/{code}"' in found


def company_roles(company_id: int) -> list[tuple[int, str]]:
    from isocrm.models import Role

    return [
        (r.id, r.code)
        for r in _db.session.scalars(sa.select(Role).where(Role.company_id == company_id))
    ]
