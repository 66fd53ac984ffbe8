"""Anexos: what the bytes are (sniffed), where they are kept (instance folder, a real
S3-compatible server), and the screens that upload, list, serve and e-mail them."""

import io
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from isocrm import attachment_store as store
from isocrm.attachment_store import AttachmentRefused, read_attachment, sniff, store_attachment
from isocrm.models import Attachment, OutboxMessage, Ticket, TicketDetail
from tests.conftest import csrf_token_from, login_client
from tests.factories import add_details, create_ticket, fresh, include, south_ticket, ticket_by_code
from tests.sample_files import GIF_1PX, JPEG_HEAD, PDF_SMALL, PNG_1PX, WEBP_HEAD
from tests.smtp import free_port

# --- Real files, built to their formats (more in tests/sample_files.py) ------------------


def ooxml(main_part: str, content_types: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            content_types
            or '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"/>',
        )
        package.writestr(main_part, "<x/>")
    return buffer.getvalue()


def odf(mimetype: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        package.writestr("content.xml", "<x/>")
    return buffer.getvalue()


def ole2(*streams: str) -> bytes:
    """A compound file (MS-CFB, version 3): header, one FAT sector, one directory sector
    with the root entry and the named streams (empty)."""
    header = bytearray(512)
    header[0:8] = store.OLE2_MAGIC
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)  # minor, major, order, 2^9
    struct.pack_into("<H", header, 32, 6)  # mini sector shift
    struct.pack_into("<I", header, 44, 1)  # one FAT sector
    struct.pack_into("<I", header, 48, 1)  # directory starts at sector 1
    struct.pack_into("<I", header, 56, 4096)
    struct.pack_into("<I", header, 60, 0xFFFFFFFE)
    struct.pack_into("<I", header, 68, 0xFFFFFFFE)
    struct.pack_into("<I", header, 76, 0)  # DIFAT[0]: the FAT is sector 0
    for i in range(1, 109):
        struct.pack_into("<I", header, 76 + 4 * i, 0xFFFFFFFF)
    fat = bytearray(b"\xff" * 512)
    struct.pack_into("<II", fat, 0, 0xFFFFFFFD, 0xFFFFFFFE)
    directory = bytearray(512)
    for index, (name, kind) in enumerate([("Root Entry", 5)] + [(s, 2) for s in streams][:3]):
        entry = index * 128
        encoded = name.encode("utf-16-le")
        directory[entry : entry + len(encoded)] = encoded
        struct.pack_into("<HB", directory, entry + 64, len(encoded) + 2, kind)
        struct.pack_into("<III", directory, entry + 68, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    return bytes(header + fat + directory)


# --- sniff --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG_1PX, "image/png"),
        (JPEG_HEAD, "image/jpeg"),
        (GIF_1PX, "image/gif"),
        (WEBP_HEAD, "image/webp"),
        (PDF_SMALL, "application/pdf"),
        (ooxml("word/document.xml"), store.DOCX),
        (ooxml("xl/workbook.xml"), store.XLSX),
        (ooxml("ppt/presentation.xml"), store.PPTX),
        (odf("application/vnd.oasis.opendocument.text"), store.ODT),
        (odf("application/vnd.oasis.opendocument.spreadsheet"), store.ODS),
        (ole2("WordDocument", "1Table"), store.DOC),
        (ole2("Workbook"), store.XLS),
        ("Nota fiscal nº 123 — São Paulo\n".encode(), "text/plain"),
        ("Produto;Lote\nBiscoito;L1\n".encode("cp1252"), "text/plain"),
    ],
)
def test_sniff_accepts_what_the_bytes_are(data, expected):
    assert sniff(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"<!DOCTYPE html><html><body>oi</body></html>",
        b"  <script>alert(1)</script>",
        b"\xef\xbb\xbf<?xml version='1.0'?><svg/>",
        b"#!/bin/sh\nrm -rf /\n",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",  # a Windows executable
        b"\x7fELF\x02\x01\x01\x00",
        b"PK\x03\x04 not really a zip",
        ooxml(
            "word/document.xml",
            '<Types><Default ContentType="application/vnd.ms-word.document.macroEnabled'
            '.main+xml"/></Types>',
        ),
        odf("application/x-executable"),
        ole2("WordDocument", "Macros"),
        ole2("PowerPoint Document"),
        b"",
    ],
)
def test_sniff_refuses_markup_scripts_executables_and_macros(data):
    assert sniff(data) is None


@pytest.mark.parametrize(
    ("given", "kind", "kept"),
    [
        ("foto.JPG", "image/jpeg", "foto.JPG"),
        ("C:\\Users\\ana\\nota.pdf", "application/pdf", "nota.pdf"),
        ("../../etc/passwd", "text/plain", "passwd.txt"),
        ("virus.exe", "image/png", "virus.exe.png"),
        ('a<b>"c|d.pdf', "application/pdf", "a_b__c_d.pdf"),
        ("", "application/pdf", "arquivo.pdf"),
        ("x" * 300 + ".pdf", "application/pdf", "x" * 196 + ".pdf"),
    ],
)
def test_kept_names_lose_folders_and_end_with_their_type(app, given, kind, kept):
    with app.test_request_context():
        assert store.clean_filename(given, kind) == kept


# --- store_attachment / read_attachment ---------------------------------------------------


def _a_detail(db, demo) -> TicketDetail:
    ticket = south_ticket(db, demo, 9001)
    add_details(db, demo, ticket, 1, lines=0)
    return db.session.scalars(
        sa.select(TicketDetail).where(TicketDetail.ticket_id == ticket.id)
    ).one()


def test_a_file_is_kept_under_the_instance_folder_once_per_content(app, db, demo):
    detail = _a_detail(db, demo)
    with app.test_request_context():
        first = store_attachment(detail, "embalagem.png", PNG_1PX, user_id=demo["supervisor"].id)
        again = store_attachment(detail, "de novo.png", PNG_1PX, user_id=None)
        db.session.commit()
        assert first.content_type == "image/png" and first.size == len(PNG_1PX)
        assert first.company_id == demo["company_south"].id
        assert first.ticket_id == detail.ticket_id and again.uploaded_by_id is None
        assert first.storage_key == again.storage_key
        kept = list((Path(app.instance_path) / "attachments").rglob("*"))
        assert [p.name for p in kept if p.is_file()] == [first.sha256]
        assert read_attachment(again) == PNG_1PX


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"", "vazio.pdf", "está vazio"),
        (b"<html><script>x</script></html>", "pagina.pdf", "não é de um tipo aceito"),
        (PDF_SMALL + b"0" * 2000, "grande.pdf", "passa do tamanho aceito"),
    ],
)
def test_refused_files_say_why_and_add_nothing(app, db, demo, data, name, says):
    detail = _a_detail(db, demo)
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    with app.test_request_context(), pytest.raises(AttachmentRefused) as refused:
        store_attachment(detail, name, data, user_id=None)
    assert says in refused.value.message and name in refused.value.message
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3-compatible server, a process of its own on 127.0.0.1."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import socket

    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)


def test_a_file_is_kept_in_an_s3_compatible_store_when_configured(app, db, demo, s3_server):
    import boto3

    settings = {
        "ATTACHMENTS_S3_BUCKET": "anexos",
        "ATTACHMENTS_S3_ENDPOINT_URL": s3_server,
        "ATTACHMENTS_S3_REGION": "us-east-1",
        "ATTACHMENTS_S3_ACCESS_KEY_ID": "teste",
        "ATTACHMENTS_S3_SECRET_ACCESS_KEY": "segredo",
    }
    app.config.update(settings)
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="teste",
        aws_secret_access_key="segredo",
    )
    s3.create_bucket(Bucket="anexos")
    detail = _a_detail(db, demo)
    with app.test_request_context():
        kept = store_attachment(detail, "nota.pdf", PDF_SMALL, user_id=None)
        db.session.commit()
        stored = s3.get_object(Bucket="anexos", Key="attachments/" + kept.storage_key)
        assert stored["Body"].read() == PDF_SMALL
        assert read_attachment(kept) == PDF_SMALL
    assert not (Path(app.instance_path) / "attachments").exists()


# --- The ticket screen: upload, list, download ----------------------------------------------

HX = {"HX-Request": "true"}


def _ticket_with_detail(client, demo, db):
    """Maria's confirmed ticket (code, its first detail's id), made as an attendant does."""
    assert create_ticket(client, demo).status_code == 303
    code = db.session.scalar(
        sa.select(sa.func.max(Ticket.code)).where(Ticket.company_id == demo["company"].id)
    )
    ticket = ticket_by_code(db, code)
    return code, ticket.details[0].id


def _upload(client, code, detail_id, files, headers=None, token=None):
    page = client.get(f"/atendimentos/{code}").get_data(as_text=True)
    data = {
        "csrf_token": token if token is not None else csrf_token_from(page),
        "files": [(io.BytesIO(content), name) for name, content in files],
    }
    return client.post(
        f"/atendimentos/{code}/detalhes/{detail_id}/anexos",
        data=data,
        content_type="multipart/form-data",
        headers=headers or {},
    )


def _kept(db, detail_id=None):
    fresh(db)
    query = sa.select(Attachment).order_by(Attachment.id)
    if detail_id is not None:
        query = query.where(Attachment.detail_id == detail_id)
    return db.session.scalars(query).all()


def test_a_plain_form_upload_goes_back_to_the_detail_with_the_files_listed(logged_in, demo, db):
    code, detail_id = _ticket_with_detail(logged_in, demo, db)
    response = _upload(
        logged_in, code, detail_id, [("embalagem.png", PNG_1PX), ("nota fiscal.pdf", PDF_SMALL)]
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/atendimentos/{code}?detalhe=1")
    kept = _kept(db, detail_id)
    assert [(a.filename, a.content_type) for a in kept] == [
        ("embalagem.png", "image/png"),
        ("nota fiscal.pdf", "application/pdf"),
    ]
    assert kept[0].uploaded_by_id == demo["atendente"].id
    screen = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 arquivos anexados." in screen
    assert f'src="/anexos/{kept[0].id}/miniatura"' in screen
    assert f'href="/anexos/{kept[1].id}"' in screen and "nota fiscal.pdf" in screen
    assert f"/anexos/{kept[1].id}/miniatura" not in screen  # a PDF has no thumbnail


def test_an_htmx_upload_answers_the_details_attachments_alone(logged_in, demo, db):
    code, detail_id = _ticket_with_detail(logged_in, demo, db)
    response = _upload(logged_in, code, detail_id, [("planilha.csv", b"a;b\n1;2\n")], HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert f'id="attachments-{detail_id}"' in body and "planilha.csv" in body
    assert "1 arquivo anexado." in body
    assert [a.content_type for a in _kept(db)] == ["text/csv"]


def test_one_refused_file_refuses_the_batch_with_its_name_by_the_field(logged_in, demo, db):
    code, detail_id = _ticket_with_detail(logged_in, demo, db)
    files = [("foto.png", PNG_1PX), ("pagina.pdf", b"<html><script>alert(1)</script></html>")]
    response = _upload(logged_in, code, detail_id, files, HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nenhum arquivo foi anexado." in body and "pagina.pdf" in body
    errors_id = f"attachment-files-{detail_id}-errors"
    assert f'<div role="alert"><ul class="field-errors" id="{errors_id}">' in body
    assert f'aria-describedby="attachment-hint-{detail_id} {errors_id}"' in body
    assert _kept(db) == []

    # Without JavaScript: back to the screen, the message by the file field (not at the top).
    response = _upload(logged_in, code, detail_id, files)
    assert response.status_code == 303 and _kept(db) == []
    screen = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    field = screen[screen.index(f'id="attachments-{detail_id}"') :]
    assert "pagina.pdf" in field[: field.index("</section>")]
    assert screen.count("não é de um tipo aceito") == 1


def test_an_upload_without_the_csrf_token_is_refused(logged_in, demo, db):
    code, detail_id = _ticket_with_detail(logged_in, demo, db)
    response = _upload(logged_in, code, detail_id, [("foto.png", PNG_1PX)], token="")
    assert response.status_code == 400
    assert _kept(db) == []


def test_too_big_a_file_or_request_says_the_limits(app, logged_in, demo, db):
    code, detail_id = _ticket_with_detail(logged_in, demo, db)
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    big_pdf = PDF_SMALL + b"0" * 1500
    response = _upload(logged_in, code, detail_id, [("grande.pdf", big_pdf)], HX)
    assert response.status_code == 422
    assert "passa do tamanho aceito" in response.get_data(as_text=True)

    huge = PDF_SMALL + b"0" * (400 * 1024)  # past the request's limit (5 x 1000 + 256 kB)
    response = _upload(logged_in, code, detail_id, [("enorme.pdf", huge)], HX)
    assert response.status_code == 413
    back = f"/atendimentos/{code}/detalhes/{detail_id}/anexos"
    assert response.headers["HX-Redirect"] == back
    assert logged_in.get(back).headers["Location"].endswith(f"/atendimentos/{code}?detalhe=1")
    screen = logged_in.get(f"/atendimentos/{code}?detalhe=1").get_data(as_text=True)
    field = screen[screen.index(f'id="attachments-{detail_id}"') :]
    assert "Envio grande demais" in field[: field.index("</section>")]
    response = _upload(logged_in, code, detail_id, [("enorme.pdf", huge)])
    assert response.status_code == 303 and response.headers["Location"].endswith(back)
    assert _kept(db) == []


def test_downloads_are_attachments_and_thumbnails_only_raster_images(logged_in, demo, db):
    code, detail_id = _ticket_with_detail(logged_in, demo, db)
    files = [("relatório ção.pdf", PDF_SMALL), ("foto.png", PNG_1PX)]
    assert _upload(logged_in, code, detail_id, files).status_code == 303
    pdf, png = _kept(db)
    response = logged_in.get(f"/anexos/{pdf.id}")
    assert response.status_code == 200 and response.data == PDF_SMALL
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''relat%C3%B3rio%20%C3%A7%C3%A3o.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]

    assert logged_in.get(f"/anexos/{pdf.id}/miniatura").status_code == 404
    thumb = logged_in.get(f"/anexos/{png.id}/miniatura")
    assert thumb.status_code == 200 and thumb.data == PNG_1PX
    assert thumb.mimetype == "image/png"
    assert thumb.headers["Content-Disposition"].startswith("inline;")
    assert thumb.headers["X-Content-Type-Options"] == "nosniff"
    assert thumb.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert logged_in.get(f"/anexos/{png.id + 100}").status_code == 404


def test_an_attachment_of_one_empresa_is_404_for_a_user_of_another(app, logged_in, demo, db):
    detail = _a_detail(db, demo)  # on Filial Sul's ticket 9001
    with app.test_request_context():
        attachment = store_attachment(detail, "foto.png", PNG_1PX, user_id=None)
        db.session.commit()
    for url in (f"/anexos/{attachment.id}", f"/anexos/{attachment.id}/miniatura"):
        assert logged_in.get(url).status_code == 404  # Ana works for the main Empresa only
    # Nor can she upload to that detail, by its ticket's code or through one of her own.
    assert _upload(logged_in, 9001, detail.id, [("x.png", PNG_1PX)]).status_code == 404
    code, _detail_id = _ticket_with_detail(logged_in, demo, db)
    assert _upload(logged_in, code, detail.id, [("x.png", PNG_1PX)]).status_code == 404
    assert len(_kept(db)) == 1

    # The supervisor sees it while looking at Filial Sul, not while looking at the main one.
    supervisor = login_client(app, "supervisor", "supervisor123")
    token = csrf_token_from(supervisor.get("/atendimentos/").get_data(as_text=True))
    switch = {"company_id": demo["company"].id, "next": "/", "csrf_token": token}
    assert supervisor.post("/empresa", data=switch).status_code == 303
    assert supervisor.get(f"/anexos/{attachment.id}").status_code == 404
    switch["company_id"] = demo["company_south"].id
    assert supervisor.post("/empresa", data=switch).status_code == 303
    assert supervisor.get(f"/anexos/{attachment.id}").data == PNG_1PX


def test_a_draft_offers_attachments_once_its_detail_is_saved(logged_in, demo, db):
    code = include(logged_in, demo["maria"].id)
    screen = logged_in.get(f"/atendimentos/{code}").get_data(as_text=True)
    assert "Arquivos são anexados a um detalhe já salvo" in screen
    assert 'name="files"' not in screen


def test_the_ticket_screen_reads_attachments_in_a_constant_number_of_queries(
    app, logged_in, demo, db, count_queries
):
    code, detail_id = _ticket_with_detail(logged_in, demo, db)
    assert _upload(logged_in, code, detail_id, [("a.png", PNG_1PX)]).status_code == 303
    logged_in.get(f"/atendimentos/{code}?detalhe=1")  # the flash shown once
    with count_queries() as one:
        assert logged_in.get(f"/atendimentos/{code}?detalhe=1").status_code == 200
    files = [(f"b{i}.pdf", PDF_SMALL + bytes([65 + i])) for i in range(5)]
    assert _upload(logged_in, code, detail_id, files).status_code == 303
    logged_in.get(f"/atendimentos/{code}?detalhe=1")
    with count_queries() as six:
        html = logged_in.get(f"/atendimentos/{code}?detalhe=1").get_data(as_text=True)
    assert html.count('href="/anexos/') == 6
    assert one.count == six.count, (one.statements, six.statements)


# --- The printed report ----------------------------------------------------------------------


def test_the_printed_report_lists_each_details_attachments(logged_in, demo, db, tmp_path):
    from tests.report_tickets import pdf_pages_text

    code, detail_id = _ticket_with_detail(logged_in, demo, db)
    files = [("embalagem rasgada.png", PNG_1PX), ("nota fiscal.pdf", PDF_SMALL)]
    assert _upload(logged_in, code, detail_id, files).status_code == 303
    response = logged_in.get(f"/atendimentos/{code}/relatorio.pdf")
    assert response.status_code == 200
    text = " ".join(pdf_pages_text(tmp_path, response.data))
    assert "Anexos (2)" in text
    assert f"embalagem rasgada.png (PNG, {len(PNG_1PX)} bytes)" in text
    assert f"nota fiscal.pdf (PDF, {len(PDF_SMALL)} bytes)" in text
    # The report of another detail-less ticket says nothing of attachments.
    other, _detail = _ticket_with_detail(logged_in, demo, db)
    assert "Anexos" not in logged_in.get(f"/atendimentos/{other}/relatorio").get_data(as_text=True)


# --- Attached to outgoing e-mail --------------------------------------------------------------


def _compose_post(client, demo, code, attachment_ids, **overrides):
    from tests.conftest import hidden_value

    html = client.get(f"/atendimentos/{code}/email").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(html),
        **{n: hidden_value(html, n) for n in ("company_id", "ticket_id", "send_key")},
        "recipient_id": next(
            e.id for e in demo["maria"].econtacts if e.value == "maria.aparecida@example.com.br"
        ),
        "other_address": "",
        "subject": "Atendimento – fotos da embalagem",
        "body": "Olá, Maria.\n\nSeguem as fotos e a nota.\n",
        "attachment_ids": [str(i) for i in attachment_ids],
    }
    data.update(overrides)
    return client.post(f"/atendimentos/{code}/email", data=data), html


def _files_of(message):
    return [
        (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
        for part in message.iter_attachments()
    ]


def _outbox_rows(db):
    fresh(db)
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_the_chosen_attachments_go_with_the_e_mail(logged_in, demo, db, smtp):
    smtp.start()
    detail_id = demo["ticket_1"].details[0].id
    files = [("embalagem.png", PNG_1PX), ("nota fiscal ção.pdf", PDF_SMALL), ("x.txt", b"oi\n")]
    assert _upload(logged_in, 1, detail_id, files).status_code == 303
    png, pdf, _txt = _kept(db)
    response, composer = _compose_post(logged_in, demo, 1, [png.id, pdf.id])
    for attachment in (png, pdf, _txt):  # every attachment of the ticket is offered
        assert f'name="attachment_ids" value="{attachment.id}"' in composer
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    [received] = smtp.handler.messages
    assert received.get_body(("plain",)).get_content().startswith("Olá, Maria.")
    assert _files_of(received) == [
        ("embalagem.png", "image/png", PNG_1PX),
        ("nota fiscal ção.pdf", "application/pdf", PDF_SMALL),
    ]
    [message] = _outbox_rows(db)
    assert [a.id for a in message.attachments] == [png.id, pdf.id]


def test_a_retry_sends_the_same_attachments(logged_in, demo, db, smtp):
    detail_id = demo["ticket_1"].details[0].id
    assert _upload(logged_in, 1, detail_id, [("foto.png", PNG_1PX)]).status_code == 303
    [png] = _kept(db)
    response, _html = _compose_post(logged_in, demo, 1, [png.id])  # the server is down
    assert response.status_code == 303
    [message] = _outbox_rows(db)
    assert message.status == "falhou" and smtp.handler.messages == []
    smtp.start()
    outbox = logged_in.get("/caixa-de-saida").get_data(as_text=True)
    response = logged_in.post(
        f"/caixa-de-saida/{message.id}/reenviar", data={"csrf_token": csrf_token_from(outbox)}
    )
    assert response.status_code == 303
    [received] = smtp.handler.messages
    assert _files_of(received) == [("foto.png", "image/png", PNG_1PX)]
    assert _outbox_rows(db)[0].status == "enviado"


def test_an_attachment_of_another_ticket_or_empresa_is_refused_and_nothing_sent(
    app, logged_in, demo, db, smtp
):
    smtp.start()
    south = _a_detail(db, demo)
    with app.test_request_context():
        foreign = store_attachment(south, "alheio.pdf", PDF_SMALL, user_id=None)
        db.session.commit()
    code, detail_id = _ticket_with_detail(logged_in, demo, db)
    assert _upload(logged_in, code, detail_id, [("outro.pdf", PDF_SMALL)]).status_code == 303
    other_ticket = _kept(db, detail_id)[0]
    for wrong in (foreign.id, other_ticket.id, "abc"):
        response, _html = _compose_post(logged_in, demo, 1, [wrong])
        body = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "não é deste atendimento" in body
        assert "alheio.pdf" not in body and "Seguem as fotos e a nota." in body  # kept
    assert _outbox_rows(db) == [] and smtp.handler.messages == []


def test_attachments_too_big_for_one_e_mail_are_refused(app, logged_in, demo, db, smtp):
    smtp.start()
    app.config["MAIL_ATTACHMENTS_MAX_BYTES"] = len(PDF_SMALL) + 10
    detail_id = demo["ticket_1"].details[0].id
    files = [("a.pdf", PDF_SMALL), ("b.pdf", PDF_SMALL + b"b")]
    assert _upload(logged_in, 1, detail_id, files).status_code == 303
    response, _html = _compose_post(logged_in, demo, 1, [a.id for a in _kept(db)])
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "desmarque algum" in body
    assert body.count(" checked") >= 2  # what was checked stays checked
    assert _outbox_rows(db) == [] and smtp.handler.messages == []


# --- Remover ----------------------------------------------------------------------------------


def _remove(client, code, attachment_id, headers=None, token=None):
    page = client.get(f"/atendimentos/{code}").get_data(as_text=True)
    data = {"csrf_token": token if token is not None else csrf_token_from(page)}
    return client.post(f"/anexos/{attachment_id}/excluir", data=data, headers=headers or {})


def test_remover_takes_the_file_off_the_detail_and_the_audit_log_keeps_it(logged_in, demo, db):
    from isocrm.models import AuditLog

    code, detail_id = _ticket_with_detail(logged_in, demo, db)
    files = [("a.png", PNG_1PX), ("b.pdf", PDF_SMALL)]
    assert _upload(logged_in, code, detail_id, files).status_code == 303
    first, second = (a.id for a in _kept(db))
    assert _remove(logged_in, code, first, token="").status_code == 400  # no CSRF token
    response = _remove(logged_in, code, first, HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Anexo a.png removido." in body
    assert "b.pdf" in body and f'href="/anexos/{first}"' not in body
    assert [a.id for a in _kept(db)] == [second]
    assert logged_in.get(f"/anexos/{first}").status_code == 404
    log = db.session.scalars(
        sa.select(AuditLog).where(AuditLog.table_name == "attachments").order_by(AuditLog.id)
    ).all()
    assert [row.action for row in log][-1] == "delete"
    assert log[-1].before["filename"] == "a.png" and log[-1].user_id == demo["atendente"].id
    # Without JavaScript: back to the detail, the message shown.
    response = _remove(logged_in, code, second)
    assert response.status_code == 303 and _kept(db) == []


def test_an_attachment_an_e_mail_carried_is_not_removed(app, logged_in, demo, db, smtp):
    smtp.start()
    detail_id = demo["ticket_1"].details[0].id
    assert _upload(logged_in, 1, detail_id, [("foto.png", PNG_1PX)]).status_code == 303
    [png] = _kept(db)
    assert _compose_post(logged_in, demo, 1, [png.id])[0].status_code == 303
    response = _remove(logged_in, 1, png.id, HX)
    assert response.status_code == 422
    assert "foi anexado a um e-mail" in response.get_data(as_text=True)
    assert len(_kept(db)) == 1
    # Another Empresa's attachment cannot be removed either.
    south = _a_detail(db, demo)
    with app.test_request_context():
        foreign = store_attachment(south, "alheio.pdf", PDF_SMALL, user_id=None)
        db.session.commit()
    assert _remove(logged_in, 1, foreign.id).status_code == 404
    assert len(_kept(db)) == 2


def test_a_store_that_fails_keeps_nothing_and_says_so(app, logged_in, demo, db, tmp_path):
    code, detail_id = _ticket_with_detail(logged_in, demo, db)
    assert _upload(logged_in, code, detail_id, [("a.pdf", PDF_SMALL)]).status_code == 303
    [kept] = _kept(db)
    # The folder is now a path under a plain file: nothing can be written nor read there.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app.config["ATTACHMENTS_FOLDER"] = str(blocker / "attachments")
    app.extensions.pop("isocrm_attachment_store", None)
    response = _upload(logged_in, code, detail_id, [("b.png", PNG_1PX)], HX)
    assert response.status_code == 422
    assert "O armazenamento de arquivos não respondeu" in response.get_data(as_text=True)
    assert [a.id for a in _kept(db)] == [kept.id]
    response = logged_in.get(f"/anexos/{kept.id}")
    assert response.status_code == 503
    assert "tente de novo em instantes" in response.get_data(as_text=True)
