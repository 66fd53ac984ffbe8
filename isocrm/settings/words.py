"""The sentences about one entry of Configurações (a Canal, a Motivo, a product's
Informação…), whole, in each language: Portuguese agrees them with the noun's gender, so
each noun has its own (msgids with %(name)s, or %(old)s and %(new)s for a rename)."""

from flask_babel import lazy_gettext as _l


def say(words: dict, key: str, **values) -> str:
    """One of an entry's sentences in the user's language, with its values."""
    return str(words[key]) % values


CANAIS_WORDS = {
    "taken": _l("Já existe o canal “%(name)s”."),
    "added": _l("Canal “%(name)s” incluído."),
    "changed": _l("Canal “%(name)s” alterado."),
    "deleted": _l("Canal “%(name)s” excluído."),
    "renamed": _l("Canal “%(old)s” agora se chama “%(new)s”."),
    "reactivated": _l("Canal “%(name)s” reativado: volta a ser oferecido."),
    "deactivated": _l(
        "Canal “%(name)s” desativado: não é mais oferecido em novos atendimentos; os "
        "atendimentos antigos continuam mostrando o nome."
    ),
}

SITUACOES_WORDS = {
    "taken": _l("Já existe a situação “%(name)s”."),
    "added": _l("Situação “%(name)s” incluída."),
    "changed": _l("Situação “%(name)s” alterada."),
    "deleted": _l("Situação “%(name)s” excluída."),
    "renamed": _l("Situação “%(old)s” agora se chama “%(new)s”."),
    "reactivated": _l("Situação “%(name)s” reativada: volta a ser oferecida."),
    "deactivated": _l(
        "Situação “%(name)s” desativada: não é mais oferecida em novos atendimentos; "
        "os atendimentos antigos continuam mostrando o nome."
    ),
}

UNIDADES_WORDS = {
    "taken": _l("Já existe a unidade “%(name)s”."),
    "added": _l("Unidade “%(name)s” incluída."),
    "changed": _l("Unidade “%(name)s” alterada."),
    "deleted": _l("Unidade “%(name)s” excluída."),
    "renamed": _l("Unidade “%(old)s” agora se chama “%(new)s”."),
    "reactivated": _l("Unidade “%(name)s” reativada: volta a ser oferecida."),
    "deactivated": _l(
        "Unidade “%(name)s” desativada: não é mais oferecida no cadastro de "
        "entidades; as entidades que já a têm continuam com ela."
    ),
}

PAPEIS_WORDS = {
    "taken": _l("Já existe o papel “%(name)s”."),
    "added": _l("Papel “%(name)s” incluído."),
    "changed": _l("Papel “%(name)s” alterado."),
    "deleted": _l("Papel “%(name)s” excluído."),
    "renamed": _l("Papel “%(old)s” agora se chama “%(new)s”."),
    "reactivated": _l("Papel “%(name)s” reativado: volta a ser oferecido."),
    "deactivated": _l(
        "Papel “%(name)s” desativado: não é mais oferecido no cadastro de entidades; "
        "as entidades que já o têm continuam com ele."
    ),
}

EQUIPES_WORDS = {
    "taken": _l("Já existe a equipe “%(name)s”."),
    "added": _l("Equipe “%(name)s” incluída."),
    "changed": _l("Equipe “%(name)s” alterada."),
    "deleted": _l("Equipe “%(name)s” excluída."),
    "renamed": _l("Equipe “%(old)s” agora se chama “%(new)s”."),
    "reactivated": _l("Equipe “%(name)s” reativada: volta a ser oferecida."),
    "deactivated": _l(
        "Equipe “%(name)s” desativada: não é mais oferecida em “Passar para”; os "
        "atendimentos que ela já tem continuam com ela."
    ),
}

PRODUTOS_WORDS = {
    "taken": _l("Já existe o produto “%(name)s”."),
    "added": _l("Produto “%(name)s” incluído."),
    "changed": _l("Produto “%(name)s” alterado."),
    "deleted": _l("Produto “%(name)s” excluído."),
    "renamed": _l("Produto “%(old)s” agora se chama “%(new)s”."),
    "reactivated": _l("Produto “%(name)s” reativado: volta a ser oferecido."),
    "deactivated": _l(
        "Produto “%(name)s” desativado: não é mais oferecido em novos atendimentos; "
        "os atendimentos antigos continuam mostrando o nome."
    ),
}

MOTIVOS_WORDS = {
    "taken": _l("Já existe o motivo “%(name)s”."),
    "added": _l("Motivo “%(name)s” incluído."),
    "deleted": _l("Motivo “%(name)s” excluído."),
    "renamed": _l("Motivo “%(old)s” agora se chama “%(new)s”."),
    "reactivated": _l("Motivo “%(name)s” reativado: volta a ser oferecido."),
    "deactivated": _l(
        "Motivo “%(name)s” desativado: não é mais oferecido em novos atendimentos; os"
        " atendimentos antigos continuam mostrando o nome."
    ),
}

OCORRENCIAS_WORDS = {
    "taken": _l("Já existe a ocorrência “%(name)s” neste motivo."),
    "added": _l("Ocorrência “%(name)s” incluída."),
    "deleted": _l("Ocorrência “%(name)s” excluída."),
    "renamed": _l("Ocorrência “%(old)s” agora se chama “%(new)s”."),
    "reactivated": _l("Ocorrência “%(name)s” reativada: volta a ser oferecida."),
    "deactivated": _l(
        "Ocorrência “%(name)s” desativada: não é mais oferecida em novos "
        "atendimentos; os atendimentos antigos continuam mostrando o nome."
    ),
}

CAUSAS_WORDS = {
    "taken": _l("Já existe a causa “%(name)s” nesta ocorrência."),
    "added": _l("Causa “%(name)s” incluída."),
    "deleted": _l("Causa “%(name)s” excluída."),
    "renamed": _l("Causa “%(old)s” agora se chama “%(new)s”."),
    "reactivated": _l("Causa “%(name)s” reativada: volta a ser oferecida."),
    "deactivated": _l(
        "Causa “%(name)s” desativada: não é mais oferecida em novos atendimentos; os "
        "atendimentos antigos continuam mostrando o nome."
    ),
}

INFORMACAO_WORDS = {
    "reactivated": _l("Informação “%(name)s” reativada: volta a ser oferecida."),
    "deactivated": _l(
        "Informação “%(name)s” desativada: não é mais oferecida em novos "
        "atendimentos; os atendimentos antigos continuam mostrando o nome."
    ),
}

# "Novo canal", "Nova situação"…: the label of the field that adds one.
NEW_LABELS = {
    "canais": _l("Novo canal"),
    "situacoes": _l("Nova situação"),
    "unidades": _l("Nova unidade"),
    "papeis": _l("Novo papel"),
    "equipes": _l("Nova equipe"),
    "produtos": _l("Novo produto"),
}
