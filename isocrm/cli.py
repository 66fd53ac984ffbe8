"""flask --app isocrm init-db | demo-data | create-user | mail-reply-to"""

import click
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from isocrm import logs
from isocrm.extensions import db
from isocrm.models import Company, User
from isocrm.models.user import USER_ROLES


def migrate_database() -> None:
    """Bring the schema to the newest migration."""
    upgrade()


def has_demo_data() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Company)) > 0


def init_app(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db():
        """Create or upgrade the schema (no demo data)."""
        migrate_database()
        click.echo("Banco de dados pronto.")

    @app.cli.command("demo-data")
    @click.option(
        "--entities",
        type=int,
        default=None,
        help="Generate this many extra entities in bulk (e.g. 1000000) for speed tests.",
    )
    @click.option(
        "--people",
        type=int,
        default=300,
        show_default=True,
        help="Realistic entities with addresses, contacts, orders and tickets.",
    )
    def demo_data(entities, people):
        """Load the demo dataset (fixed records + Faker pt_BR with a fixed seed)."""
        from isocrm.demo import generate_bulk_entities, load_demo

        migrate_database()
        if not has_demo_data():
            load_demo(db.session, people=people)
            click.echo("Dados de demonstração carregados.")
        else:
            click.echo("Os dados de demonstração já existem; nada a carregar.")
        if entities:
            company = db.session.scalar(
                sa.select(Company).where(Company.name == "isoCRM Demonstração")
            )
            created = generate_bulk_entities(db.session, company.id, entities, echo=click.echo)
            click.echo(f"{created} entidades geradas.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--name", prompt="Nome completo")
    @click.option("--role", type=click.Choice(USER_ROLES), default="atendente", show_default=True)
    @click.option(
        "--company",
        "company_names",
        multiple=True,
        help="Empresa (by name); repeat for several. Default: every Empresa.",
    )
    def create_user(username, name, role, company_names):
        """Create a user; the password is asked for, never taken from the command line."""
        if db.session.scalar(sa.select(User).where(User.username == username)):
            raise click.ClickException(f"O usuário {username!r} já existe.")
        query = sa.select(Company).order_by(Company.name)
        if company_names:
            query = query.where(Company.name.in_(company_names))
        companies = list(db.session.scalars(query))
        if not companies or (company_names and len(companies) != len(set(company_names))):
            raise click.ClickException("Empresa não encontrada.")
        password = click.prompt("Senha", hide_input=True, confirmation_prompt=True)
        if len(password) < 8:
            raise click.ClickException("A senha precisa ter ao menos 8 caracteres.")
        user = User(username=username, name=name, role=role, companies=companies)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        logs.cli_event(
            "user_created",
            target=username,
            role=role,
            companies=[company.name for company in companies],
        )
        click.echo(f"Usuário {username} criado.")

    @app.cli.command("mail-reply-to")
    @click.argument("company_name")
    @click.argument("address", required=False, default="")
    def mail_reply_to(company_name, address):
        """Where customers' replies to an Empresa's e-mails go (Reply-To); no address: none."""
        from isocrm.mail.service import valid_reply_to

        company = db.session.scalar(sa.select(Company).where(Company.name == company_name))
        if company is None:
            raise click.ClickException("Empresa não encontrada.")
        address = address.strip()
        if address and not valid_reply_to(address):
            raise click.ClickException(
                "Endereço de e-mail inválido: use o formato nome@dominio.com.br."
            )
        company.mail_reply_to = address or None
        db.session.commit()
        if address:
            click.echo(f"Reply-To de {company.name}: {address}.")
        else:
            click.echo(f"{company.name} sem Reply-To.")
