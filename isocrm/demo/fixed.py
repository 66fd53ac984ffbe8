"""The named demo records that tests, the manual and the screenshots rely on.

`load_fixed(session)` adds them and flushes (ids are needed along the way) but never
commits, so a test can call it inside its own transaction. It returns the objects by key:

    company, company_south, unit_sp, unit_campinas, unit_south, atendente, supervisor,
    roles / roles_south (by code), relation_types (by name), channels (by name),
    statuses (by category), reasons (by name), occurrences / causes (by "Motivo/Ocorrência"
    and "Motivo/Ocorrência/Causa"), products (by code), product_info, survey,
    maria, jose, ana, mercado, joaquim, alfa, luiza, cooperativa,
    maria_alert, maria_old_alert, maria_orders, maria_invoices, maria_survey_response,
    maria_appointment, ticket_1, ticket_2, ticket_3

The helpers below (local times, money, NF-e keys, EANs) are shared with the fake data.
"""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from isocrm import brdocs
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
    OrderItem,
    Phone,
    Product,
    ProductInfo,
    ReadyAnswer,
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

# Every demo date hangs on this instant, so the data is the same whatever day it is loaded.
REFERENCE_NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
# Brasília time; Brazil has had no daylight saving since 2019, so a fixed offset is exact.
BRT = timezone(timedelta(hours=-3), "BRT")
CENT = Decimal("0.01")

COMPANY_NAME = "isoCRM Demonstração"
COMPANY_SOUTH_NAME = "Filial Sul Alimentos"
COMPANY_DOCUMENT = "45892137000136"
COMPANY_SOUTH_DOCUMENT = "73610548000127"

ROLES = {
    "cliente": "Cliente",
    "parceiro": "Parceiro",
    "fornecedor": "Fornecedor",
    "consumidor": "Consumidor",
}
RELATION_TYPES = ["Cônjuge", "Filho(a)", "Funcionário(a)", "Sócio(a)", "Contato comercial"]
CHANNELS = ["Telefone", "E-mail", "WhatsApp", "Chat", "Presencial"]
# (name, category); the first one is the default for new tickets.
STATUSES = [
    ("Aberto", "aberto"),
    ("Em andamento", "em_andamento"),
    ("Aguardando cliente", "aguardando"),
    ("Concluído", "concluido"),
    ("Cancelado", "cancelado"),
]
COMPLAINT_REASON = "Reclamação"  # the Motivo whose tickets count towards the lot warnings
# Motivo -> Ocorrência -> Causas; an empty list is an ocorrência without causas.
REASON_TREE: dict[str, dict[str, list[str]]] = {
    "Reclamação": {
        "Produto com defeito": [
            "Embalagem violada",
            "Produto vencido",
            "Corpo estranho",
            "Sabor alterado",
        ],
        "Atraso na entrega": ["Transportadora", "Falta de estoque"],
        "Cobrança indevida": ["Valor divergente do pedido", "Cobrança em duplicidade"],
    },
    "Dúvida": {
        "Informação sobre produto": ["Composição", "Alergênicos", "Modo de conservação"],
        "Onde encontrar": ["Ponto de venda"],
        "Troca e devolução": ["Prazo", "Procedimento"],
    },
    "Elogio": {
        "Atendimento": ["Cordialidade", "Rapidez"],
        "Produto": ["Sabor", "Qualidade"],
    },
    "Sugestão": {
        "Novo produto": ["Novo sabor", "Versão sem açúcar"],
        "Embalagem": [],
    },
}
# code, name, EAN body (12 digits), price, informações as (motivo, ocorrência, description)
PRODUCTS: list[tuple[str, str, str, str, list[tuple[str, str, str]]]] = [
    (
        "BIS-INT-200",
        "Biscoito Integral 200g",
        "789100000101",
        "4.59",
        [
            ("Reclamação", "Produto com defeito", "Lote e validade impressos na embalagem"),
            ("Dúvida", "Informação sobre produto", "Tabela nutricional e lista de ingredientes"),
        ],
    ),
    (
        "BIS-REC-CHO-140",
        "Biscoito Recheado Chocolate 140g",
        "789100000102",
        "3.29",
        [
            ("Reclamação", "Produto com defeito", "Lote e validade impressos na embalagem"),
        ],
    ),
    (
        "TOR-TRA-160",
        "Torrada Tradicional 160g",
        "789100000103",
        "6.90",
        [
            ("Reclamação", "Produto com defeito", "Data de fabricação no verso do pacote"),
        ],
    ),
    (
        "BOL-LAR-300",
        "Bolo de Laranja 300g",
        "789100000104",
        "9.49",
        [
            ("Dúvida", "Informação sobre produto", "Contém glúten, ovos e leite"),
        ],
    ),
    ("MAC-ESP-500", "Macarrão Espaguete 500g", "789100000105", "5.79", []),
    (
        "CAF-TRA-500",
        "Café Torrado e Moído Tradicional 500g",
        "789100000106",
        "18.90",
        [
            ("Reclamação", "Produto com defeito", "Lote na lateral da embalagem a vácuo"),
            ("Dúvida", "Informação sobre produto", "Torra média, moagem fina"),
        ],
    ),
    ("ACH-CRE-200", "Achocolatado em Pó 200g", "789100000107", "7.35", []),
]

SOUTH_STATUSES = [
    ("Aberto", "aberto"),
    ("Em atendimento", "em_andamento"),
    ("Resolvido", "concluido"),
    ("Cancelado", "cancelado"),
]
SOUTH_REASON_TREE: dict[str, dict[str, list[str]]] = {
    "Reclamação": {"Produto com defeito": ["Mofo", "Embalagem violada"]},
    "Dúvida": {"Informação sobre produto": ["Ingredientes"]},
}
SOUTH_PRODUCTS: list[tuple[str, str, str, str, list[tuple[str, str, str]]]] = [
    (
        "ERV-CHI-1KG",
        "Erva-Mate para Chimarrão 1kg",
        "789200000201",
        "16.50",
        [
            ("Reclamação", "Produto com defeito", "Lote e validade no fundo do pacote"),
        ],
    ),
    ("PAO-MIL-500", "Pão de Milho 500g", "789200000202", "8.90", []),
    ("CUC-UVA-400", "Cuca de Uva 400g", "789200000203", "14.90", []),
]

SURVEY_TITLE = "Pesquisa de satisfação"
SURVEY_QUESTIONS = [
    "Como você avalia o atendimento recebido?",
    "O seu problema foi resolvido?",
    "De 0 a 10, quanto você recomendaria nossos produtos a um amigo?",
    "Deixe um comentário (opcional).",
]


# --- helpers shared with the fake data ------------------------------------------------------


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A Brasília wall-clock time as an aware UTC datetime, the form UTCDateTime stores."""
    return datetime(year, month, day, hour, minute, tzinfo=BRT).astimezone(UTC)


def money(value: Decimal | str | int) -> Decimal:
    return Decimal(value).quantize(CENT)


def ean13(body: str) -> str:
    """A 12-digit EAN body plus its check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def cpf(body: str) -> str:
    return body + brdocs.cpf_check_digits(body)


def cnpj(body: str) -> str:
    return body + brdocs.cnpj_check_digits(body)


def nfe_access_key(
    state_code: str, issued: date, issuer_cnpj: str, series: int, number: int, random_code: int
) -> str:
    """The 44-digit NF-e chave de acesso: cUF, AAMM, CNPJ, modelo 55, série, número,
    tipo de emissão, código numérico and the modulo-11 check digit (weights 2..9)."""
    body = f"{state_code}{issued:%y%m}{issuer_cnpj}55{series:03d}{number:09d}1{random_code:08d}"
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(reversed(body)))
    check = 11 - total % 11
    return body + str(0 if check >= 10 else check)


def make_order(
    company_id: int,
    entity: Entity,
    number: str,
    ordered_on: date,
    status: str,
    lines: list[tuple[Product, Decimal, Decimal]],
) -> Order:
    """An order whose total is exactly the sum of its item totals."""
    items = [
        OrderItem(
            position=position,
            product=product,
            description=product.name,
            quantity=quantity,
            unit_price=unit_price,
            total=money(quantity * unit_price),
        )
        for position, (product, quantity, unit_price) in enumerate(lines, start=1)
    ]
    return Order(
        company_id=company_id,
        entity=entity,
        number=number,
        ordered_on=ordered_on,
        status=status,
        total=sum((item.total for item in items), Decimal("0.00")),
        items=items,
    )


def new_entity(
    company_id: int,
    kind: str,
    name: str,
    document: str | None,
    created_at: datetime,
    *,
    trade_name: str | None = None,
    birth_date: date | None = None,
    roles: list[Role] | None = None,
    units: list[Unit] | None = None,
    notes: str | None = None,
) -> Entity:
    # company_id is set explicitly: the before_flush hook copies it into the word index.
    return Entity(
        company_id=company_id,
        kind=kind,
        name=name,
        document=document,
        trade_name=trade_name,
        birth_date=birth_date,
        roles=list(roles or []),
        units=list(units or []),
        notes=notes,
        created_at=created_at,
        updated_at=created_at,
    )


# --- catalogues ----------------------------------------------------------------------------


def _catalogue(
    session: Session,
    company: Company,
    roles: dict[str, str],
    relation_types: list[str],
    channels: list[str],
    statuses: list[tuple[str, str]],
    tree: dict[str, dict[str, list[str]]],
    products: list[tuple[str, str, str, str, list[tuple[str, str, str]]]],
) -> dict[str, Any]:
    cid = company.id
    role_rows = {code: Role(company_id=cid, code=code, name=name) for code, name in roles.items()}
    type_rows = {name: RelationType(company_id=cid, name=name) for name in relation_types}
    channel_rows = {name: Channel(company_id=cid, name=name) for name in channels}
    status_rows = {
        category: Status(
            company_id=cid,
            name=name,
            category=category,
            position=position,
            is_default=position == 1,
        )
        for position, (name, category) in enumerate(statuses, start=1)
    }
    reasons: dict[str, Reason] = {}
    occurrences: dict[str, Occurrence] = {}
    causes: dict[str, Cause] = {}
    for reason_name, children in tree.items():
        reason = reasons[reason_name] = Reason(
            company_id=cid, name=reason_name, is_complaint=reason_name == COMPLAINT_REASON
        )
        for occurrence_name, cause_names in children.items():
            occurrence = Occurrence(name=occurrence_name)
            reason.occurrences.append(occurrence)
            occurrences[f"{reason_name}/{occurrence_name}"] = occurrence
            for cause_name in cause_names:
                cause = Cause(name=cause_name)
                occurrence.causes.append(cause)
                causes[f"{reason_name}/{occurrence_name}/{cause_name}"] = cause
    session.add_all(
        [
            *role_rows.values(),
            *type_rows.values(),
            *channel_rows.values(),
            *status_rows.values(),
            *reasons.values(),
        ]
    )
    session.flush()  # ProductInfo takes the occurrence id for its composite foreign key

    product_rows: dict[str, Product] = {}
    for code, name, ean_body, _price, infos in products:
        product = product_rows[code] = Product(
            company_id=cid, code=code, name=name, ean=ean13(ean_body)
        )
        for reason_name, occurrence_name, description in infos:
            product.informations.append(
                ProductInfo(
                    reason_id=reasons[reason_name].id,
                    occurrence_id=occurrences[f"{reason_name}/{occurrence_name}"].id,
                    description=description,
                )
            )
    session.add_all(product_rows.values())
    session.flush()
    return {
        "roles": role_rows,
        "relation_types": type_rows,
        "channels": channel_rows,
        "statuses": status_rows,
        "reasons": reasons,
        "occurrences": occurrences,
        "causes": causes,
        "products": product_rows,
    }


def product_price(code: str) -> Decimal:
    """List price of a demo product (the catalogue has no price column; orders need one)."""
    for rows in (PRODUCTS, SOUTH_PRODUCTS):
        for product_code, _name, _ean, price, _infos in rows:
            if product_code == code:
                return money(price)
    raise KeyError(code)


# --- the fixed records ---------------------------------------------------------------------


def load_fixed(session: Session) -> dict[str, Any]:
    """Add the named demo records and flush; the caller commits."""
    company = Company(name=COMPANY_NAME, document=COMPANY_DOCUMENT)
    south = Company(name=COMPANY_SOUTH_NAME, document=COMPANY_SOUTH_DOCUMENT)
    unit_sp = Unit(name="Matriz São Paulo", document=COMPANY_DOCUMENT, city="São Paulo", state="SP")
    unit_campinas = Unit(
        name="Filial Campinas", document=cnpj("458921370002"), city="Campinas", state="SP"
    )
    unit_south = Unit(
        name="Matriz Porto Alegre", document=COMPANY_SOUTH_DOCUMENT, city="Porto Alegre", state="RS"
    )
    company.units.extend([unit_sp, unit_campinas])
    south.units.append(unit_south)

    atendente = User(
        username="atendente",
        name="Ana Atendente",
        role="atendente",
        email="atendente@example.com.br",
        companies=[company],
        created_at=local(2024, 1, 8),
    )
    atendente.set_password("atendente123")
    supervisor = User(
        username="supervisor",
        name="Sérgio Supervisor",
        role="supervisor",
        email="supervisor@example.com.br",
        companies=[company, south],
        created_at=local(2024, 1, 8),
    )
    supervisor.set_password("supervisor123")
    session.add_all([company, south, atendente, supervisor])
    session.flush()

    cat = _catalogue(
        session, company, ROLES, RELATION_TYPES, CHANNELS, STATUSES, REASON_TREE, PRODUCTS
    )
    south_cat = _catalogue(
        session,
        south,
        {"cliente": "Cliente", "parceiro": "Parceiro"},
        ["Cônjuge", "Funcionário(a)"],
        ["Telefone", "E-mail", "WhatsApp"],
        SOUTH_STATUSES,
        SOUTH_REASON_TREE,
        SOUTH_PRODUCTS,
    )
    roles, types, channels = cat["roles"], cat["relation_types"], cat["channels"]
    statuses, reasons, occurrences, causes = (
        cat["statuses"],
        cat["reasons"],
        cat["occurrences"],
        cat["causes"],
    )
    products = cat["products"]
    biscuit = products["BIS-INT-200"]
    biscuit_info = biscuit.informations[0]

    survey = Survey(
        company_id=company.id,
        title=SURVEY_TITLE,
        description="Enviada após o encerramento do atendimento.",
        questions=[
            SurveyQuestion(position=i, text=t) for i, t in enumerate(SURVEY_QUESTIONS, start=1)
        ],
    )
    session.add(survey)

    cid = company.id
    # --- Maria Aparecida and her family -------------------------------------------------
    maria = new_entity(
        cid,
        KIND_PERSON,
        "Maria Aparecida da Silva",
        "52998224725",
        local(2024, 3, 10, 10, 15),
        birth_date=date(1968, 4, 15),
        roles=[roles["cliente"]],
        units=[unit_sp],
        notes="Prefere contato por WhatsApp no período da tarde.",
    )
    maria.addresses.extend(
        [
            Address(
                is_principal=True,
                zip_code="04101000",
                street="Rua das Acácias",
                number="245",
                complement="Apto 32",
                district="Vila Mariana",
                city="São Paulo",
                state="SP",
            ),
            Address(
                is_principal=False,
                zip_code="01310100",
                street="Avenida Paulista",
                number="1000",
                complement="Conj. 12",
                district="Bela Vista",
                city="São Paulo",
                state="SP",
            ),
        ]
    )
    maria.phones.extend(
        [
            Phone(is_principal=True, kind="celular", number="11987654321"),
            Phone(is_principal=False, kind="residencial", number="1133334444"),
        ]
    )
    maria.econtacts.extend(
        [
            EContact(is_principal=True, kind="email", value="maria.aparecida@example.com.br"),
            EContact(is_principal=False, kind="whatsapp", value="5511987654321"),
        ]
    )
    jose = new_entity(
        cid,
        KIND_PERSON,
        "José Carlos da Silva",
        cpf("284719536"),
        local(2024, 3, 10, 10, 20),
        birth_date=date(1965, 9, 2),
        roles=[roles["consumidor"]],
    )
    jose.phones.append(Phone(is_principal=True, kind="celular", number="11976543210"))
    ana = new_entity(
        cid,
        KIND_PERSON,
        "Ana Beatriz da Silva",
        cpf("401857263"),
        local(2024, 3, 10, 10, 22),
        birth_date=date(1995, 1, 23),
        roles=[roles["consumidor"]],
    )
    ana.econtacts.append(
        EContact(is_principal=True, kind="email", value="ana.beatriz@example.com.br")
    )
    maria.relations.extend(
        [
            Relation(related_entity=jose, relation_type=types["Cônjuge"]),
            Relation(related_entity=ana, relation_type=types["Filho(a)"]),
        ]
    )

    # --- other named entities ------------------------------------------------------------
    mercado = new_entity(
        cid,
        KIND_COMPANY,
        "Mercado Bom Preço Ltda",
        "11222333000181",
        local(2023, 11, 6, 14, 0),
        trade_name="Supermercado Bom Preço",
        roles=[roles["cliente"], roles["parceiro"]],
        units=[unit_sp],
    )
    mercado.addresses.append(
        Address(
            is_principal=True,
            zip_code="02011000",
            street="Rua Voluntários da Pátria",
            number="1500",
            district="Santana",
            city="São Paulo",
            state="SP",
        )
    )
    mercado.phones.append(Phone(is_principal=True, kind="comercial", number="1122223333"))
    mercado.econtacts.extend(
        [
            EContact(is_principal=True, kind="email", value="compras@bompreco.example.com.br"),
            EContact(is_principal=False, kind="site", value="https://www.bompreco.example.com.br"),
        ]
    )
    mercado.relations.append(
        Relation(related_entity=jose, relation_type=types["Contato comercial"])
    )
    joaquim = new_entity(
        cid,
        KIND_PERSON,
        "Joaquim Pereira",
        "11144477735",
        local(2025, 2, 3, 11, 40),
        birth_date=date(1979, 7, 30),
        notes="Cadastro incompleto: sem papel definido.",
    )
    joaquim.phones.append(Phone(is_principal=True, kind="celular", number="21991234567"))
    alfa = new_entity(
        cid,
        KIND_COMPANY,
        "Distribuidora Alfa Numérica S.A.",
        "12ABC34501DE35",
        local(2026, 7, 15, 9, 30),
        trade_name="Alfa Numérica",
        roles=[roles["fornecedor"]],
        units=[unit_campinas],
    )
    alfa.addresses.append(
        Address(
            is_principal=True,
            zip_code="13015904",
            street="Avenida Andrade Neves",
            number="800",
            district="Centro",
            city="Campinas",
            state="SP",
        )
    )
    alfa.phones.append(Phone(is_principal=True, kind="comercial", number="1932104400"))
    alfa.econtacts.append(
        EContact(is_principal=True, kind="email", value="fiscal@alfanumerica.example.com.br")
    )

    # --- the second Empresa's own people -------------------------------------------------
    sid = south.id
    south_roles = south_cat["roles"]
    luiza = new_entity(
        sid,
        KIND_PERSON,
        "Luiza Helena Fernandes",
        cpf("305261948"),
        local(2025, 5, 12, 15, 0),
        birth_date=date(1982, 11, 9),
        roles=[south_roles["cliente"]],
        units=[unit_south],
    )
    luiza.addresses.append(
        Address(
            is_principal=True,
            zip_code="90035001",
            street="Rua Ramiro Barcelos",
            number="1200",
            district="Bom Fim",
            city="Porto Alegre",
            state="RS",
        )
    )
    luiza.phones.append(Phone(is_principal=True, kind="celular", number="51998761234"))
    luiza.econtacts.append(
        EContact(is_principal=True, kind="email", value="luiza.fernandes@example.com.br")
    )
    cooperativa = new_entity(
        sid,
        KIND_COMPANY,
        "Cooperativa Gaúcha de Alimentos Ltda",
        cnpj("203948570001"),
        local(2025, 4, 1, 8, 30),
        trade_name="Coop Gaúcha",
        roles=[south_roles["cliente"], south_roles["parceiro"]],
    )
    cooperativa.addresses.append(
        Address(
            is_principal=True,
            zip_code="95020472",
            street="Rua Sinimbu",
            number="2100",
            district="Centro",
            city="Caxias do Sul",
            state="RS",
        )
    )
    cooperativa.phones.append(Phone(is_principal=True, kind="comercial", number="5430251100"))
    cooperativa.econtacts.append(
        EContact(is_principal=True, kind="email", value="sac@coopgaucha.example.com.br")
    )

    session.add_all([maria, jose, ana, mercado, joaquim, alfa, luiza, cooperativa])
    session.flush()

    # --- Maria's alerts, orders, invoices, survey and agenda ----------------------------
    maria_alert = Alert(
        company_id=cid,
        entity=maria,
        priority=3,
        created_by=supervisor,
        created_at=local(2026, 5, 15, 9, 0),
        message="Cliente com reclamações recorrentes de embalagem: tratar com prioridade "
        "e oferecer troca imediata.",
    )
    maria_old_alert = Alert(
        company_id=cid,
        entity=maria,
        priority=1,
        created_by=atendente,
        created_at=local(2025, 2, 3, 10, 0),
        message="Confirmar o endereço de entrega.",
        resolved_at=local(2025, 2, 5, 16, 30),
        resolved_by=atendente,
    )
    bolo, cafe = products["BOL-LAR-300"], products["CAF-TRA-500"]
    maria_orders = [
        make_order(
            cid,
            maria,
            "PV-001001",
            date(2026, 4, 28),
            "entregue",
            [
                (biscuit, Decimal("6.000"), product_price("BIS-INT-200")),
                (cafe, Decimal("2.000"), product_price("CAF-TRA-500")),
            ],
        ),
        make_order(
            cid,
            maria,
            "PV-001002",
            date(2026, 5, 27),
            "faturado",
            [
                (bolo, Decimal("3.000"), product_price("BOL-LAR-300")),
                (biscuit, Decimal("12.000"), money("4.29")),  # discount for the larger lot
            ],
        ),
        make_order(
            cid,
            maria,
            "PV-001003",
            date(2026, 10, 29),
            "aberto",
            [
                (cafe, Decimal("1.000"), product_price("CAF-TRA-500")),
            ],
        ),
    ]
    maria_invoices = [
        Invoice(
            company_id=cid,
            entity=maria,
            order=order,
            number=number,
            series=1,
            issued_at=issued,
            total=order.total,
            access_key=nfe_access_key("35", issued.date(), COMPANY_DOCUMENT, 1, number, code),
        )
        for order, number, issued, code in (
            (maria_orders[0], 1001, local(2026, 4, 29, 11, 5), 48213507),
            (maria_orders[1], 1002, local(2026, 5, 28, 15, 40), 90316624),
        )
    ]
    maria_survey_response = SurveyResponse(
        survey=survey,
        entity=maria,
        answered_at=local(2026, 5, 15, 18, 20),
        answers=[
            SurveyAnswer(question=q, answer=a)
            for q, a in zip(
                survey.questions,
                ["Ótimo", "Sim", "9", "A atendente foi muito educada e resolveu rápido."],
                strict=True,
            )
        ],
    )
    session.add_all(
        [maria_alert, maria_old_alert, *maria_orders, *maria_invoices, maria_survey_response]
    )

    # --- Maria's three earlier tickets (codes 1, 2, 3) -----------------------------------
    def chain(reason: str, occurrence: str, cause: str) -> dict[str, int]:
        return {
            "reason_id": reasons[reason].id,
            "occurrence_id": occurrences[f"{reason}/{occurrence}"].id,
            "cause_id": causes[f"{reason}/{occurrence}/{cause}"].id,
        }

    ticket_1 = Ticket(
        company_id=cid,
        code=1,
        entity=maria,
        role=roles["cliente"],
        **chain("Reclamação", "Produto com defeito", "Embalagem violada"),
        unit=unit_sp,
        location=mercado,
        location_note="Comprado no Supermercado Bom Preço de Santana, gôndola de biscoitos.",
        complementary_data="Cliente enviou foto da embalagem por e-mail.",
        status=statuses["concluido"],
        opened_by=atendente,
        updated_by=supervisor,
        opened_at=local(2026, 5, 12, 9, 12),
        closed_at=local(2026, 5, 14, 16, 40),
        updated_at=local(2026, 5, 14, 16, 40),
        details=[
            TicketDetail(
                channel=channels["Telefone"],
                direction="receptivo",
                opened_at=local(2026, 5, 12, 9, 12),
                attendant=atendente,
                description="Cliente relata que o pacote de Biscoito Integral 200g chegou "
                "com a embalagem aberta na lateral.",
                answer="Orientada a guardar a embalagem e enviar foto do lote por e-mail.",
                answered_at=local(2026, 5, 12, 9, 25),
                informations=[
                    DetailInfo(
                        product_info=biscuit_info,
                        note="Embalagem rasgada na lateral.",
                        lot_number="L2604B17",
                        manufactured_on=date(2026, 4, 17),
                        expires_on=date(2026, 10, 17),
                    )
                ],
            ),
            TicketDetail(
                channel=channels["E-mail"],
                direction="ativo",
                opened_at=local(2026, 5, 14, 16, 30),
                attendant=supervisor,
                description="Enviado vale-troca para retirada no Supermercado Bom Preço.",
                answer="Cliente confirmou o recebimento do vale-troca.",
                answered_at=local(2026, 5, 14, 16, 40),
            ),
        ],
    )
    ticket_2 = Ticket(
        company_id=cid,
        code=2,
        entity=maria,
        role=roles["cliente"],
        **chain("Dúvida", "Informação sobre produto", "Composição"),
        unit=unit_sp,
        status=statuses["concluido"],
        opened_by=atendente,
        updated_by=atendente,
        opened_at=local(2026, 5, 19, 14, 5),
        closed_at=local(2026, 5, 19, 14, 12),
        updated_at=local(2026, 5, 19, 14, 12),
        details=[
            TicketDetail(
                channel=channels["WhatsApp"],
                direction="receptivo",
                received_at=local(2026, 5, 19, 11, 47),
                opened_at=local(2026, 5, 19, 14, 5),
                attendant=atendente,
                contact=jose,
                description="O marido, José Carlos, pergunta se o Biscoito Integral 200g "
                "contém leite.",
                answer="Informado que o produto contém traços de leite, conforme o rótulo.",
                answered_at=local(2026, 5, 19, 14, 12),
            )
        ],
    )
    ticket_3 = Ticket(
        company_id=cid,
        code=3,
        entity=maria,
        role=roles["cliente"],
        **chain("Reclamação", "Atraso na entrega", "Transportadora"),
        unit=unit_campinas,
        status=statuses["em_andamento"],
        opened_by=atendente,
        updated_by=atendente,
        opened_at=local(2026, 6, 2, 10, 30),
        updated_at=local(2026, 6, 4, 15, 0),
        complementary_data="Pedido PV-001002.",
        details=[
            TicketDetail(
                channel=channels["Telefone"],
                direction="receptivo",
                opened_at=local(2026, 6, 2, 10, 30),
                attendant=atendente,
                description="O pedido PV-001002 não foi entregue no prazo combinado.",
                answer="Acionada a transportadora; retorno previsto em dois dias úteis.",
                answered_at=local(2026, 6, 2, 10, 41),
            ),
            TicketDetail(
                channel=channels["Chat"],
                direction="ativo",
                opened_at=local(2026, 6, 4, 15, 0),
                attendant=atendente,
                description="A transportadora informou nova data de entrega: 08/06/2026.",
            ),
        ],
    )
    company.last_ticket_code = 3
    session.add_all([ticket_1, ticket_2, ticket_3])
    session.flush()

    maria_appointment = Appointment(
        company_id=cid,
        entity=maria,
        ticket_id=ticket_3.id,
        attendant=atendente,
        starts_at=local(2026, 11, 3, 14, 0),
        subject="Retornar contato sobre a entrega do pedido PV-001002",
        notes="Confirmar se o pedido chegou completo.",
    )
    maria_past_appointment = Appointment(
        company_id=cid,
        entity=maria,
        ticket_id=ticket_1.id,
        attendant=atendente,
        starts_at=local(2026, 5, 18, 10, 0),
        done=True,
        subject="Confirmar a troca do Biscoito Integral 200g",
    )
    session.add_all([maria_appointment, maria_past_appointment])
    ready_answers = _ready_answers(cid, cat)
    session.add_all(ready_answers)
    session.flush()

    return {
        "ready_answers": ready_answers,
        "company": company,
        "company_south": south,
        "unit_sp": unit_sp,
        "unit_campinas": unit_campinas,
        "unit_south": unit_south,
        "atendente": atendente,
        "supervisor": supervisor,
        **cat,
        "roles_south": south_roles,
        "product_info": biscuit_info,
        "survey": survey,
        "maria": maria,
        "jose": jose,
        "ana": ana,
        "mercado": mercado,
        "joaquim": joaquim,
        "alfa": alfa,
        "luiza": luiza,
        "cooperativa": cooperativa,
        "maria_alert": maria_alert,
        "maria_old_alert": maria_old_alert,
        "maria_orders": maria_orders,
        "maria_invoices": maria_invoices,
        "maria_survey_response": maria_survey_response,
        "maria_appointment": maria_appointment,
        "ticket_1": ticket_1,
        "ticket_2": ticket_2,
        "ticket_3": ticket_3,
    }


def _ready_answers(company_id: int, cat: dict) -> list[ReadyAnswer]:
    """Respostas prontas of the demo's Empresa: one of an Ocorrência, one of a Motivo, one
    general (the ticket screen lists them in that order)."""
    reasons, occurrences = cat["reasons"], cat["occurrences"]
    return [
        ReadyAnswer(
            company_id=company_id,
            reason_id=reasons["Reclamação"].id,
            occurrence_id=occurrences["Reclamação/Produto com defeito"].id,
            title="Troca aprovada",
            body=(
                "Olá, {{ nome }}. A troca do produto do atendimento {{ protocolo }} foi "
                "aprovada: leve a embalagem a qualquer ponto de venda até 30 dias após {{ data }}."
            ),
        ),
        ReadyAnswer(
            company_id=company_id,
            reason_id=reasons["Reclamação"].id,
            title="Reclamação registrada",
            body=(
                "{{ nome }}, sua reclamação foi registrada sob o protocolo {{ protocolo }}. "
                "Retornaremos em até 5 dias úteis."
            ),
        ),
        ReadyAnswer(
            company_id=company_id,
            title="Agradecimento pelo contato",
            body=(
                "Obrigado pelo contato, {{ nome }}. Atenciosamente, {{ atendente }} — "
                "{{ empresa }}."
            ),
        ),
    ]
