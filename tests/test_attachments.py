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
from isocrm.models import Attachment, TicketDetail
from tests.factories import add_details, south_ticket
from tests.smtp import free_port

# --- Real files, built to their formats -------------------------------------------------

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2fb6a"
    "e60000000049454e44ae426082"
)
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF_1PX = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c000000000100010000020144003b"
)
WEBP_HEAD = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00"
    b"\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
)
PDF_SMALL = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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
