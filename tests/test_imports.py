"""Importar CSV, entities: all rows or none, every bad row named, re-import idempotent,
Excel-BR files, the Empresa's own documents; the CLI."""

import hashlib
import io
from datetime import UTC
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa

from isocrm.entity_search import search_entities
from isocrm.imports.entities import RowError
from isocrm.imports.kinds import import_file
from isocrm.imports.reader import LATIN1_WARNING, CellError, decimal_value
from isocrm.imports.sample import HEADER, cpf, entity_file, entity_line
from isocrm.models import Entity, Invoice, Order, Product
from isocrm.models.entity import Address, EContact

import_entities = partial(import_file, "entidades")
import_products = partial(import_file, "produtos")
import_orders = partial(import_file, "pedidos")
import_invoices = partial(import_file, "notas")
TABLES = ("entities", "entity_roles", "entity_search_words", "addresses", "phones", "econtacts")


def checksum(db) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every value of the tables an import writes."""
    result = {}
    for table in TABLES:
        rows = db.session.execute(sa.text(f"SELECT * FROM {table}")).all()  # nosec B608
        digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
        result[table] = (len(rows), digest)
    return result


def digits(document: str) -> str:
    return document.replace(".", "").replace("-", "")


def count_entities(db, company_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Entity).where(Entity.company_id == company_id)
    )


def test_ten_thousand_entities_in_one_transaction(app, db, demo):
    company_id = demo["company"].id
    before = count_entities(db, company_id)
    commits = []

    def count_commit(_connection):
        commits.append(1)

    sa.event.listen(db.engine, "commit", count_commit)
    try:
        report = import_entities(db.session, company_id, entity_file(10_000).encode())
    finally:
        sa.event.remove(db.engine, "commit", count_commit)
    assert report.ok, report.errors[:3]
    assert (report.created, report.updated, report.unchanged) == (10_000, 0, 0)
    # One transaction writes every row; on PostgreSQL a second one renews the statistics.
    assert len(commits) == (2 if db.engine.dialect.name == "postgresql" else 1)
    assert count_entities(db, company_id) == before + 10_000
    # Everything the row had, and the word index the search uses.
    entity = db.session.scalar(sa.select(Entity).where(Entity.document == digits(cpf(4321))))
    assert entity.name == entity_line(4321).split(";")[2]
    assert [r.code for r in entity.roles] == ["cliente"]
    assert entity.principal_address.city == "São Paulo"
    assert entity.principal_phone.kind == "celular"
    assert entity.principal_econtact.value == "pessoa4321@example.com.br"
    found = search_entities(db.session, company_id, "4321 " + entity.name.split()[0])
    assert [e.id for e in found.items] == [entity.id]


def test_one_bad_row_imports_nothing_and_names_it(app, db, demo):
    company_id = demo["company"].id
    lines = entity_file(10_000).splitlines()
    cells = lines[5000].split(";")  # data row 5000 is line 5001 of the file
    cells[0] = "123.456.789-00"
    lines[5000] = ";".join(cells)
    before = checksum(db)
    report = import_entities(db.session, company_id, "\n".join(lines).encode())
    assert report.errors == [RowError(5001, "CPF/CNPJ", "CPF inválido: confira os 11 dígitos.")]
    assert str(report.errors[0]).startswith("linha 5001, coluna CPF/CNPJ: CPF inválido")
    assert not report.written
    assert checksum(db) == before


def test_reimport_changes_nothing_and_updates_what_changed(app, db, demo):
    company_id = demo["company"].id
    data = entity_file(300).encode()
    assert import_entities(db.session, company_id, data).created == 300
    after_first = checksum(db)
    again = import_entities(db.session, company_id, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 300)
    assert checksum(db) == after_first

    # The same file with one name and one e-mail changed updates those, in place.
    text = data.decode().replace(";Ana Silva Silva 0;", ";Zuleica Renomeada 0;")
    text = text.replace("pessoa7@example.com.br", "novo7@example.com.br")
    report = import_entities(db.session, company_id, text.encode())
    assert (report.created, report.updated, report.unchanged) == (0, 2, 298)
    renamed = db.session.scalar(sa.select(Entity).where(Entity.name == "Zuleica Renomeada 0"))
    db.session.refresh(renamed)
    assert renamed.version == 2
    assert [e.id for e in search_entities(db.session, company_id, "zuleica renomeada").items] == [
        renamed.id
    ]
    assert search_entities(db.session, company_id, "ana silva silva 0").items == []
    emails = db.session.scalars(
        sa.select(EContact.value).join(Entity).where(Entity.document == digits(cpf(7)))
    ).all()
    assert emails == ["novo7@example.com.br"]


def test_latin1_excel_file_is_read_with_a_warning(app, db, demo):
    company_id = demo["company"].id
    data = entity_file(20, newline="\r\n").encode("cp1252")
    report = import_entities(db.session, company_id, data)
    assert report.ok, report.errors
    assert report.warnings == [LATIN1_WARNING]
    assert report.delimiter == ";" and report.encoding.startswith("Latin-1")
    assert report.created == 20
    names = set(db.session.scalars(sa.select(Entity.name).where(Entity.name.like("%Conceição%"))))
    assert "Ana Conceição Silva 16" in names
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Address).where(Address.city == "São Paulo")
        )
        >= 20
    )
    # Comma decimals as Excel in Brazil writes them (prices of products and orders).
    assert str(decimal_value("1.234,56")) == "1234.56"
    assert str(decimal_value("R$ 12,5")) == "12.5"
    assert str(decimal_value("1234.56")) == "1234.56"
    with pytest.raises(CellError):
        decimal_value("12,34,5")


def test_mixed_encodings_are_refused_not_read_as_latin1(app, db, demo):
    """A UTF-8 file with one line saved in Latin-1: read whole as Latin-1, every accent
    already right would be imported as "Ã§" (the outside test updated 30 entities so).
    Refused, naming the line; nothing written."""
    company_id = demo["company"].id
    good = entity_file(30).encode()
    assert import_entities(db.session, company_id, good).created == 30
    before = checksum(db)
    mixed = good + entity_line(30).replace("Silva", "Sébastien").encode("cp1252") + b"\n"
    report = import_entities(db.session, company_id, mixed)
    assert not report.written
    assert [error.line for error in report.errors] == [32]
    assert report.errors[0].message.startswith(
        "O arquivo mistura codificações (a linha 1 tem acentos em UTF-8 e a linha 32 tem"
        " acentos em Latin-1)"
    )
    db.session.rollback()
    assert checksum(db) == before


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("CPF/CNPJ;Nome\n1;João\n".encode("utf-16"), "está em UTF-16"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "é uma planilha (.xlsx ou .ods)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "Excel antigo (.xls)"),
        (bytes(range(256)) * 4, "não é um texto"),
    ],
    ids=["utf-16", "xlsx", "xls", "binary"],
)
def test_files_that_are_not_csv_are_named(app, db, demo, content, said):
    report = import_entities(db.session, demo["company"].id, content, True)
    assert len(report.errors) == 1 and said in report.errors[0].message
    assert 'salve como "CSV UTF-8"' in report.errors[0].message


def test_utf8_with_bom_and_comma_delimiter(app, db, demo):
    data = "\ufeffNome,CPF/CNPJ,Papéis\r\nJosé d'Ávila,529.982.247-25,Cliente\r\n"
    report = import_entities(db.session, demo["company_south"].id, data.encode(), dry_run=True)
    assert report.ok, report.errors
    assert (report.encoding, report.delimiter, report.warnings) == ("UTF-8 (BOM)", ",", [])


def test_dry_run_writes_nothing(app, db, demo):
    before = checksum(db)
    report = import_entities(db.session, demo["company"].id, entity_file(50).encode(), dry_run=True)
    assert report.ok and report.created == 50 and not report.written
    assert checksum(db) == before


def test_another_empresas_documents_do_not_collide(app, db, demo):
    maria = demo["maria"]
    south = demo["company_south"]
    data = f"CPF/CNPJ;Nome;Papéis\n{maria.document};Maria do Sul;Cliente\n".encode()
    report = import_entities(db.session, south.id, data)
    assert (report.created, report.updated) == (1, 0)
    db.session.refresh(maria)
    assert maria.name != "Maria do Sul"
    twins = db.session.scalars(sa.select(Entity).where(Entity.document == maria.document)).all()
    assert sorted(e.company_id for e in twins) == sorted([maria.company_id, south.id])


def test_every_bad_row_is_reported_with_its_column(app, db, demo):
    rows = [
        "CPF/CNPJ;Tipo;Nome;Data de nascimento;Papéis;CEP;Logradouro;Cidade;UF;Telefone;E-mail",
        f"{cpf(1)};PF;Ana;;Cliente;;;;;;",  # line 2: fine
        f"{cpf(2)};PF;Bia;;Astronauta;;;;;;",  # 3: unknown role
        f"{cpf(1)};PF;Ana de novo;;;;;;;;",  # 4: duplicate document
        f"{cpf(3)};PF;;;;;;;;;",  # 5: no name
        f"{cpf(4)};PF;Caio;31/02/1990;;;;;;;",  # 6: bad date
        f"{cpf(5)};PF;Davi;;;0131;Rua A;São Paulo;XX;;",  # 7: bad CEP, bad UF
        f"{cpf(6)};PF;Eva;;;;;;;(11) 1234;eva@",  # 8: bad phone, bad e-mail
        "11.222.333/0001-81;PJ;Empresa;01/01/2000;;;;;;;",  # 9: a PJ with a birth date
        "11.222.333/0001-81;XY;Outra;;;;;;;;",  # 10: unknown kind
        ";PF;Sem documento;;;;;;;;",  # 11: no document
        f"{cpf(7)};PF;Fábio;;;;Rua B;;;;",  # 12: address without city and UF
    ]
    before = checksum(db)
    report = import_entities(db.session, demo["company"].id, "\n".join(rows).encode())
    found = [(e.line, e.column, e.message.split(":")[0].split(" (")[0]) for e in report.errors]
    assert found == [
        (3, "Papéis", "Papel desconhecido"),
        (4, "CPF/CNPJ", "CPF/CNPJ repetido"),
        (5, "Nome", "Informe o nome ou a razão social."),
        (6, "Data de nascimento", "Data inválida"),
        (7, "CEP", "CEP inválido"),
        (7, "UF", "UF inválida"),
        (8, "Telefone", "Telefone inválido"),
        (8, "E-mail", "E-mail inválido"),
        (9, "Data de nascimento", "Pessoa jurídica não tem data de nascimento."),
        (10, "Tipo", "Tipo inválido"),
        (11, "CPF/CNPJ", "Informe o CPF/CNPJ"),
        (12, "Cidade", "Informe a cidade."),
        (12, "UF", "UF inválida"),
    ]
    assert checksum(db) == before


def test_file_without_the_required_columns(app, db, demo):
    report = import_entities(db.session, demo["company"].id, b"Nome;Cidade\nAna;Recife\n")
    assert [str(e) for e in report.errors] == [
        "linha 1: Faltam colunas obrigatórias no cabeçalho: CPF/CNPJ."
    ]


def test_cli_dry_run_then_import(app, db, demo, tmp_path):
    path = tmp_path / "entidades.csv"
    path.write_bytes(entity_file(30).encode("cp1252"))
    runner = app.test_cli_runner()
    company = str(demo["company"].id)
    before = checksum(db)
    result = runner.invoke(
        args=["import", "entidades", str(path), "--company", company, "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "Simulação (--dry-run), nada gravado: 30 linhas: 30 entidades novas" in result.output
    assert "Latin-1" in result.output  # the warning, on standard error
    db.session.rollback()
    assert checksum(db) == before
    result = runner.invoke(args=["import", "entidades", str(path), "--company", company])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert checksum(db)["entities"][0] == before["entities"][0] + 30

    path.write_bytes(
        (HEADER + "\n" + entity_line(900).replace("Cliente", "Marciano") + "\n").encode()
    )
    result = runner.invoke(args=["import", "entidades", str(path), "--company", company])
    assert result.exit_code == 1
    assert "linha 2, coluna Papéis: Papel desconhecido" in result.output
    assert "nada foi importado" in result.output


# --- the upload screen ---------------------------------------------------------------------


def _supervisor_of_a(client, auth, demo):
    """The supervisor is in two Empresas: choose Empresa A, as the header's switch does."""
    assert auth.login("supervisor", "supervisor123").status_code == 302
    switch = {"company_id": demo["company"].id, "next": "/", "csrf_token": auth.csrf_token()}
    assert client.post("/empresa", data=switch).status_code == 303


def _upload(client, auth, content: bytes, name="entidades.csv"):
    data = {
        "csrf_token": auth.csrf_token(),
        "kind": "entidades",
        "file": (io.BytesIO(content), name),
    }
    return client.post("/importacao", data=data, content_type="multipart/form-data")


def test_screen_upload_preview_confirm(app, db, demo, client, auth, follow_import):
    _supervisor_of_a(client, auth, demo)
    company_id = demo["company"].id
    before = count_entities(db, company_id)
    response = _upload(client, auth, entity_file(25, newline="\r\n").encode("cp1252"))
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    token = preview_url.rsplit("/", 1)[1]
    assert len(token) == 32
    folder = Path(app.instance_path) / "imports"
    # The file, who sent it, and the check's job (its state and the lock its process holds).
    assert {p.name for p in folder.iterdir()} == {
        f"{token}{suffix}" for suffix in (".csv", ".json", ".job", ".lock")
    }

    page = follow_import(preview_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Latin-1" in html  # the warning
    assert "Ana Silva Silva 0" in html  # the first rows, as read
    assert "25 entidades novas" in html and "Confirmar importação" in html
    db.session.rollback()
    assert count_entities(db, company_id) == before  # the preview wrote nothing

    # Without the CSRF token nothing happens.
    assert client.post(f"{preview_url}/confirmar").status_code == 400
    assert count_entities(db, company_id) == before

    confirmed = client.post(f"{preview_url}/confirmar", data={"csrf_token": auth.csrf_token()})
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"] == preview_url
    done = follow_import(preview_url).get_data(as_text=True)
    assert "Importação concluída" in done and "25 entidades novas" in done
    db.session.rollback()
    assert count_entities(db, company_id) == before + 25
    # The file is gone: the same token cannot import twice; its result stays on the page
    # and in the list of the last day's files.
    assert not (folder / f"{token}.csv").exists()
    listed = client.get("/importacao").get_data(as_text=True)
    assert f'href="{preview_url}"' in listed and "Importado: 25 linhas" in listed
    # An old tab's Confirmar or Descartar after the import (outside test: Descartar said
    # "nada foi importado" and threw the result away): refused, the result stays.
    for action in ("confirmar", "descartar"):
        late = client.post(f"{preview_url}/{action}", data={"csrf_token": auth.csrf_token()})
        assert late.status_code == 303 and late.headers["Location"] == preview_url
        page = client.get(preview_url).get_data(as_text=True)
        assert "Este arquivo já foi importado" in page and "Importação concluída" in page
        assert "nada foi importado" not in page
    db.session.rollback()
    assert count_entities(db, company_id) == before + 25
    # Re-sent, nothing changes: nothing to confirm.
    url = _upload(client, auth, entity_file(25, newline="\r\n").encode("cp1252")).headers[
        "Location"
    ]
    same = follow_import(url).get_data(as_text=True)
    assert "Nada a importar: o cadastro já está igual ao arquivo" in same
    assert "Confirmar importação" not in same
    forged = client.post(f"{url}/confirmar", data={"csrf_token": auth.csrf_token()})
    assert forged.status_code == 303
    assert "Importação concluída" not in follow_import(url).get_data(as_text=True)


def test_screen_lists_every_error_and_imports_nothing(app, db, demo, client, auth, follow_import):
    _supervisor_of_a(client, auth, demo)
    lines = entity_file(40).splitlines()
    lines[10] = lines[10].replace("Cliente", "Marciano")
    lines[30] = lines[30].replace("SP;", "ZZ;")
    response = _upload(client, auth, "\n".join(lines).encode())
    preview_url = response.headers["Location"]
    page = follow_import(preview_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "2 erro(s): nada será importado" in html
    assert "<td>11</td><td>Papéis</td>" in html and "<td>31</td><td>UF</td>" in html
    assert "Confirmar importação" not in html
    before = checksum(db)
    # Confirmar is refused the same way if posted anyway.
    refused = client.post(f"{preview_url}/confirmar", data={"csrf_token": auth.csrf_token()})
    assert refused.status_code == 422
    assert "2 erro(s): nada será importado" in refused.get_data(as_text=True)
    db.session.rollback()
    assert checksum(db) == before
    discarded = client.post(f"{preview_url}/descartar", data={"csrf_token": auth.csrf_token()})
    assert discarded.status_code == 303
    assert client.get(preview_url).status_code == 404
    assert not list((Path(app.instance_path) / "imports").iterdir())
    # A progress bar left polling it (another tab): the page is reloaded once, into the
    # 404 page, not given an error message more each second.
    polled = client.get(preview_url, headers={"HX-Request": "true"})
    assert polled.status_code == 200 and polled.headers["HX-Refresh"] == "true"


def test_screen_errors_found_at_confirm_import_nothing(app, db, demo, client, auth, follow_import):
    """Confirmar checks every row again: a document registered by hand between the preview
    and Confirmar that makes a row bad is reported then, and nothing is written."""
    _supervisor_of_a(client, auth, demo)
    url = _upload(client, auth, entity_file(30).encode()).headers["Location"]
    assert follow_import(url).status_code == 200
    folder = Path(app.instance_path) / "imports"
    token = url.rsplit("/", 1)[1]
    # The file changes under the token (as if the check had passed on another version).
    csv = folder / f"{token}.csv"
    csv.write_bytes(csv.read_bytes().replace(b"Cliente", b"Marciano", 1))
    before = checksum(db)
    confirmed = client.post(f"{url}/confirmar", data={"csrf_token": auth.csrf_token()})
    assert confirmed.status_code == 303
    page = follow_import(url)
    assert page.status_code == 422
    assert "Papel desconhecido" in page.get_data(as_text=True)
    db.session.rollback()
    assert checksum(db) == before


def test_screen_refuses_no_file_and_a_file_too_big(app, db, demo, client, auth, monkeypatch):
    from isocrm.imports import forms, views

    _supervisor_of_a(client, auth, demo)
    response = client.post("/importacao", data={"csrf_token": auth.csrf_token()})
    assert response.status_code == 422
    assert "Escolha o arquivo CSV a importar." in response.get_data(as_text=True)
    monkeypatch.setattr(forms, "MAX_BYTES", 1000)
    response = _upload(client, auth, entity_file(20).encode())
    assert response.status_code == 422
    assert "Arquivo grande demais" in response.get_data(as_text=True)
    assert not (Path(app.instance_path) / "imports").exists() or not list(
        (Path(app.instance_path) / "imports").iterdir()
    )
    # Past what the server reads at all (the body is refused before the form is looked at):
    # back to the form, told the limit, not the generic "Envio grande demais" page.
    monkeypatch.setattr(views, "MAX_BYTES", 1000)
    response = _upload(client, auth, entity_file(1000).encode())  # 156 kB: over 1000 + 64 kB
    assert response.status_code == 303 and response.headers["Location"] == "/importacao"
    html = client.get("/importacao").get_data(as_text=True)
    assert "Arquivo grande demais (máximo de 0 MB)" in html


def test_screen_token_of_another_empresa_is_not_found(app, db, demo, client, auth):
    """A token of an Empresa the user is not in is not found; of another of the user's
    Empresas, it says whose it is."""
    _supervisor_of_a(client, auth, demo)
    preview_url = _upload(client, auth, entity_file(3).encode()).headers["Location"]
    south = demo["company_south"].id
    switch = {"company_id": south, "next": "/", "csrf_token": auth.csrf_token()}
    assert client.post("/empresa", data=switch).status_code == 303
    # The supervisor is in both Empresas (switched in another tab): told whose file it is,
    # with the way back, not a bare 404 (outside test); nothing of it is done from here.
    page = client.get(preview_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 409
    assert f"Este arquivo é de {demo['company'].name}" in html
    assert f'name="company_id" value="{demo["company"].id}"' in html
    token = {"csrf_token": auth.csrf_token()}
    assert client.post(f"{preview_url}/confirmar", data=token).status_code == 409
    assert client.post(f"{preview_url}/descartar", data=token).status_code == 409
    polled = client.get(preview_url, headers={"HX-Request": "true"})
    assert polled.headers["HX-Refresh"] == "true"  # the polling tab reloads into the above
    back = {
        "company_id": demo["company"].id,
        "next": preview_url,
        "csrf_token": token["csrf_token"],
    }
    assert client.post("/empresa", data=back).headers["Location"] == preview_url
    assert client.get(preview_url).status_code == 200
    assert (Path(app.instance_path) / "imports" / f"{preview_url.rsplit('/', 1)[1]}.csv").exists()
    assert client.get("/importacao/../../etc").status_code == 404


def test_attendant_gets_403_on_every_upload_route(app, db, demo, client, auth):
    assert auth.login().status_code == 302
    token = {"csrf_token": auth.csrf_token()}
    fake = "A" * 32
    assert client.get("/importacao").status_code == 403
    assert client.post("/importacao", data=token).status_code == 403
    assert client.get(f"/importacao/{fake}").status_code == 403
    assert client.post(f"/importacao/{fake}/confirmar", data=token).status_code == 403
    assert client.post(f"/importacao/{fake}/descartar", data=token).status_code == 403
    assert client.post(f"/importacao/{fake}/conferir", data=token).status_code == 403


# --- products with their informações -------------------------------------------------------

PRODUCTS_FILE = Path(__file__).parent.parent / "docs" / "importacao" / "produtos.csv"


def product_state(db, company_id: int) -> list[tuple]:
    return sorted(
        (p.code, p.name, p.ean, p.active, tuple(sorted(i.description for i in p.informations)))
        for p in db.session.scalars(sa.select(Product).where(Product.company_id == company_id))
    )


def test_products_with_informacoes_import_once(app, db, demo):
    from isocrm.catalogs import CatalogVersion

    company_id = demo["company"].id
    version = db.session.scalar(sa.select(CatalogVersion.version))
    data = PRODUCTS_FILE.read_bytes()
    before = product_state(db, company_id)
    dry = import_products(db.session, company_id, data, dry_run=True)
    assert (dry.created, dry.updated, dry.unchanged, dry.written) == (2, 0, 0, False)
    assert product_state(db, company_id) == before

    report = import_products(db.session, company_id, data)
    assert report.ok and report.written, report.errors
    assert "2 produtos novos" in report.summary()
    biscuit = db.session.scalar(sa.select(Product).where(Product.code == "BIS-200"))
    assert biscuit.ean == "7891234567895"
    assert sorted((i.reason.name, i.occurrence.name) for i in biscuit.informations) == [
        ("Dúvida", "Informação sobre produto"),
        ("Reclamação", "Produto com defeito"),
    ]
    # The attendants' cached catalogues are read again in every process.
    assert db.session.scalar(sa.select(CatalogVersion.version)) != version
    after = product_state(db, company_id)
    again = import_products(db.session, company_id, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert product_state(db, company_id) == after
    # Another Empresa has its own codes: the same file there creates its own products, or
    # refuses the Motivos it does not have.
    south = import_products(db.session, demo["company_south"].id, data, dry_run=True)
    assert south.ok or all(e.column in ("Motivo", "Ocorrência") for e in south.errors)


def test_products_bad_rows_are_named(app, db, demo):
    company_id = demo["company"].id
    rows = [
        "Código;Produto;EAN;Ativo;Motivo;Ocorrência;Informação",
        "P1;Produto um;7891234567890;Sim;;;",  # 2: bad check digit
        "P2;Produto dois;;Talvez;;;",  # 3: Ativo
        "P3;Produto três;;;Elogio;Produto com defeito;Texto",  # 4: occurrence of another motivo
        "P4;Produto quatro;;;Astrologia;X;Texto",  # 5: unknown motivo
        "P5;Produto cinco;;;;;",  # 6: fine
        "P5;Produto 5;;;;;",  # 7: same code, other name
        ";Sem código;;;;;",  # 8
    ]
    before = product_state(db, company_id)
    report = import_products(db.session, company_id, "\n".join(rows).encode())
    assert [(e.line, e.column) for e in report.errors] == [
        (2, "EAN"),
        (3, "Ativo"),
        (4, "Ocorrência"),
        (5, "Motivo"),
        (7, "Produto"),
        (8, "Código"),
    ]
    assert "não existe em Elogio" in report.errors[2].message
    assert product_state(db, company_id) == before


def test_cli_imports_products(app, db, demo):
    runner = app.test_cli_runner()
    company = str(demo["company"].id)
    result = runner.invoke(args=["import", "produtos", str(PRODUCTS_FILE), "--company", company])
    assert result.exit_code == 0, result.output
    assert "2 produtos novos" in result.output


def test_screen_imports_products(app, db, demo, client, auth, follow_import):
    _supervisor_of_a(client, auth, demo)
    data = {
        "csrf_token": auth.csrf_token(),
        "kind": "produtos",
        "file": (io.BytesIO(PRODUCTS_FILE.read_bytes()), "produtos.csv"),
    }
    response = client.post("/importacao", data=data, content_type="multipart/form-data")
    preview = follow_import(response.headers["Location"])
    assert preview.status_code == 200
    assert "2 produtos novos" in preview.get_data(as_text=True)
    token = {"csrf_token": auth.csrf_token()}
    assert client.post(response.headers["Location"] + "/confirmar", data=token).status_code == 303
    assert "2 produtos novos" in follow_import(response.headers["Location"]).get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(Product).where(Product.code == "SUC-1L")) is not None
    bad_kind = {"csrf_token": auth.csrf_token(), "kind": "faturas"}
    refused = client.post("/importacao", data=bad_kind)
    assert refused.status_code == 422
    assert "Escolha o que o arquivo traz." in refused.get_data(as_text=True)


# --- pedidos and notas fiscais ---------------------------------------------------------------

DOCS = Path(__file__).parent.parent / "docs" / "importacao"


def commerce_state(db, company_id: int) -> list[tuple]:
    orders = db.session.scalars(sa.select(Order).where(Order.company_id == company_id))
    invoices = db.session.scalars(sa.select(Invoice).where(Invoice.company_id == company_id))
    return sorted(
        [
            (o.number, o.entity_id, o.ordered_on, o.status, str(o.total))
            + tuple((i.position, i.product_id, i.description, str(i.quantity)) for i in o.items)
            for o in orders
        ]
        + [(str(i.number), i.series, i.access_key, str(i.total), i.order_id) for i in invoices]
    )


def test_orders_and_invoices_import_once(app, db, demo):
    company_id = demo["company"].id
    orders, invoices = (DOCS / "pedidos.csv").read_bytes(), (DOCS / "notas.csv").read_bytes()
    before = commerce_state(db, company_id)
    # Notas name their pedido: importing them first refuses the unknown one, nothing saved.
    early = import_invoices(db.session, company_id, invoices)
    assert [(e.line, e.column) for e in early.errors] == [(2, "Pedido")]
    assert commerce_state(db, company_id) == before

    report = import_orders(db.session, company_id, orders)
    assert report.written and (report.created, report.updated) == (2, 0), report.errors
    order = db.session.scalar(sa.select(Order).where(Order.number == "PV-90001"))
    assert order.entity_id == demo["maria"].id and order.status == "faturado"
    assert str(order.total) == "70.08"  # 12 x 4,59 + 15,00
    assert [i.description for i in order.items] == ["Biscoito Integral 200g", "Frete"]
    big = db.session.scalar(sa.select(Order).where(Order.number == "PV-90002"))
    assert str(big.total) == "3086.40"  # 2,5 x 1.234,56

    report = import_invoices(db.session, company_id, invoices)
    assert report.written and report.created == 2, report.errors
    invoice = db.session.scalar(sa.select(Invoice).where(Invoice.number == 12345))
    assert invoice.order_id == order.id and str(invoice.total) == "70.08"
    assert invoice.issued_at.astimezone(UTC).hour == 17  # 14:30 in São Paulo

    after = commerce_state(db, company_id)
    assert import_orders(db.session, company_id, orders).unchanged == 2
    assert import_invoices(db.session, company_id, invoices).unchanged == 2
    assert commerce_state(db, company_id) == after

    # A changed quantity updates that order in place, its total with it.
    changed = orders.decode().replace(";12;4,59", ";10;4,59").encode()
    report = import_orders(db.session, company_id, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    db.session.refresh(order)
    assert str(order.total) == "60.90"
    assert [str(i.quantity) for i in order.items] == ["10.000", "1.000"]


def test_orders_and_invoices_bad_rows_are_named(app, db, demo):
    company_id = demo["company"].id
    orders = "\n".join(
        [
            "Número;CPF/CNPJ;Data;Situação;Código do produto;Descrição;Quantidade;Preço unitário",
            "P1;390.533.447-05;10/11/2026;Aberto;;Item;1;1,00",  # unknown entity
            "P2;529.982.247-25;31/11/2026;Talvez;XYZ;;0;-1",  # date, status, product, qty, price
        ]
    ).encode()
    before = commerce_state(db, company_id)
    report = import_orders(db.session, company_id, orders)
    assert [(e.line, e.column) for e in report.errors] == [
        (2, "CPF/CNPJ"),
        (3, "Data"),
        (3, "Situação"),
        (3, "Código do produto"),
        (3, "Quantidade"),
        (3, "Preço unitário"),
    ]
    invoices = "\n".join(
        [
            "Número;CPF/CNPJ;Emissão;Valor total;Chave de acesso",
            "0;529.982.247-25;01/01/2026;10,00;35261101234567000199550010000123451000123450",
        ]
    ).encode()
    report = import_invoices(db.session, company_id, invoices)
    assert [(e.line, e.column) for e in report.errors] == [(2, "Número"), (2, "Chave de acesso")]
    assert commerce_state(db, company_id) == before


def test_screen_shows_progress_and_tells_a_stopped_job(app, db, demo, client, auth, follow_import):
    """While a job runs, the page shows its progress bar, polled by htmx; a job whose process
    died (the lock its process held is free) is said to have stopped, not polled forever,
    and can be checked again."""
    import fcntl
    import os

    from isocrm.imports import jobs

    _supervisor_of_a(client, auth, demo)
    url = _upload(client, auth, entity_file(30).encode()).headers["Location"]
    follow_import(url)
    token = url.rsplit("/", 1)[1]
    folder = Path(app.instance_path) / "imports"
    # A running import, 12,000 of 100,000 rows written, as its process writes it.
    lock = os.open(folder / f"{token}.lock", os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        job = jobs.Job(jobs.IMPORT, phase="Gravando", done=12_000, total=100_000)
        jobs.write_job(folder, token, job)
        page = client.get(url).get_data(as_text=True)
        assert "Importando…" in page
        assert 'max="100000" value="12000"' in page
        assert "Gravando: 12.000 de 100.000 linhas (12%)" in page
        assert 'data-hx-trigger="every 1s"' in page
        assert "Descartar arquivo" not in page  # an import that is writing is not discarded
        polled = client.get(url, headers={"HX-Request": "true"})
        body = polled.get_data(as_text=True)
        assert polled.status_code == 200 and "HX-Refresh" not in polled.headers
        assert body.lstrip().startswith('<section id="import-progress"') and "<html" not in body
        listed = client.get("/importacao").get_data(as_text=True)
        assert "Importando (12%)" in listed
        # A second Confirmar (another tab, a double click) starts nothing.
        again = client.post(f"{url}/confirmar", data={"csrf_token": auth.csrf_token()})
        assert again.status_code == 303
        assert "já está sendo conferido ou importado" in client.get(url).get_data(as_text=True)
        refused = client.post(f"{url}/descartar", data={"csrf_token": auth.csrf_token()})
        assert refused.status_code == 303 and (folder / f"{token}.csv").exists()
    finally:
        os.close(lock)  # the process "dies"
    polled = client.get(url, headers={"HX-Request": "true"})
    assert polled.headers["HX-Refresh"] == "true"
    page = client.get(url).get_data(as_text=True)
    assert "A importação parou antes do fim" in page and "Nada foi gravado" in page
    assert "Parou antes do fim: nada gravado" in client.get("/importacao").get_data(as_text=True)
    rechecked = client.post(f"{url}/conferir", data={"csrf_token": auth.csrf_token()})
    assert rechecked.status_code == 303
    assert "30 entidades novas" in follow_import(url).get_data(as_text=True)


# Flask's test client leaves the temporary file it spools a big request body to unclosed.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_screen_discard_stops_a_running_check(app, db, demo, client, auth):
    """Descartar during the check stops its process and forgets the file. (The file is
    9 MB: an upload is allowed well beyond the 2 MB of every other form.)"""
    import gc
    import time

    from isocrm.imports import jobs

    _supervisor_of_a(client, auth, demo)
    # Big enough that the check is still running when Descartar arrives.
    url = _upload(client, auth, entity_file(60_000).encode()).headers["Location"]
    token = url.rsplit("/", 1)[1]
    folder = Path(app.instance_path) / "imports"
    deadline = time.monotonic() + 30
    while (job := jobs.read_job(folder, token)).pid is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job.state == jobs.RUNNING
    discarded = client.post(f"{url}/descartar", data={"csrf_token": auth.csrf_token()})
    assert discarded.status_code == 303
    assert jobs.wait_all(folder, 10), "the check's process was not stopped"
    assert client.get(url).status_code == 404
    assert not list(folder.iterdir())
    gc.collect()  # the test client's spooled body, reported here, under the filter above


def test_check_costs_the_same_statements_for_any_number_of_rows(app, db, demo, count_queries):
    """The check (what the preview shows) reads every row without a query per row (papéis
    read once, existing documents in chunks of 900)."""
    counts = []
    for rows in (20, 800):
        with count_queries() as counter:
            report = import_entities(
                db.session, demo["company"].id, entity_file(rows).encode(), True
            )
        assert report.ok
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 12, counts


def test_sqlite_writes_after_a_save_made_during_the_check(app, db, demo):
    """An attendant saves while the file is being checked: the import still writes (its
    writes begin a transaction of their own, after the check's reads), instead of failing
    because its read snapshot went stale."""
    company_id = demo["company"].id
    saved = []

    def progress(phase, done, total):
        if phase == "Conferindo" and done == total and not saved:
            with app.app_context():
                other = db.engine.connect()
                other.execute(
                    sa.text("UPDATE entities SET notes = 'salvo' WHERE id = :id"),
                    {"id": demo["maria"].id},
                )
                other.commit()
                other.close()
            saved.append(True)

    before = count_entities(db, company_id)
    report = import_file(
        "entidades", db.session, company_id, entity_file(50).encode(), progress=progress
    )
    assert saved and report.written
    db.session.rollback()
    assert count_entities(db, company_id) == before + 50


def test_two_imports_of_one_file_at_once_never_duplicate(app, db, demo):
    """Two commands importing the same file at the same moment: each is all or nothing, so
    the entities exist once; the loser (if the two really overlapped) rolled back whole."""
    import threading

    from sqlalchemy.exc import IntegrityError, OperationalError

    company_id = demo["company"].id
    before = count_entities(db, company_id)
    db.session.commit()
    data = entity_file(2_000).encode()
    start = threading.Barrier(2)
    outcomes: list = []

    def run():
        with app.app_context():
            start.wait()
            try:
                outcomes.append(import_entities(db.session, company_id, data))
            except (IntegrityError, OperationalError) as error:
                outcomes.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    reports = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(outcomes) == 2 and reports, outcomes
    assert sum(r.created for r in reports) == 2_000
    db.session.rollback()
    assert count_entities(db, company_id) == before + 2_000
    again = import_entities(db.session, company_id, data)
    assert (again.created, again.unchanged) == (0, 2_000)


def test_preview_warns_of_sqlites_wait(app, db, demo, client, auth, follow_import, monkeypatch):
    """On SQLite the import holds the write lock while it writes: the preview says for how
    long, and that saves waiting past the busy timeout must be made again."""
    from isocrm.imports import views

    monkeypatch.setattr(views, "SQLITE_WRITTEN_PER_SECOND", 2)  # 30 rows: 15 s
    _supervisor_of_a(client, auth, demo)
    page = follow_import(_upload(client, auth, entity_file(30).encode()).headers["Location"])
    html = page.get_data(as_text=True)
    if db.engine.dialect.name == "sqlite":
        assert "por cerca de 15 s, as outras gravações do SAC esperam" in html
        assert "as que esperarem mais de 10 s recebem “Sistema ocupado”" in html
    else:  # PostgreSQL: only a save of an entity the import changes waits
        assert "as outras gravações do SAC esperam" not in html
