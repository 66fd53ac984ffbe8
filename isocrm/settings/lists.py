"""The flat catalogues of Configurações (Canais, Situações…): one list a screen, each entry
edited in place. A `ListKind` says what differs between them (model, words, form, what
refers to an entry, the rules a change must keep); views and template are shared.

Rules every kind keeps: names unique per Empresa whatever the accents and case, a used
entry is deactivated and never deleted, other Empresa's ids are missing (404)."""

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from isocrm.extensions import db
from isocrm.models import (
    Channel,
    DetailInfo,
    Product,
    ProductInfo,
    Role,
    Status,
    Team,
    Ticket,
    TicketDetail,
    TicketEvent,
    Unit,
    User,
)
from isocrm.models.catalog import ROLE_CODE_CUSTOMER, ROLE_CODE_PARTNER, STATUS_OPEN
from isocrm.models.entity import entity_roles, entity_units
from isocrm.security import current_company
from isocrm.settings import forms, words
from isocrm.teams import company_users
from isocrm.text import fold


@dataclass(frozen=True)
class ListKind:
    """One flat catalogue, as its URLs name it (/configuracoes/<slug>/…)."""

    slug: str
    model: type
    form: type  # the FlaskForm of one entry (add and edit)
    title: str  # "Canal"
    plural: str  # "Canais": the screen's title
    ending: str  # "o" or "a": inativo, inativa
    intro: str  # the screen's explanation
    words: dict  # the sentences about one entry (isocrm.settings.words)
    new_label: str  # "Novo canal": the label of the field that adds one
    order_by: Callable  # model -> columns
    references: Callable  # model id column -> conditions that mean "in use"
    # (session, item, values or None for a deactivation) -> the refusal, or None
    guard: Callable | None = None
    columns: tuple[tuple[str, str], ...] = ()  # (attribute, header) shown beside the name
    fields: tuple[str, ...] = field(default=("name",))
    # (form, company_id, obj or None): options the form needs, data of obj it cannot read
    setup: Callable | None = None
    # (session, company_id, values) -> values as the model takes them (ids -> rows)
    load: Callable | None = None
    # (endpoint, label): a link on each row to the entry's own screen (a product's informações)
    link: tuple[str, str] | None = None
    # item -> True when the system relies on it: Desativar and Excluir are not offered
    locked: Callable | None = None

    def taken(self, name: str) -> str:
        return self.say("taken", name=name)

    def say(self, key: str, **values) -> str:
        """'Canal “Chat” incluído.' from say("added", name="Chat")."""
        return words.say(self.words, key, **values)


def switched(words_of: dict, name: str, active: bool) -> str:
    """The message after Reativar or Desativar of an entry (of a list, of the tree or a
    product's informação), from its sentences (isocrm.settings.words)."""
    return words.say(words_of, "reactivated" if active else "deactivated", name=name)


# --- situações: the rules of their categories ----------------------------------------------


def _other_active_opening(session: Session, item) -> bool:
    return bool(
        session.scalar(
            sa.select(
                sa.exists().where(
                    Status.company_id == item.company_id,
                    Status.category == STATUS_OPEN,
                    Status.active,
                    Status.id != item.id,
                )
            )
        )
    )


def lock_statuses(session: Session, item) -> None:
    """Take the Empresa's situações for this transaction and read `item` again. PostgreSQL
    runs two supervisors' saves side by side: without it, one could make a situação the
    default while the other deactivates it, each checking the other's rule before either
    committed, leaving new tickets a default nobody may use. (SQLite runs them one after
    the other: every POST takes the write lock first.)"""
    session.execute(
        sa.select(Status.id).where(Status.company_id == item.company_id).with_for_update()
    )
    session.refresh(item)


def _status_guard(session: Session, item, values: dict | None) -> str | None:
    """A new ticket starts in the default situação, an active one of category Aberto: it
    keeps both, and some active Aberto situação always remains."""
    if item.id is None:
        return None
    lock_statuses(session, item)
    if (
        values is not None
        and values.get("category") != item.category
        and is_used(session, KINDS["situacoes"], item)
    ):
        return _(
            "“%(name)s” já está em uso: a sua categoria não muda (os atendimentos e os "
            "prazos já calculados dependem dela). Crie outra situação.",
            name=item.name,
        )
    leaves_open = (
        item.active
        and item.category == STATUS_OPEN
        and (values is None or values.get("category") != STATUS_OPEN)
    )
    if not leaves_open:
        return None
    if item.is_default:
        return _(
            "“%(name)s” é a situação em que os novos atendimentos começam: "
            "escolha outra como padrão antes.",
            name=item.name,
        )
    if not _other_active_opening(session, item):
        return _(
            "“%(name)s” é a única situação ativa da categoria Aberto: os novos "
            "atendimentos precisam de uma.",
            name=item.name,
        )
    return None


# Papéis the code looks up by code (the Local picker lists Parceiros, bulk data Clientes).
FIXED_ROLE_CODES = (ROLE_CODE_CUSTOMER, ROLE_CODE_PARTNER)


def _role_guard(session: Session, item, values: dict | None) -> str | None:
    """A papel the code relies on keeps its code and stays active; codes are unique."""
    if item.id is not None and item.code in FIXED_ROLE_CODES:
        if values is None:
            return _(
                "O papel “%(name)s” é usado pelo sistema (código %(code)s): não pode "
                "ser desativado nem excluído.",
                name=item.name,
                code=item.code,
            )
        if values["code"] != item.code:
            return _(
                "O código “%(code)s” é usado pelo sistema: não pode ser alterado.", code=item.code
            )
    if values is not None and session.scalar(
        sa.select(
            sa.exists().where(
                Role.company_id == item.company_id,
                Role.code == values["code"],
                Role.id != (item.id or 0),
            )
        )
    ):
        return _("Já existe um papel com o código “%(code)s”.", code=values["code"])
    return None


def _team_setup(form, company_id: int, obj) -> None:
    """Members among the Empresa's users (an inactive user shows marked, to take out)."""
    users = db.session.scalars(company_users(company_id).order_by(User.name))
    form.members.choices = [
        SelectChoice(
            str(user.id), user.name if user.active else _("%(name)s (inativo)", name=user.name)
        )
        for user in users
    ]
    if obj is not None:
        form.members.data = [user.id for user in obj.members]


def _team_load(session: Session, company_id: int, values: dict) -> dict:
    wanted = set(values["members"] or [])
    users = session.scalars(company_users(company_id).order_by(User.name))
    return {**values, "members": [user for user in users if user.id in wanted]}


def _product_guard(session: Session, item, values: dict | None) -> str | None:
    """Product codes are unique in the Empresa (imports and the lot report go by them)."""
    if values is not None and session.scalar(
        sa.select(
            sa.exists().where(
                Product.company_id == item.company_id,
                Product.code == values["code"],
                Product.id != (item.id or 0),
            )
        )
    ):
        return _("Já existe um produto com o código “%(code)s”.", code=values["code"])
    return None


KINDS = {
    "canais": ListKind(
        slug="canais",
        words=words.CANAIS_WORDS,
        new_label=words.NEW_LABELS["canais"],
        model=Channel,
        form=forms.ChannelForm,
        title=_l("Canal"),
        plural=_l("Canais"),
        ending="o",
        intro=_l(
            "Por onde o cliente falou (telefone, e-mail, WhatsApp…). Um canal já usado em "
            "atendimentos não é excluído: desative-o, e ele some da lista dos novos atendimentos "
            "mas continua nos antigos."
        ),
        order_by=lambda model: (model.id,),
        references=lambda item_id: [TicketDetail.channel_id == item_id],
    ),
    "situacoes": ListKind(
        slug="situacoes",
        words=words.SITUACOES_WORDS,
        new_label=words.NEW_LABELS["situacoes"],
        model=Status,
        form=forms.StatusForm,
        title=_l("Situação"),
        plural=_l("Situações"),
        ending="a",
        intro=_l(
            "A situação de cada atendimento e a sua categoria: Concluído e Cancelado "
            "encerram o atendimento (preenchem a data de fechamento), Aguardando pausa o prazo. "
            "Os novos atendimentos começam na situação padrão."
        ),
        order_by=lambda model: (model.position, model.name),
        references=lambda item_id: [
            Ticket.status_id == item_id,
            TicketEvent.from_status_id == item_id,
            TicketEvent.to_status_id == item_id,
        ],
        guard=_status_guard,
        columns=(("category_label", _l("Categoria")),),
        fields=("name", "category"),
    ),
    "unidades": ListKind(
        slug="unidades",
        words=words.UNIDADES_WORDS,
        new_label=words.NEW_LABELS["unidades"],
        model=Unit,
        form=forms.UnitForm,
        title=_l("Unidade"),
        plural=_l("Unidades"),
        ending="a",
        intro=_l(
            "As filiais da Empresa com que as entidades se relacionam. Uma unidade já "
            "vinculada a entidades ou usada em atendimentos não é excluída: desative-a, e ela "
            "não é mais oferecida no cadastro, mas continua onde já estava."
        ),
        order_by=lambda model: (model.name,),
        references=lambda item_id: [
            Ticket.unit_id == item_id,
            entity_units.c.unit_id == item_id,
        ],
        columns=(("city", _l("Cidade")), ("state", _l("UF"))),
        fields=("name", "city", "state"),
    ),
    "papeis": ListKind(
        slug="papeis",
        words=words.PAPEIS_WORDS,
        new_label=words.NEW_LABELS["papeis"],
        model=Role,
        form=forms.RoleForm,
        title=_l("Papel"),
        plural=_l("Papéis"),
        ending="o",
        intro=_l(
            "O papel de cada entidade (Cliente, Parceiro, Fornecedor…). Os papéis Cliente e "
            "Parceiro são usados pelo sistema: podem ser renomeados, mas o código fica e eles não "
            "são desativados. Um papel já dado a entidades não é excluído: desative-o."
        ),
        order_by=lambda model: (model.name,),
        references=lambda item_id: [
            Ticket.role_id == item_id,
            entity_roles.c.role_id == item_id,
        ],
        guard=_role_guard,
        columns=(("code", _l("Código")),),
        fields=("name", "code"),
        locked=lambda item: item.code in FIXED_ROLE_CODES,
    ),
    "equipes": ListKind(
        slug="equipes",
        words=words.EQUIPES_WORDS,
        new_label=words.NEW_LABELS["equipes"],
        model=Team,
        form=forms.TeamForm,
        title=_l("Equipe"),
        plural=_l("Equipes"),
        ending="a",
        intro=_l(
            "Grupos de usuários da Empresa a quem um atendimento pode ser passado; a aba "
            "“Da minha equipe” do painel mostra os atendimentos de cada um. Uma equipe que já "
            "recebeu atendimentos não é excluída: desative-a."
        ),
        order_by=lambda model: (model.name,),
        references=lambda item_id: [
            Ticket.team_id == item_id,
            TicketEvent.from_team_id == item_id,
            TicketEvent.to_team_id == item_id,
        ],
        columns=(("member_names", _l("Membros")),),
        fields=("name", "members"),
        setup=_team_setup,
        load=_team_load,
    ),
    "produtos": ListKind(
        slug="produtos",
        words=words.PRODUTOS_WORDS,
        new_label=words.NEW_LABELS["produtos"],
        model=Product,
        form=forms.ProductForm,
        title=_l("Produto"),
        plural=_l("Produtos"),
        ending="o",
        intro=_l(
            "Os produtos da Empresa e, em cada um, as informações que o atendente escolhe "
            "conforme o motivo e a ocorrência do atendimento (lote, validade… ficam na linha do "
            "atendimento). Um produto já citado em atendimentos não é excluído: desative-o."
        ),
        order_by=lambda model: (model.name,),
        references=lambda item_id: [
            sa.and_(DetailInfo.product_info_id == ProductInfo.id, ProductInfo.product_id == item_id)
        ],
        guard=_product_guard,
        columns=(("code", _l("Código")), ("ean", "EAN")),
        fields=("name", "code", "ean"),
        link=("settings.product_infos", _l("Informações")),
    ),
}


def make_form(kind: ListKind, company_id: int, obj=None, **kwargs):
    """The kind's form with its options (formdata=None: an empty one, or obj's values)."""
    form = kind.form(obj=obj, **kwargs)
    if kind.setup is not None:
        kind.setup(form, company_id, obj)
    return form


def kind_of(slug: str) -> ListKind:
    kind = KINDS.get(slug)
    if kind is None:
        abort(404)
    return kind


def entries(session: Session, kind: ListKind, company_id: int) -> list:
    """Every entry of the Empresa, active or not, in the order the attendants see them."""
    model = kind.model
    return list(
        session.scalars(
            sa.select(model).where(model.company_id == company_id).order_by(*kind.order_by(model))
        )
    )


def get_entry(kind: ListKind, item_id: int):
    """The entry of the current Empresa; another Empresa's is as missing."""
    model = kind.model
    item = db.session.scalar(
        sa.select(model).where(model.id == item_id, model.company_id == current_company().id)
    )
    if item is None:
        abort(404)
    return item


def _referred(kind: ListKind, item_id):
    return sa.or_(*(sa.exists().where(ref) for ref in kind.references(item_id)))


def used_ids(session: Session, kind: ListKind, company_id: int) -> set[int]:
    """The ids something refers to (one query): those are kept, never deleted."""
    model = kind.model
    return set(
        session.scalars(
            sa.select(model.id).where(model.company_id == company_id, _referred(kind, model.id))
        )
    )


def is_used(session: Session, kind: ListKind, item) -> bool:
    return bool(session.scalar(sa.select(_referred(kind, item.id))))


def name_taken(session: Session, kind: ListKind, company_id: int, name: str, item_id=None) -> bool:
    """Another entry of the Empresa has this name, accents and case aside."""
    model = kind.model
    wanted = fold(name)
    return any(
        fold(other_name) == wanted
        for other_id, other_name in session.execute(
            sa.select(model.id, model.name).where(model.company_id == company_id)
        )
        if other_id != item_id
    )


def next_position(session: Session, model, company_id: int) -> int:
    last = session.scalar(
        sa.select(sa.func.max(model.position)).where(model.company_id == company_id)
    )
    return (last or 0) + 1
