"""The lists of the registration (Endereços, Telefones, E-contacts): how a row is copied
from its form and compared with it, its forms and what each list says."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from isocrm import phones
from isocrm.fields import zip_code
from isocrm.models import Address, EContact, Phone
from isocrm.registry.forms import AddressForm, EContactForm, PhoneForm, econtact_value


def optional_text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


@dataclass(frozen=True)
class RowList:
    """Endereços, Telefones or E-contacts: a list of rows with exactly one Principal."""

    slug: str
    attr: str
    model: type
    form: type
    title: str
    noun: str
    prefix: str

    def copy(self, form, row) -> None:
        if self.model is Address:
            row.zip_code = zip_code(form.zip_code.data)
            row.street = (form.street.data or "").strip()
            row.number = optional_text(form.number.data)
            row.complement = optional_text(form.complement.data)
            row.district = optional_text(form.district.data)
            row.city = (form.city.data or "").strip()
            row.state = form.state.data
        elif self.model is Phone:
            row.kind = form.kind.data
            row.number = phones.normalize(form.number.data)
        else:
            row.kind = form.kind.data
            row.value = econtact_value(form.kind.data, form.value.data)

    COLUMNS = {
        Address: ("zip_code", "street", "number", "complement", "district", "city", "state"),
        Phone: ("kind", "number"),
        EContact: ("kind", "value"),
    }

    def same(self, form, row) -> bool:
        """Whether saving `form` would leave `row` as it is (a second click, say)."""
        typed = self.model()
        try:
            self.copy(form, typed)
        except ValidationError:
            return False  # not even valid (a bad CEP): certainly not what is saved
        return all(getattr(typed, c) == getattr(row, c) for c in self.COLUMNS[self.model])

    def find(self, entity, row_id):
        """The entity's row with this id (None: gone, or another entity's). The entity comes
        from the Empresa-scoped loader: its rows are that Empresa's."""
        return next((r for r in getattr(entity, self.attr) if r.id == row_id), None)

    def text(self, row) -> str:
        if self.model is Address:
            return row.one_line
        return row.display

    def form_for(self, row=None, formdata=None):
        """The add form (row None) or the edit form of one row, with its own field ids."""
        prefix = f"{self.prefix}-{row.id}" if row is not None else f"novo-{self.prefix}"
        if row is None or formdata is not None:
            return self.form(formdata=formdata, prefix=prefix)
        form = self.form(formdata=None, obj=row, prefix=prefix)
        if self.model is Address and row.zip_code:
            form.zip_code.data = f"{row.zip_code[:5]}-{row.zip_code[5:]}"
        if self.model in (Phone, EContact):
            form[self.COLUMNS[self.model][1]].data = row.display
        return form


LISTS = {
    "enderecos": RowList(
        "enderecos", "addresses", Address, AddressForm, _l("Endereços"), "endereço", "endereco"
    ),
    "telefones": RowList(
        "telefones", "phones", Phone, PhoneForm, _l("Telefones"), "telefone", "telefone"
    ),
    "econtacts": RowList(
        "econtacts",
        "econtacts",
        EContact,
        EContactForm,
        _l("E-contacts"),
        "e-contact",
        "econtact",
    ),
}


# What each list says, whole sentences per list (the nouns differ in other languages).
ROW_TEXTS = {
    "enderecos": {
        "one_principal": _l("Marque apenas um endereço como Principal: nada foi salvo."),
        "choose_principal": _l(
            "Escolha como Principal um endereço desta entidade (o marcado pode ter sido removido"
            " em outra aba)."
        ),
        "changed_save_again": _l(
            "Este endereço foi alterado em outra aba enquanto você editava; agora está: %(text)s."
            " Salve de novo para gravar o que você digitou."
        ),
        "gone": _l(
            "Este endereço não existe mais (foi removido em outra aba ou por outra pessoa)."
        ),
        "added": _l("Endereço adicionado."),
        "changed_click": _l(
            "Este endereço foi alterado em outra aba enquanto você editava; agora está: %(text)s."
            " Nada foi salvo: clique em Salvar endereço para gravar o que você digitou."
        ),
        "saved": _l("Endereço salvo."),
        "still_principal": _l(
            "Ele continua Principal: para trocar, marque outro endereço como Principal."
        ),
        "same_instant": _l(
            "Outra pessoa salvou este endereço no mesmo instante. Nada foi salvo: clique em Salvar"
            " endereço de novo."
        ),
        "already_removed": _l("Este endereço já tinha sido removido."),
        "removed": _l("Endereço removido."),
    },
    "telefones": {
        "one_principal": _l("Marque apenas um telefone como Principal: nada foi salvo."),
        "choose_principal": _l(
            "Escolha como Principal um telefone desta entidade (o marcado pode ter sido removido"
            " em outra aba)."
        ),
        "changed_save_again": _l(
            "Este telefone foi alterado em outra aba enquanto você editava; agora está: %(text)s."
            " Salve de novo para gravar o que você digitou."
        ),
        "gone": _l(
            "Este telefone não existe mais (foi removido em outra aba ou por outra pessoa)."
        ),
        "added": _l("Telefone adicionado."),
        "changed_click": _l(
            "Este telefone foi alterado em outra aba enquanto você editava; agora está: %(text)s."
            " Nada foi salvo: clique em Salvar telefone para gravar o que você digitou."
        ),
        "saved": _l("Telefone salvo."),
        "still_principal": _l(
            "Ele continua Principal: para trocar, marque outro telefone como Principal."
        ),
        "same_instant": _l(
            "Outra pessoa salvou este telefone no mesmo instante. Nada foi salvo: clique em Salvar"
            " telefone de novo."
        ),
        "already_removed": _l("Este telefone já tinha sido removido."),
        "removed": _l("Telefone removido."),
    },
    "econtacts": {
        "one_principal": _l("Marque apenas um e-contact como Principal: nada foi salvo."),
        "choose_principal": _l(
            "Escolha como Principal um e-contact desta entidade (o marcado pode ter sido removido"
            " em outra aba)."
        ),
        "changed_save_again": _l(
            "Este e-contact foi alterado em outra aba enquanto você editava; agora está: %(text)s."
            " Salve de novo para gravar o que você digitou."
        ),
        "gone": _l(
            "Este e-contact não existe mais (foi removido em outra aba ou por outra pessoa)."
        ),
        "added": _l("E-contact adicionado."),
        "changed_click": _l(
            "Este e-contact foi alterado em outra aba enquanto você editava; agora está: %(text)s."
            " Nada foi salvo: clique em Salvar e-contact para gravar o que você digitou."
        ),
        "saved": _l("E-contact salvo."),
        "still_principal": _l(
            "Ele continua Principal: para trocar, marque outro e-contact como Principal."
        ),
        "same_instant": _l(
            "Outra pessoa salvou este e-contact no mesmo instante. Nada foi salvo: clique em"
            " Salvar e-contact de novo."
        ),
        "already_removed": _l("Este e-contact já tinha sido removido."),
        "removed": _l("E-contact removido."),
    },
}


def says(row_list: "RowList", key: str, **values) -> str:
    """One of ROW_TEXTS in the user's language, with its values."""
    text = str(ROW_TEXTS[row_list.slug][key])
    return text % values if values else text
