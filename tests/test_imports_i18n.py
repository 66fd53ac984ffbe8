"""Importar CSV: the reasons of a bad file (each row's and the file's own) in the language of
the user who looks at the page. The job that checks the file runs in its own process, with no
user: its report keeps each message's Portuguese template and values, and the page translates
them; a Portuguese user sees exactly the text the command line prints."""

import io
from pathlib import Path

from markupsafe import escape

from isocrm.imports import jobs
from isocrm.imports.entities import RowError
from isocrm.imports.kinds import import_file
from isocrm.imports.reader import fill
from isocrm.imports.sample import cpf
from tests.conftest import csrf_token_from

# One bad row of each kind the tester named, and one file that lacks Logradouro, Cidade and UF
# columns but has a CEP (the errors name those columns by their documented headers).
BAD_ROWS = "\n".join(
    [
        "CPF/CNPJ;Tipo;Nome;Data de nascimento;Papéis;CEP;Cidade;UF;E-mail",
        f"{cpf(1)};PF;;;;;;;",  # 2: no name
        f"{cpf(2)};XY;Bia;;;;;;",  # 3: unknown kind
        f"{cpf(3)};PF;Caio;31/02/1990;;;;;",  # 4: bad date (a shared validator's message)
        f"{cpf(4)};PF;Davi;;;0131;São Paulo;XX;",  # 5: bad CEP, bad UF
        "123.456.789-00;PF;Eva;;;;;;",  # 6: bad CPF (a shared validator's message)
        f"{cpf(5)};PF;Fábio;;Astronauta;;;;eva@",  # 7: unknown papel, bad e-mail
        f"{cpf(6)};PF;Gil;;;;;;",  # 8: fine
        f"{cpf(6)};PF;Gil de novo;;;;;;",  # 9: repeated CPF
    ]
).encode()
NO_ADDRESS_COLUMNS = f"CPF/CNPJ;Nome;CEP\n{cpf(7)};Hugo;01310-100\n".encode()
NO_DOCUMENT_COLUMN = b"Nome;Cidade\nAna;Recife\n"
OLD_TEXT = 'Tipo "Z" de um formato antigo.'  # no msgid: shown as stored
SPREADSHEET = b"PK\x03\x04\x14\x00\x06\x00" + bytes(200)

PORTUGUESE = (
    "Informe o nome ou a razão social.",
    "Tipo inválido: use PF (pessoa física) ou PJ (pessoa jurídica).",
    "Data inválida: use o formato dd/mm/aaaa",
    "CEP inválido: use 8 dígitos",
    "UF inválida: use a sigla do estado, como SP.",
    "CPF inválido: confira os 11 dígitos.",
    "Papel desconhecido",
    "E-mail inválido",
    "CPF/CNPJ repetido",
)


def _supervisor(client, auth, demo, language):
    assert auth.login("supervisor", "supervisor123").status_code == 302
    switch = {"company_id": demo["company"].id, "next": "/", "csrf_token": auth.csrf_token()}
    assert client.post("/empresa", data=switch).status_code == 303
    token = csrf_token_from(client.get("/preferencias").get_data(as_text=True))
    chosen = client.post("/preferencias", data={"language": language, "csrf_token": token})
    assert chosen.status_code == 303


def _checked(client, auth, follow_import, content: bytes, kind="entidades") -> tuple[str, str]:
    """Upload a file and wait for its check: (its page's address, the page)."""
    data = {
        "csrf_token": auth.csrf_token(),
        "kind": kind,
        "file": (io.BytesIO(content), f"{kind}.csv"),
    }
    sent = client.post("/importacao", data=data, content_type="multipart/form-data")
    assert sent.status_code == 303
    url = sent.headers["Location"]
    page = follow_import(url)
    assert page.status_code == 422, page.status_code
    return url, page.get_data(as_text=True)


def _cells(html: str, *texts: str) -> None:
    for text in texts:
        assert f"<td>{escape(text)}</td>" in html, text


def test_an_english_user_sees_the_reasons_in_english(app, db, demo, client, auth, follow_import):
    _supervisor(client, auth, demo, "en")

    _url, page = _checked(client, auth, follow_import, BAD_ROWS)
    assert "Errors" in page and ">Reason<" in page
    _cells(
        page,
        "Enter the name or the company name.",
        "Invalid type: use PF (individual) or PJ (company).",
        "Invalid date: use the format dd/mm/yyyy (year between 1900 and 2100).",
        "Invalid ZIP (CEP): use 8 digits, like 01310-100.",
        "Invalid UF: use the state's abbreviation, such as SP.",
        "Invalid CPF: check the 11 digits.",
        "Invalid e-mail: use the format name@example.com.",
        "Repeated CPF/CNPJ: it is already on line 8.",
    )
    # The values go into the English sentence; the papéis are the Empresa's own names.
    assert '<td>Unknown role: "Astronauta" (the company&#39;s roles: Cliente,' in page.replace(
        "&#34;", '"'
    )
    for portuguese in PORTUGUESE:
        assert portuguese not in page, portuguese

    # A column the file lacks is named by its documented header, as the file would have it.
    _url, page = _checked(client, auth, follow_import, NO_ADDRESS_COLUMNS)
    assert "<td>2</td><td>Logradouro</td><td>Enter the street.</td>" in page
    assert "<td>2</td><td>Cidade</td><td>Enter the city.</td>" in page
    assert "<td>2</td><td>UF</td><td>Invalid UF: use the state" in page
    assert "<td>logradouro</td>" not in page and "<td>cidade</td>" not in page

    # The file's own errors.
    _url, page = _checked(client, auth, follow_import, NO_DOCUMENT_COLUMN)
    _cells(page, "Required columns missing from the header: CPF/CNPJ.")
    assert "Faltam colunas" not in page
    _url, page = _checked(client, auth, follow_import, SPREADSHEET)
    assert "<td>The file is a spreadsheet (.xlsx or .ods), not a CSV: open it in the" in page
    assert "não um CSV" not in page

    # Products and orders too.
    products = "Código;Produto;Ativo\nP1;Um;Talvez\n;Dois;\n".encode()
    _url, page = _checked(client, auth, follow_import, products, "produtos")
    _cells(page, "Use Sim or Não.", "Enter the product code.")
    orders = "Número;CPF/CNPJ;Data;Quantidade;Preço unitário\nP1;;10/11/2026;0;-1\n".encode()
    _url, page = _checked(client, auth, follow_import, orders, "pedidos")
    _cells(
        page,
        "Enter the customer's CPF/CNPJ.",
        "The value must be greater than zero.",
        "Negative value.",
        "Enter the item's description or the product code.",
    )


def test_a_portuguese_user_sees_exactly_the_portuguese_reasons(
    app, db, demo, client, auth, follow_import
):
    """The page says what the command line says (Report.errors' texts), byte for byte."""
    _supervisor(client, auth, demo, "pt_BR")
    company_id = demo["company"].id
    for content in (BAD_ROWS, NO_ADDRESS_COLUMNS, NO_DOCUMENT_COLUMN, SPREADSHEET):
        expected = import_file("entidades", db.session, company_id, content, dry_run=True)
        db.session.rollback()
        assert expected.errors
        _url, page = _checked(client, auth, follow_import, content)
        for error in expected.errors:
            row = f"<tr><td>{error.line}</td><td>{escape(error.column)}</td>"
            assert f"{row}<td>{escape(error.message)}</td></tr>" in page, str(error)
        assert "Enter the" not in page and "Invalid" not in page
    _cells(
        page,
        "O arquivo é uma planilha (.xlsx ou .ods), não um CSV: abra-o na planilha e salve"
        ' como "CSV UTF-8" (ou "CSV separado por ponto e vírgula").',
    )


def test_the_stored_report_keeps_the_portuguese_text_with_the_template(app, db, demo):
    """The job's file keeps, per error, the text (command line, older readers) and the
    template with its values (the screen); read back, they are the same error."""
    report = import_file("entidades", db.session, demo["company"].id, BAD_ROWS, dry_run=True)
    db.session.rollback()
    again = jobs.report_from_json(jobs.report_to_json(report))
    assert again.errors == report.errors
    repeated = next(e for e in again.errors if e.message.startswith("CPF/CNPJ repetido"))
    assert repeated.message == "CPF/CNPJ repetido: já está na linha 8."
    assert repeated.template == "CPF/CNPJ repetido: já está na linha %(line)s."
    assert repeated.values == {"line": 8}
    shared = next(e for e in again.errors if e.message.startswith("CPF inválido"))
    assert shared.template == shared.message and shared.values == {}
    # An Empresa with no papéis is said so, in the same words as before.
    nobody = RowError.of(
        2, "Papéis", 'Papel desconhecido: "%(role)s" (papéis da Empresa: nenhum).', {"role": "X"}
    )
    assert nobody.message == 'Papel desconhecido: "X" (papéis da Empresa: nenhum).'
    assert fill("Informe a cidade.", {}) == "Informe a cidade."


def test_an_older_report_with_texts_only_still_shows(app, db, demo, client, auth, follow_import):
    """A report written before the templates were kept (errors with a text alone) is shown
    with its text; a text that is a msgid as it is is translated for an English user."""
    _supervisor(client, auth, demo, "en")
    url, _page = _checked(client, auth, follow_import, NO_DOCUMENT_COLUMN)
    token = url.rsplit("/", 1)[1]
    old = {
        "kind": "entidades",
        "rows": 2,
        "errors": [
            {"line": 2, "column": "cidade", "message": "Informe a cidade."},
            {"line": 3, "column": "Tipo", "message": OLD_TEXT},
        ],
        "error_count": 2,
    }
    folder = Path(app.instance_path) / "imports"
    jobs.write_job(folder, token, jobs.Job(jobs.CHECK, state=jobs.DONE, report=old))

    page = client.get(url)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "2 error(s): nothing will be imported" in html
    assert "<td>2</td><td>cidade</td><td>Enter the city.</td>" in html
    assert f"<td>3</td><td>Tipo</td><td>{escape(OLD_TEXT)}</td>" in html

    token_pt = csrf_token_from(client.get("/preferencias").get_data(as_text=True))
    client.post("/preferencias", data={"language": "pt_BR", "csrf_token": token_pt})
    html = client.get(url).get_data(as_text=True)
    assert "<td>2</td><td>cidade</td><td>Informe a cidade.</td>" in html
    assert f"<td>{escape(OLD_TEXT)}</td>" in html


def test_a_translation_that_does_not_fit_its_values_falls_back_to_the_text(app):
    from flask_babel import force_locale

    from isocrm.imports.views import import_error

    error = RowError.of(4, "CPF/CNPJ", "CPF/CNPJ repetido: já está na linha %(line)s.", {"line": 2})
    broken = RowError(4, "CPF/CNPJ", error.message, error.template, {"other": 2})
    empty = RowError(1, "", "")
    with app.test_request_context():
        assert import_error(error) == "CPF/CNPJ repetido: já está na linha 2."
        assert import_error(empty) == ""
        with force_locale("en"):
            assert import_error(error) == "Repeated CPF/CNPJ: it is already on line 2."
            assert import_error(broken) == error.message
