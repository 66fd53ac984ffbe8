"""The upload form of Importar CSV."""

from flask_wtf import FlaskForm
from wtforms import FileField, SelectChoice
from wtforms.validators import ValidationError

from isocrm.fields import RadioChoiceField
from isocrm.imports.kinds import KINDS

MAX_BYTES = 20 * 1024 * 1024  # 100,000 entities with every column take about 16 MB
# The screen imports in the request (on SQLite holding the write lock from the start, as every
# POST does): about 3 s for 10,000 entities, well within gunicorn's worker timeout (30 s) and
# SQLite's busy timeout (10 s) for the attendants' saves that wait meanwhile.
# Bigger files go through `flask --app isocrm import`.
MAX_LINES = 10_000


class UploadForm(FlaskForm):
    kind = RadioChoiceField(
        "O que o arquivo traz",
        choices=[SelectChoice(value=key, label=kind.label) for key, kind in KINDS.items()],
        default="entidades",
        invalid_message="Escolha o que o arquivo traz.",
    )
    file = FileField("Arquivo CSV", render_kw={"accept": ".csv,text/csv"})

    def validate_file(self, field):
        upload = field.data
        if upload is None or not getattr(upload, "filename", ""):
            raise ValidationError("Escolha o arquivo CSV a importar.")
        data = upload.stream.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise ValidationError(
                f"Arquivo grande demais (máximo de {MAX_BYTES // 1024 // 1024} MB): divida-o"
                " em partes ou use o comando flask import."
            )
        if not data.strip():
            raise ValidationError("O arquivo está vazio.")
        if data.count(b"\n") > MAX_LINES:
            raise ValidationError(
                f"O arquivo passa de {MAX_LINES:,} linhas".replace(",", ".")
                + ": divida-o em partes ou peça ao administrador que use o comando"
                " flask --app isocrm import."
            )
        field.bytes = data
