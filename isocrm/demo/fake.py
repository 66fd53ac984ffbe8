"""A realistic, deterministic crowd around the fixed records: Faker pt_BR and a
random.Random, both with a fixed seed, so two loads give the same rows.

For each Empresa: people and companies with valid CPF/CNPJ, addresses, phones and
e-contacts (one Principal each), papéis, relations, alerts, orders and invoices, survey
answers, past tickets with details (codes continuing after the fixed ones) and agenda.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from faker import Faker
from sqlalchemy.orm import Session

from isocrm import text
from isocrm.demo.fixed import (
    REFERENCE_NOW,
    SURVEY_QUESTIONS,
    SURVEY_TITLE,
    cnpj,
    cpf,
    local,
    make_order,
    money,
    nfe_access_key,
    product_price,
)
from isocrm.models import (
    Address,
    Alert,
    Appointment,
    Cause,
    Channel,
    Company,
    DetailInfo,
    EContact,
    Entity,
    Invoice,
    Occurrence,
    Order,
    Phone,
    Product,
    ProductInfo,
    Reason,
    Relation,
    RelationType,
    Role,
    Status,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    Ticket,
    TicketDetail,
    Unit,
    User,
)
from isocrm.models.entity import KIND_COMPANY, KIND_PERSON
from isocrm.models.user import user_companies

SEED = 20261101

# (city, UF, lowest and highest CEP prefix of the city, DDD, weight): CEP and phone agree
# with the city, and the desk's home state is the most frequent.
CITIES: list[tuple[str, str, int, int, str, int]] = [
    ("São Paulo", "SP", 1000, 5999, "11", 30),
    ("Campinas", "SP", 13000, 13139, "19", 8),
    ("Santos", "SP", 11000, 11099, "13", 3),
    ("Ribeirão Preto", "SP", 14000, 14114, "16", 3),
    ("Sorocaba", "SP", 18000, 18109, "15", 2),
    ("São José dos Campos", "SP", 12200, 12248, "12", 2),
    ("Rio de Janeiro", "RJ", 20000, 23799, "21", 10),
    ("Niterói", "RJ", 24000, 24399, "21", 2),
    ("Belo Horizonte", "MG", 30000, 31999, "31", 6),
    ("Uberlândia", "MG", 38400, 38415, "34", 2),
    ("Curitiba", "PR", 80000, 82999, "41", 4),
    ("Londrina", "PR", 86000, 86099, "43", 1),
    ("Porto Alegre", "RS", 90000, 91999, "51", 4),
    ("Caxias do Sul", "RS", 95000, 95099, "54", 1),
    ("Florianópolis", "SC", 88000, 88099, "48", 2),
    ("Joinville", "SC", 89200, 89239, "47", 1),
    ("Salvador", "BA", 40000, 42599, "71", 4),
    ("Recife", "PE", 50000, 52999, "81", 3),
    ("Fortaleza", "CE", 60000, 61599, "85", 3),
    ("Brasília", "DF", 70000, 72799, "61", 4),
    ("Goiânia", "GO", 74000, 74899, "62", 2),
    ("Manaus", "AM", 69000, 69099, "92", 1),
    ("Belém", "PA", 66000, 66999, "91", 1),
    ("São Luís", "MA", 65000, 65099, "98", 1),
    ("Natal", "RN", 59000, 59099, "84", 1),
    ("João Pessoa", "PB", 58000, 58099, "83", 1),
    ("Maceió", "AL", 57000, 57099, "82", 1),
    ("Aracaju", "SE", 49000, 49099, "79", 1),
    ("Teresina", "PI", 64000, 64099, "86", 1),
    ("Cuiabá", "MT", 78000, 78099, "65", 1),
    ("Campo Grande", "MS", 79000, 79129, "67", 1),
    ("Vitória", "ES", 29000, 29099, "27", 1),
]
SOUTH_STATES = ("RS", "SC", "PR")
# A search for a fixed person ("maria aparecida") finds only that person: fake names whose
# words would match these queries are drawn again.
RESERVED_NAMES = [
    ("maria", "aparecida"),
    ("jose", "carlos"),
    ("ana", "beatriz"),
    ("joaquim", "pereira"),
    ("luiza", "helena"),
]
# The lot the lot watch should flag: many complaints about the same Biscoito Integral lot.
HOT_LOT = ("BIS-INT-200", "L2609A12", date(2026, 9, 12))
# IBGE state codes, the first two digits of an NF-e key.
UF_CODES = {"SP": "35", "RS": "43"}

# Spelled out so the demo always has accents to search for without them ("jose", "conceicao").
ACCENTED_FEMALE = [
    "Maria da Conceição",
    "Conceição",
    "Mônica",
    "Cláudia",
    "Inês",
    "Lúcia",
    "Márcia",
    "Fátima",
    "Glória",
    "Bárbara",
]
ACCENTED_MALE = [
    "José",
    "João",
    "Antônio",
    "Sebastião",
    "Luís",
    "Otávio",
    "Vinícius",
    "Márcio",
    "Fábio",
    "Cícero",
]
BUSINESS_SEGMENTS = [
    "Supermercado",
    "Mercado",
    "Padaria",
    "Mercearia",
    "Distribuidora",
    "Atacadão",
    "Empório",
    "Comercial",
    "Panificadora",
    "Restaurante",
    "Lanchonete",
    "Hortifrúti",
    "Armazém",
    "Confeitaria",
]
COMPANY_SUFFIXES = ["Ltda", "Ltda", "Ltda", "S.A.", "ME", "& Cia Ltda", "e Filhos Ltda"]
EMAIL_DOMAINS = ["example.com", "example.com.br", "example.net", "example.org"]
ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

ALERT_MESSAGES = {
    1: [
        "Confirmar o endereço de entrega no próximo contato.",
        "Cliente prefere ser chamado pelo primeiro nome.",
        "Atualizar o e-mail do cadastro.",
    ],
    2: [
        "Cliente já teve duas trocas de produto neste semestre.",
        "Enviar amostras do novo sabor quando disponível.",
        "Preferência por contato por WhatsApp.",
    ],
    3: [
        "Reclamação recorrente: encaminhar ao supervisor antes de encerrar.",
        "Cliente aguarda ressarcimento; priorizar o retorno.",
        "Pendência financeira em análise pelo setor de cobrança.",
    ],
    4: [
        "Ameaçou acionar o Procon: tratar somente com o supervisor.",
        "Caso em análise pelo jurídico; não prometer prazos.",
        "Risco à saúde relatado: acionar a qualidade imediatamente.",
    ],
}
APPOINTMENT_SUBJECTS = [
    "Retornar ligação ao cliente",
    "Enviar vale-troca por e-mail",
    "Confirmar a entrega do produto de troca",
    "Agendar coleta do produto",
    "Retornar com a análise do laboratório",
    "Visita técnica ao ponto de venda",
]
LOCATION_NOTES = [
    "Gôndola de biscoitos, corredor 3.",
    "Comprado em promoção na entrada da loja.",
    "Produto exposto perto da janela, no sol.",
    "Loja do centro, caixa rápido.",
    "Compra feita pelo aplicativo de entregas.",
]
COMPLEMENTARY = [
    "Cliente pediu retorno no período da manhã.",
    "Cliente enviou fotos do produto por e-mail.",
    "Contato feito pela filha da cliente.",
    "Cliente guardou a embalagem e a nota fiscal.",
    "Segundo contato sobre o mesmo assunto.",
]

# Descrição and Resposta of the first detail, per causa (or ocorrência when it has none).
TEXTS: dict[str, tuple[str, str]] = {
    "Embalagem violada": (
        "O pacote de {produto} chegou com a embalagem aberta.",
        "Orientado a guardar a embalagem; enviaremos um vale-troca.",
    ),
    "Produto vencido": (
        "Comprou {produto} com a data de validade vencida.",
        "Pedimos desculpas; produto será substituído e o ponto de venda avisado.",
    ),
    "Corpo estranho": (
        "Relata ter encontrado um corpo estranho dentro do {produto}.",
        "Solicitada a coleta da amostra para análise da qualidade.",
    ),
    "Sabor alterado": (
        "Diz que o {produto} está com sabor diferente do habitual.",
        "Registrado o lote para análise; enviaremos o resultado por e-mail.",
    ),
    "Mofo": (
        "Encontrou mofo no {produto} antes do vencimento.",
        "Solicitada a coleta da amostra; troca autorizada.",
    ),
    "Transportadora": (
        "O pedido não foi entregue no prazo combinado.",
        "Acionada a transportadora; retorno em até dois dias úteis.",
    ),
    "Falta de estoque": (
        "O pedido foi entregue incompleto, faltando {produto}.",
        "Item em falta será enviado na próxima remessa.",
    ),
    "Valor divergente do pedido": (
        "O boleto veio com valor diferente do pedido.",
        "Encaminhado ao financeiro para correção do boleto.",
    ),
    "Cobrança em duplicidade": (
        "Recebeu duas cobranças da mesma compra.",
        "Estorno solicitado ao financeiro.",
    ),
    "Composição": (
        "Quer saber se o {produto} contém lactose.",
        "Informado conforme a lista de ingredientes do rótulo.",
    ),
    "Ingredientes": (
        "Pergunta quais são os ingredientes do {produto}.",
        "Enviada a lista de ingredientes por e-mail.",
    ),
    "Alergênicos": (
        "Pergunta se o {produto} pode conter traços de amendoim.",
        "Informado que pode conter traços, conforme o rótulo.",
    ),
    "Modo de conservação": (
        "Quer saber como conservar o {produto} depois de aberto.",
        "Orientado a manter em pote fechado, em local seco e fresco.",
    ),
    "Ponto de venda": (
        "Não encontra o {produto} nos mercados do bairro.",
        "Informados os pontos de venda mais próximos.",
    ),
    "Prazo": (
        "Pergunta qual o prazo para trocar o {produto}.",
        "Informado o prazo de 30 dias a partir da compra.",
    ),
    "Procedimento": (
        "Quer saber como fazer a troca do {produto}.",
        "Explicado o procedimento de troca no ponto de venda.",
    ),
    "Cordialidade": (
        "Elogia a educação da atendente no último contato.",
        "Agradecemos o elogio; repassado à equipe.",
    ),
    "Rapidez": (
        "Elogia a rapidez na solução do problema anterior.",
        "Agradecemos o retorno; repassado à equipe.",
    ),
    "Sabor": ("Elogia o sabor do {produto}.", "Agradecemos; repassado ao marketing."),
    "Qualidade": ("Elogia a qualidade do {produto}.", "Agradecemos; repassado à qualidade."),
    "Novo sabor": (
        "Sugere um sabor de morango para o {produto}.",
        "Sugestão registrada e enviada à área de produtos.",
    ),
    "Versão sem açúcar": (
        "Sugere uma versão sem açúcar do {produto}.",
        "Sugestão registrada e enviada à área de produtos.",
    ),
    "Embalagem": (
        "Sugere uma embalagem com fecho para o {produto}.",
        "Sugestão registrada e enviada à área de embalagens.",
    ),
}
FOLLOW_UPS: list[tuple[str, str]] = [
    ("Retorno ao cliente com a posição da área responsável.", "Cliente ciente e de acordo."),
    ("Cliente voltou a entrar em contato pedindo posição.", "Informado o andamento do caso."),
    ("Enviado vale-troca para retirada no ponto de venda.", "Cliente confirmou o recebimento."),
    ("Resultado da análise do lote enviado ao cliente.", "Cliente agradeceu o retorno."),
]
SATISFACTION_ANSWERS = [
    ["Ótimo", "Bom", "Regular", "Ruim"],
    ["Sim", "Sim", "Parcialmente", "Não"],
    [str(n) for n in range(4, 11)],
    ["", "Gostei do atendimento.", "Demorou um pouco.", "Muito bom!"],
]
HABITS_TITLE = "Pesquisa de hábitos de consumo"
HABITS_QUESTIONS = [
    (
        "Com que frequência você compra nossos produtos?",
        ["Toda semana", "A cada 15 dias", "Uma vez por mês", "Raramente"],
    ),
    ("Onde você costuma comprar?", ["Supermercado", "Padaria", "Atacarejo", "Internet"]),
]
HABITS_FAVOURITE = "Qual o seu produto preferido?"  # answered with a product of the Empresa


@dataclass
class _Chain:
    reason: Reason
    occurrence: Occurrence
    cause: Cause | None
    infos: list[ProductInfo]


@dataclass
class _Desk:
    """One Empresa's catalogue and people, as the generator needs them."""

    company: Company
    roles: dict[str, Role]
    relation_types: dict[str, RelationType]
    channels: dict[str, Channel]
    statuses: dict[str, Status]
    chains: list[_Chain]
    products: list[Product]
    units: list[Unit]
    attendants: list[User]
    cities: list[tuple[str, str, int, int, str, int]]
    surveys: list[Survey]
    entities: list[Entity] = field(default_factory=list)
    relatives: dict[int, list[Entity]] = field(default_factory=dict)  # entity id -> related


def _business_time(rng: random.Random, first: datetime, last: datetime) -> datetime:
    """A moment in office hours (Mon–Sat, 08:00–18:00 Brasília) between first and last."""
    days = max((last - first).days, 1)
    for _ in range(20):
        day = (first + timedelta(days=rng.randrange(days))).date()
        if day.weekday() == 6:
            continue
        moment = local(day.year, day.month, day.day, rng.randint(8, 17), rng.randrange(60))
        if first <= moment <= last:
            return moment
    return first


def _desk(
    session: Session, company: Company, cities: list[tuple[str, str, int, int, str, int]]
) -> _Desk:
    cid = company.id

    def rows(model: Any, *where: Any) -> list[Any]:
        return list(session.scalars(sa.select(model).where(*where).order_by(model.id)))

    chains = []
    for reason in rows(Reason, Reason.company_id == cid):
        for occurrence in sorted(reason.occurrences, key=lambda o: o.id):
            infos = rows(ProductInfo, ProductInfo.occurrence_id == occurrence.id)
            causes = sorted(occurrence.causes, key=lambda c: c.id) or [None]
            chains.extend(_Chain(reason, occurrence, cause, infos) for cause in causes)
    attendants = list(
        session.scalars(
            sa.select(User)
            .join(user_companies)
            .where(user_companies.c.company_id == cid)
            .order_by(User.id)
        )
    )
    statuses: dict[str, Status] = {}
    for status in session.scalars(
        sa.select(Status).where(Status.company_id == cid).order_by(Status.position, Status.id)
    ):
        statuses.setdefault(status.category, status)  # the first situação of each category
    return _Desk(
        company=company,
        roles={r.code: r for r in rows(Role, Role.company_id == cid)},
        relation_types={t.name: t for t in rows(RelationType, RelationType.company_id == cid)},
        channels={c.name: c for c in rows(Channel, Channel.company_id == cid)},
        statuses=statuses,
        chains=chains,
        products=rows(Product, Product.company_id == cid),
        units=rows(Unit, Unit.company_id == cid),
        attendants=attendants,
        cities=cities,
        surveys=rows(Survey, Survey.company_id == cid),
    )


class _Generator:
    def __init__(self, session: Session, seed: int) -> None:
        self.session = session
        self.rng = random.Random(seed)
        self.fake = Faker("pt_BR")
        self.fake.seed_instance(seed)
        # Every document already in the database, so no fake one repeats a fixed one.
        self.documents: set[str] = set(
            session.scalars(sa.select(Entity.document).where(Entity.document.is_not(None)))
        )

    # --- documents and names --------------------------------------------------------------

    def new_cpf(self) -> str:
        while True:
            # Bodies stay below 600 000 000: the bulk generator owns the range above.
            body = f"{self.rng.randrange(1_000_000, 600_000_000):09d}"
            document = cpf(body)
            if body != body[0] * 9 and document not in self.documents:
                self.documents.add(document)
                return document

    def new_cnpj(self) -> str:
        while True:
            if self.rng.random() < 0.1:  # the alphanumeric CNPJ, in force since July 2026
                root = "".join(self.rng.choice(ALNUM) for _ in range(8))
            else:
                root = f"{self.rng.randrange(10_000_000, 100_000_000)}"
            document = cnpj(root + "0001")
            if document not in self.documents:
                self.documents.add(document)
                return document

    def person_name(self) -> str:
        while True:
            name = self._any_person_name()
            words = text.words(name)
            if not any(
                all(any(w.startswith(r) for w in words) for r in reserved)
                for reserved in RESERVED_NAMES
            ):
                return name

    def _any_person_name(self) -> str:
        female = self.rng.random() < 0.52
        if self.rng.random() < 0.15:
            first = self.rng.choice(ACCENTED_FEMALE if female else ACCENTED_MALE)
        else:
            first = self.fake.first_name_female() if female else self.fake.first_name_male()
        surnames = [self.fake.last_name()]
        if self.rng.random() < 0.6:
            second = self.fake.last_name()
            if second != surnames[0]:
                surnames.append(second)
        return " ".join([first, *surnames])

    def email_for(self, name: str) -> str:
        words = text.fold(name).split()
        local_part = f"{words[0]}.{words[-1]}"
        if self.rng.random() < 0.4:
            local_part += str(self.rng.randint(1, 99))
        return f"{local_part}@{self.rng.choice(EMAIL_DOMAINS)}"

    # --- entities -------------------------------------------------------------------------

    def contact_data(self, desk: _Desk, entity: Entity) -> None:
        rng = self.rng
        city, state, zip_low, zip_high, ddd, _ = rng.choices(
            desk.cities, weights=[c[5] for c in desk.cities]
        )[0]
        for position in range(2 if rng.random() < 0.25 else 1):
            entity.addresses.append(
                Address(
                    is_principal=position == 0,
                    zip_code=f"{rng.randint(zip_low, zip_high):05d}{rng.randrange(1000):03d}",
                    street=self.fake.street_name()[:150],
                    number=str(rng.randint(1, 3999)),
                    complement=rng.choice(
                        [
                            None,
                            None,
                            None,
                            f"Apto {rng.randint(11, 184)}",
                            f"Sala {rng.randint(1, 40)}",
                            "Fundos",
                        ]
                    ),
                    district=self.fake.neighborhood()[:80],
                    city=city,
                    state=state,
                )
            )
        person = entity.kind == KIND_PERSON
        for position in range(2 if rng.random() < 0.3 else 1):
            mobile = (person and position == 0) or rng.random() < 0.3
            if mobile:
                number, kind = f"{ddd}9{rng.randint(60_000_000, 99_999_999)}", "celular"
            else:
                number = f"{ddd}{rng.randint(2, 5)}{rng.randint(0, 9_999_999):07d}"
                kind = "residencial" if person else "comercial"
            entity.phones.append(Phone(is_principal=position == 0, kind=kind, number=number))
        if person:
            entity.econtacts.append(
                EContact(is_principal=True, kind="email", value=self.email_for(entity.name))
            )
            if rng.random() < 0.4:
                kind = rng.choice(["whatsapp", "whatsapp", "instagram", "telegram"])
                handle = text.fold(entity.name).replace(" ", "")[:20]
                value = (
                    f"55{entity.phones[0].number}"
                    if kind == "whatsapp"
                    else f"@{handle}{rng.randint(1, 999)}"
                )
                entity.econtacts.append(EContact(is_principal=False, kind=kind, value=value))
        else:
            slug = text.fold(entity.trade_name or entity.name).replace(" ", "")[:30]
            entity.econtacts.append(
                EContact(is_principal=True, kind="email", value=f"contato@{slug}.example.com.br")
            )
            if rng.random() < 0.5:
                entity.econtacts.append(
                    EContact(
                        is_principal=False, kind="site", value=f"https://www.{slug}.example.com.br"
                    )
                )

    def pick_roles(self, desk: _Desk, kind: str) -> list[Role]:
        rng = self.rng
        if rng.random() < 0.05:
            return []  # no papel: the SAC icon stays disabled for these
        if kind == KIND_PERSON:
            codes = rng.choices(
                [["cliente"], ["consumidor"], ["cliente", "consumidor"]], weights=[65, 25, 10]
            )[0]
        else:
            codes = rng.choices(
                [["cliente"], ["cliente", "parceiro"], ["parceiro"], ["fornecedor"]],
                weights=[40, 30, 15, 15],
            )[0]
        roles = [desk.roles[c] for c in codes if c in desk.roles]
        return roles or [desk.roles["cliente"]]

    def add_entities(self, desk: _Desk, count: int) -> None:
        rng = self.rng
        cid = desk.company.id
        for _ in range(count):
            # Registered before the first fake ticket of either Empresa.
            created_at = _business_time(rng, local(2023, 1, 2), local(2026, 2, 27))
            if rng.random() < 0.2:
                segment = rng.choice(BUSINESS_SEGMENTS)
                surname = self.fake.last_name()
                entity = Entity(
                    company_id=cid,
                    kind=KIND_COMPANY,
                    document=self.new_cnpj(),
                    name=f"{segment} {surname} {rng.choice(COMPANY_SUFFIXES)}",
                    trade_name=f"{segment} {surname}",
                )
            else:
                birth = date(1945, 1, 1) + timedelta(days=rng.randrange(62 * 365))
                entity = Entity(
                    company_id=cid,
                    kind=KIND_PERSON,
                    document=self.new_cpf(),
                    name=self.person_name(),
                    birth_date=birth,
                )
            entity.roles = self.pick_roles(desk, entity.kind)
            if desk.units and rng.random() < 0.8:
                entity.units = [rng.choice(desk.units)]
            entity.created_at = created_at
            entity.updated_at = min(created_at + timedelta(days=rng.randrange(200)), REFERENCE_NOW)
            self.contact_data(desk, entity)
            desk.entities.append(entity)
        self.session.add_all(desk.entities)
        self.session.flush()

    def add_relations(self, desk: _Desk) -> None:
        rng = self.rng
        people = [e for e in desk.entities if e.kind == KIND_PERSON]
        family = [
            desk.relation_types[n] for n in ("Cônjuge", "Filho(a)") if n in desk.relation_types
        ]
        work = [
            desk.relation_types[n]
            for n in ("Funcionário(a)", "Sócio(a)", "Contato comercial")
            if n in desk.relation_types
        ]
        pairs: set[tuple[int, int]] = set()
        for entity in desk.entities:
            person = entity.kind == KIND_PERSON
            types = family if person else work
            wanted = (1 if rng.random() < 0.2 else 0) if person else rng.choice([0, 1, 1, 2])
            for _ in range(wanted if types and len(people) > 1 else 0):
                other = rng.choice(people)
                if other is entity or (entity.id, other.id) in pairs:
                    continue
                pairs.add((entity.id, other.id))
                entity.relations.append(
                    Relation(related_entity=other, relation_type=rng.choice(types))
                )
                desk.relatives.setdefault(entity.id, []).append(other)

    # --- alerts, orders, invoices, surveys ------------------------------------------------

    def add_alerts(self, desk: _Desk) -> None:
        rng = self.rng
        for entity in desk.entities:
            if rng.random() >= 0.1:
                continue
            priority = rng.choices([1, 2, 3, 4], weights=[35, 35, 20, 10])[0]
            created_at = _business_time(rng, entity.created_at, REFERENCE_NOW)
            alert = Alert(
                company_id=desk.company.id,
                entity=entity,
                priority=priority,
                message=rng.choice(ALERT_MESSAGES[priority]),
                created_by=rng.choice(desk.attendants),
                created_at=created_at,
            )
            fate = rng.random()
            if fate < 0.25:  # resolved
                alert.resolved_at = min(
                    created_at + timedelta(hours=rng.randint(1, 240)), REFERENCE_NOW
                )
                alert.resolved_by = rng.choice(desk.attendants)
            elif fate < 0.45:  # expired by its own date
                alert.active_until = (created_at + timedelta(days=rng.randint(1, 60))).date()
                alert.active_until = min(
                    alert.active_until, REFERENCE_NOW.date() - timedelta(days=1)
                )
            elif fate < 0.6:  # still active, with an end date
                alert.active_until = REFERENCE_NOW.date() + timedelta(days=rng.randint(5, 90))
            self.session.add(alert)

    def add_orders(self, desk: _Desk) -> None:
        rng = self.rng
        cid = desk.company.id
        if not desk.products:
            return
        drafts: list[tuple[date, int, Entity, str, list[tuple[Product, Decimal, Decimal]]]] = []
        for entity in desk.entities:
            if not any(r.code in ("cliente", "parceiro") for r in entity.roles):
                continue
            if rng.random() >= 0.4:
                continue
            for _ in range(rng.randint(1, 3)):
                ordered_on = max(
                    REFERENCE_NOW.date() - timedelta(days=rng.randrange(540)),
                    entity.created_at.date(),
                )
                age = (REFERENCE_NOW.date() - ordered_on).days
                if age < 7:
                    status = rng.choices(["aberto", "cancelado"], weights=[9, 1])[0]
                else:
                    status = rng.choices(
                        ["entregue", "faturado", "cancelado"], weights=[70, 20, 10]
                    )[0]
                lines = []
                wholesale = entity.kind == KIND_COMPANY
                for product in rng.sample(
                    desk.products, rng.randint(1, min(4, len(desk.products)))
                ):
                    quantity = Decimal(rng.randint(10, 200) if wholesale else rng.randint(1, 12))
                    price = product_price(product.code)
                    if wholesale:  # atacado: up to 12% off the list price
                        price = money(price * (1 - Decimal(rng.randint(0, 12)) / 100))
                    lines.append((product, quantity.quantize(Decimal("0.001")), price))
                drafts.append((ordered_on, len(drafts), entity, status, lines))
        # Numbers follow the order dates, as an ERP would hand them out.
        drafts.sort(key=lambda d: (d[0], d[1]))
        order_count = self.session.scalar(
            sa.select(sa.func.count()).select_from(Order).where(Order.company_id == cid)
        )
        invoice_count = self.session.scalar(
            sa.select(sa.func.count()).select_from(Invoice).where(Invoice.company_id == cid)
        )
        state = desk.units[0].state if desk.units else "SP"
        for ordered_on, _, entity, status, lines in drafts:
            order_count += 1
            order = make_order(
                cid, entity, f"PV-{1000 + order_count:06d}", ordered_on, status, lines
            )
            self.session.add(order)
            if status in ("faturado", "entregue"):
                invoice_count += 1
                number = 1000 + invoice_count
                day = ordered_on + timedelta(days=rng.randint(0, 2))
                issued_at = local(
                    day.year, day.month, day.day, rng.randint(8, 17), rng.randrange(60)
                )
                self.session.add(
                    Invoice(
                        company_id=cid,
                        entity=entity,
                        order=order,
                        number=number,
                        series=1,
                        issued_at=min(issued_at, REFERENCE_NOW),
                        total=order.total,
                        access_key=nfe_access_key(
                            UF_CODES.get(state, "35"),
                            day,
                            desk.company.document or "0" * 14,
                            1,
                            number,
                            rng.randrange(10**8),
                        ),
                    )
                )

    def add_surveys(self, desk: _Desk) -> None:
        rng = self.rng
        cid = desk.company.id
        satisfaction = next((s for s in desk.surveys if s.title == SURVEY_TITLE), None)
        if satisfaction is None:
            satisfaction = Survey(
                company_id=cid,
                title=SURVEY_TITLE,
                questions=[
                    SurveyQuestion(position=i, text=t)
                    for i, t in enumerate(SURVEY_QUESTIONS, start=1)
                ],
            )
            self.session.add(satisfaction)
        habits_questions = [
            *HABITS_QUESTIONS,
            (HABITS_FAVOURITE, [p.name for p in desk.products] or ["Nenhum"]),
        ]
        habits = Survey(
            company_id=cid,
            title=HABITS_TITLE,
            description="Pesquisa anual com clientes e consumidores.",
            questions=[
                SurveyQuestion(position=i, text=q)
                for i, (q, _) in enumerate(habits_questions, start=1)
            ],
        )
        self.session.add(habits)
        for entity in desk.entities:
            if entity.kind != KIND_PERSON:
                continue
            if rng.random() < 0.15:
                answers = [rng.choice(options) for options in SATISFACTION_ANSWERS]
                self._respond(satisfaction, entity, answers)
            if rng.random() < 0.08:
                answers = [rng.choice(options) for _, options in habits_questions]
                self._respond(habits, entity, answers)

    def _respond(self, survey: Survey, entity: Entity, answers: list[str]) -> None:
        self.session.add(
            SurveyResponse(
                survey=survey,
                entity=entity,
                answered_at=_business_time(self.rng, entity.created_at, REFERENCE_NOW),
                answers=[
                    SurveyAnswer(question=q, answer=a)
                    for q, a in zip(survey.questions, answers, strict=True)
                    if a
                ],
            )
        )

    # --- tickets and agenda ---------------------------------------------------------------

    def add_tickets(self, desk: _Desk, first_day: datetime) -> None:
        rng = self.rng
        company = desk.company
        drafts: list[tuple[datetime, int, Entity]] = []
        for entity in desk.entities:
            if entity.roles and rng.random() < 0.35:
                for _ in range(rng.randint(1, 3)):
                    # A third in the last two weeks, so the queues have open work in them.
                    recent = rng.random() < 0.3
                    start = REFERENCE_NOW - timedelta(days=14) if recent else first_day
                    opened_at = _business_time(rng, start, REFERENCE_NOW - timedelta(hours=1))
                    drafts.append((opened_at, len(drafts), entity))
        # Codes are handed out in opening order, as the desk would have done.
        drafts.sort(key=lambda d: (d[0], d[1]))
        partners = [
            e
            for e in self.session.scalars(
                sa.select(Entity).where(Entity.company_id == company.id).order_by(Entity.id)
            )
            if e.is_partner
        ]
        previous: dict[int, Ticket] = {}
        code = company.last_ticket_code
        tickets = []
        for opened_at, _, entity in drafts:
            code += 1
            ticket = self.ticket(desk, entity, code, opened_at, partners)
            if entity.id in previous and rng.random() < 0.2:
                ticket.related_ticket = previous[entity.id]
            previous[entity.id] = ticket
            tickets.append(ticket)
        company.last_ticket_code = code
        self.session.add_all(tickets)
        self.session.flush()
        self.add_appointments(desk, tickets)

    @staticmethod
    def unit_for(entity, desk, rng):
        """A unit linked to the entity (the same random draws as before, so the rest of the
        generated data does not move), or none when the entity has no unit."""
        drawn = rng.choice(desk.units) if desk.units and rng.random() < 0.85 else None
        if drawn is None or not entity.units:
            return None
        return drawn if drawn in entity.units else entity.units[0]

    def status_for(self, desk: _Desk, opened_at: datetime) -> Status:
        age = REFERENCE_NOW - opened_at
        if age < timedelta(days=3):
            weights = {"aberto": 35, "em_andamento": 30, "aguardando": 15, "concluido": 20}
        elif age < timedelta(days=15):
            weights = {"em_andamento": 20, "aguardando": 20, "concluido": 55, "cancelado": 5}
        else:
            weights = {"concluido": 88, "cancelado": 7, "aguardando": 5}
        categories = [c for c in weights if c in desk.statuses]
        category = self.rng.choices(categories, weights=[weights[c] for c in categories])[0]
        return desk.statuses[category]

    def ticket(
        self, desk: _Desk, entity: Entity, code: int, opened_at: datetime, partners: list[Entity]
    ) -> Ticket:
        rng = self.rng
        chain = rng.choices(
            desk.chains,
            weights=[{"Reclamação": 5, "Dúvida": 3}.get(c.reason.name, 1) for c in desk.chains],
        )[0]
        info = rng.choice(chain.infos) if chain.infos else None
        product = info.product if info else rng.choice(desk.products)
        status = self.status_for(desk, opened_at)
        closed = status.is_closed
        end = REFERENCE_NOW - timedelta(minutes=5)
        closed_at = (
            min(opened_at + timedelta(minutes=rng.randint(10, 10 * 24 * 60)), end)
            if closed
            else None
        )
        ticket = Ticket(
            company_id=desk.company.id,
            code=code,
            entity=entity,
            role=rng.choice(entity.roles),
            reason_id=chain.reason.id,
            occurrence_id=chain.occurrence.id,
            cause_id=chain.cause.id if chain.cause else None,
            unit=self.unit_for(entity, desk, rng),
            status=status,
            opened_by=rng.choice(desk.attendants),
            opened_at=opened_at,
            closed_at=closed_at,
            complementary_data=rng.choice(COMPLEMENTARY) if rng.random() < 0.15 else None,
        )
        if chain.reason.name == "Reclamação" and partners and rng.random() < 0.5:
            ticket.location = rng.choice(partners)
            ticket.location_note = rng.choice(LOCATION_NOTES)

        # Details: the first one tells the story, the others follow it up until the close.
        last = closed_at or end
        moments = sorted(
            [opened_at]
            + [
                _between(rng, opened_at, last)
                for _ in range(rng.choices([0, 1, 2], weights=[5, 3, 2])[0])
            ]
        )
        key = chain.cause.name if chain.cause else chain.occurrence.name
        first_text = TEXTS.get(
            key,
            (
                "Cliente entrou em contato sobre o {produto}.",
                "Registrado e encaminhado à área responsável.",
            ),
        )
        relatives = desk.relatives.get(entity.id, [])
        channel_names = [
            n
            for n in ("Telefone", "WhatsApp", "E-mail", "Chat", "Presencial")
            if n in desk.channels
        ]
        for position, moment in enumerate(moments):
            description, answer = first_text if position == 0 else rng.choice(FOLLOW_UPS)
            channel = desk.channels[
                rng.choices(channel_names, weights=[40, 25, 20, 10, 5][: len(channel_names)])[0]
            ]
            answered = closed or position < len(moments) - 1 or rng.random() < 0.5
            detail = TicketDetail(
                channel=channel,
                direction="receptivo"
                if position == 0 and rng.random() < 0.9
                else rng.choice(["ativo", "receptivo"]),
                opened_at=moment,
                attendant=rng.choice(desk.attendants),
                description=description.format(produto=product.name),
                answer=answer.format(produto=product.name) if answered else None,
                answered_at=min(moment + timedelta(minutes=rng.randint(2, 45)), last)
                if answered
                else None,
                contact=rng.choice(relatives) if relatives and rng.random() < 0.3 else None,
            )
            if position == 0 and channel.name in ("E-mail", "WhatsApp") and rng.random() < 0.4:
                detail.received_at = moment - timedelta(minutes=rng.randint(10, 600))
            if position == 0 and info is not None:
                detail.informations.append(self.detail_info(info, opened_at.date()))
            ticket.details.append(detail)
        final = ticket.details[-1]
        ticket.updated_by = final.attendant
        ticket.updated_at = max(d for d in (final.opened_at, final.answered_at, closed_at) if d)
        return ticket

    def detail_info(self, info: ProductInfo, complained_on: date) -> DetailInfo:
        rng = self.rng
        hot_code, hot_lot, hot_made = HOT_LOT
        if (
            info.product.code == hot_code
            and complained_on > hot_made + timedelta(days=7)
            and rng.random() < 0.8
        ):
            made, lot = hot_made, hot_lot
        else:  # made some weeks or months before the complaint
            made = complained_on - timedelta(days=rng.randint(7, 170))
            lot = f"L{made:%y%m}{rng.choice('ABCD')}{made:%d}"
        return DetailInfo(
            product_info=info,
            lot_number=lot,
            serial_number=None,
            manufactured_on=made,
            expires_on=made + timedelta(days=180),
            note=rng.choice([None, "Cliente guardou a embalagem.", "Foto recebida por e-mail."]),
        )

    def add_appointments(self, desk: _Desk, tickets: list[Ticket]) -> None:
        rng = self.rng
        for ticket in tickets:
            if ticket.status.is_closed or rng.random() >= 0.5:
                continue
            starts_at = _business_time(rng, REFERENCE_NOW, REFERENCE_NOW + timedelta(days=10))
            self.session.add(
                Appointment(
                    company_id=desk.company.id,
                    entity=ticket.entity,
                    ticket_id=ticket.id,
                    starts_at=starts_at,
                    subject=rng.choice(APPOINTMENT_SUBJECTS),
                    attendant=rng.choice(desk.attendants),
                )
            )
        for entity in desk.entities:
            if rng.random() >= 0.06:
                continue
            starts_at = _business_time(
                rng, REFERENCE_NOW - timedelta(days=90), REFERENCE_NOW + timedelta(days=30)
            )
            self.session.add(
                Appointment(
                    company_id=desk.company.id,
                    entity=entity,
                    starts_at=starts_at,
                    subject=rng.choice(APPOINTMENT_SUBJECTS),
                    attendant=rng.choice(desk.attendants),
                    done=starts_at < REFERENCE_NOW and rng.random() < 0.8,
                    notes=rng.choice([None, "Cliente pediu contato após as 14h."]),
                )
            )


def _between(rng: random.Random, first: datetime, last: datetime) -> datetime:
    seconds = max(int((last - first).total_seconds()), 1)
    return first + timedelta(seconds=rng.randrange(seconds))


def load_fake(session: Session, fixed: dict[str, Any], people: int = 300, seed: int = SEED) -> None:
    """Add `people` entities to the main Empresa (and a few to the second one) with
    everything hung on them; flushes, never commits."""
    generator = _Generator(session, seed)
    south_cities = [c for c in CITIES if c[1] in SOUTH_STATES]
    plan = [
        # Fake tickets start after Maria's three fixed ones, so codes follow the dates.
        (fixed["company"], people, CITIES, local(2026, 6, 3)),
        (
            fixed["company_south"],
            max(people // 20, 5) if people else 0,
            south_cities,
            local(2026, 3, 2),
        ),
    ]
    for company, count, cities, first_ticket_day in plan:
        desk = _desk(session, company, cities)
        generator.add_entities(desk, count)
        generator.add_relations(desk)
        generator.add_alerts(desk)
        generator.add_orders(desk)
        generator.add_surveys(desk)
        generator.add_tickets(desk, first_ticket_day)
    session.flush()
