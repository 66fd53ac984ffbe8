"""The upload form of Importar CSV."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FileField, SelectChoice
from wtforms.validators import ValidationError

from isocrm.fields import RadioChoiceField
from isocrm.imports.kinds import KINDS

# 100,000 entities with every column take about 16 MB; the file is checked and imported in
# a process of its own (isocrm/imports/jobs.py), not in the request. Bigger files go through
# `flask --app isocrm import`, which reads any size.
MAX_BYTES = 40 * 1024 * 1024


class UploadForm(FlaskForm):
    kind = RadioChoiceField(
        _l("O que o arquivo traz"),
        choices=[SelectChoice(value=key, label=kind.label) for key, kind in KINDS.items()],
        default="entidades",
        invalid_message=_l("Escolha o que o arquivo traz."),
    )
    file = FileField(_l("Arquivo CSV"), render_kw={"accept": ".csv,text/csv"})

    def validate_file(self, field):
        upload = field.data
        if upload is None or not getattr(upload, "filename", ""):
            raise ValidationError(_("Escolha o arquivo CSV a importar."))
        data = upload.stream.read(MAX_BYTES + 1)
        upload.close()  # a big upload is spooled to a temporary file: done with it
        if len(data) > MAX_BYTES:
            raise ValidationError(
                _(
                    "Arquivo grande demais (máximo de %(mb)s MB): divida-o em partes ou peça ao"
                    " administrador que use o comando flask --app isocrm import.",
                    mb=MAX_BYTES // 1024 // 1024,
                )
            )
        if not data.strip():
            raise ValidationError(_("O arquivo está vazio."))
        field.bytes = data
