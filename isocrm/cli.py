"""flask --app isocrm init-db | demo-data | create-company | create-user | require-totp |
reset-totp | mail-reply-to | backup | restore (and the features' own: teams, prazos, import,
fetch-mail)"""

import sqlite3
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from isocrm import logs
from isocrm.auth.passwords import find_user, password_problems
from isocrm.extensions import db
from isocrm.models import Company, User
from isocrm.models.user import ROLE_SUPERVISOR, USER_ROLES
from isocrm.permissions import ROLE_RANK


def migrate_database() -> None:
    """Bring the schema to the newest migration."""
    upgrade()


def has_demo_data() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Company)) > 0


def init_app(app: Flask) -> None:
    from isocrm.desk.teams_cli import teams
    from isocrm.imports.cli import import_command
    from isocrm.inbound.cli import fetch_mail
    from isocrm.sla.cli import prazos

    app.cli.add_command(teams)
    app.cli.add_command(prazos)
    app.cli.add_command(import_command)
    app.cli.add_command(fetch_mail)

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
        "--tickets",
        type=int,
        default=None,
        help="Generate this many tickets in bulk over 5 years for the Empresa's customers.",
    )
    @click.option(
        "--details",
        type=int,
        default=None,
        help="Details and information lines of the bulk tickets together (a quarter are "
        "lines); default 10 per 3 tickets.",
    )
    @click.option(
        "--people",
        type=int,
        default=300,
        show_default=True,
        help="Realistic entities with addresses, contacts, orders and tickets.",
    )
    def demo_data(entities, tickets, details, people):
        """Load the demo dataset (fixed records + Faker pt_BR with a fixed seed)."""
        from isocrm.demo import generate_bulk_entities, generate_bulk_tickets, load_demo

        migrate_database()
        if not has_demo_data():
            load_demo(db.session, people=people)
            click.echo("Dados de demonstração carregados.")
        else:
            click.echo("Os dados de demonstração já existem; nada a carregar.")
        company = db.session.scalar(sa.select(Company).where(Company.name == "isoCRM Demonstração"))
        if entities:
            created = generate_bulk_entities(db.session, company.id, entities, echo=click.echo)
            click.echo(f"{created} entidades geradas.")
        if tickets:
            if details is None:
                details = tickets * 10 // 3
            try:
                made = generate_bulk_tickets(
                    db.session, company.id, tickets, details, echo=click.echo
                )
            except ValueError as error:
                raise click.ClickException(str(error)) from None
            click.echo("{} atendimentos, {} detalhes e {} informações gerados.".format(*made))

    @app.cli.command("create-company")
    @click.argument("name")
    @click.option("--cnpj", "document", default=None, help="The Empresa's CNPJ (optional).")
    @click.option("--unidade", "unit_name", default=None, help="A first Unidade (optional).")
    def create_company(name, document, unit_name):
        """Create an Empresa with its starter catalogue (papéis, situações, canais)."""
        from isocrm.settings.starter import StarterError
        from isocrm.settings.starter import create_company as add_company

        try:
            company = add_company(db.session, name, document, unit_name)
        except StarterError as error:
            raise click.ClickException(str(error)) from None
        db.session.commit()
        logs.cli_event("company_created", target=company.name)
        click.echo(f"Empresa {company.name} criada (id {company.id}).")

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
        if find_user(username):  # one login whatever its case, as on Usuários
            raise click.ClickException(f"O usuário {username!r} já existe.")
        query = sa.select(Company).order_by(Company.name)
        if company_names:
            query = query.where(Company.name.in_(company_names))
        companies = list(db.session.scalars(query))
        if not companies or (company_names and len(companies) != len(set(company_names))):
            raise click.ClickException("Empresa não encontrada.")
        password = click.prompt("Senha", hide_input=True, confirmation_prompt=True)
        problems = password_problems(password, username)
        if problems:
            raise click.ClickException(" ".join(problems))
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

    @app.cli.command("require-totp")
    @click.option(
        "--role",
        type=click.Choice(USER_ROLES),
        default=None,
        help=f"Every user of this role and above (e.g. {ROLE_SUPERVISOR}: supervisors and admins).",
    )
    @click.option("--user", "usernames", multiple=True, help="A user by username; repeatable.")
    @click.option("--off", is_flag=True, help="Stop requiring it (an enrolled user keeps it).")
    def require_totp(role, usernames, off):
        """Require the TOTP second factor: those not enrolled must enroll at their next login.
        Run by whoever administers the server (the command line is the admins' tool)."""
        if not role and not usernames:
            raise click.ClickException("Informe --role ou --user.")
        query = sa.select(User).where(User.is_system.is_(False))  # not the Caixa de entrada
        conditions = []
        if role:
            roles = [r for r in USER_ROLES if ROLE_RANK[r] >= ROLE_RANK[role]]
            conditions.append(User.role.in_(roles))
        if usernames:
            conditions.append(sa.func.lower(User.username).in_([u.lower() for u in usernames]))
        users = list(db.session.scalars(query.where(sa.or_(*conditions)).order_by(User.username)))
        found = {u.username.lower() for u in users}
        missing = [u for u in usernames if u.lower() not in found]
        if missing:
            raise click.ClickException(f"Usuário não encontrado: {', '.join(missing)}.")
        for user in users:
            user.totp_required = not off
        db.session.commit()
        state = "não é mais exigida" if off else "exigida"
        names = ", ".join(u.username for u in users)
        click.echo(f"Verificação em duas etapas {state} para: {names}.")

    @app.cli.command("reset-totp")
    @click.argument("username")
    def reset_totp(username):
        """Forget a user's authenticator (a lost phone): the next login asks for the password
        only, or sends to a new enrollment when the second factor is required."""
        user = db.session.scalar(
            sa.select(User).where(sa.func.lower(User.username) == username.strip().lower())
        )
        if user is None:
            raise click.ClickException(f"Usuário não encontrado: {username}.")
        user.totp_secret = None
        user.totp_last_step = None
        db.session.commit()
        click.echo(f"Verificação em duas etapas de {user.username} desfeita.")

    @app.cli.command("mail-reply-to")
    @click.argument("company_name")
    @click.argument("address", required=False, default="")
    def mail_reply_to(company_name, address):
        """Where customers' replies to an Empresa's e-mails go (Reply-To); no address: none."""
        from wtforms.validators import ValidationError

        from isocrm.fields import email_address  # the rule of Administração › E-mail da Empresa

        company = db.session.scalar(sa.select(Company).where(Company.name == company_name))
        if company is None:
            raise click.ClickException("Empresa não encontrada.")
        address = address.strip()
        try:
            if address:
                email_address(address)
        except ValidationError:
            raise click.ClickException(
                "Endereço de e-mail inválido: use o formato nome@dominio.com.br."
            ) from None
        company.mail_reply_to = address or None
        db.session.commit()
        if address:
            click.echo(f"Reply-To de {company.name}: {address}.")
        else:
            click.echo(f"{company.name} sem Reply-To.")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Overwrite PATH if it exists.")
    def backup_command(path, yes):
        """Copy the whole database to PATH while the app keeps serving (SQLite: online
        backup API; PostgreSQL: pg_dump, custom format)."""
        from isocrm import backup

        if path.exists() and not yes:
            raise click.ClickException(
                f"{path} já existe; escolha outro nome ou repita com --yes para substituí-lo."
            )
        if not path.parent.is_dir():
            raise click.ClickException(f"A pasta {path.parent} não existe.")
        url = db.engine.url
        _release_connections()
        try:
            if url.get_backend_name() == "sqlite":
                contents = backup.sqlite_backup(url, path)
                click.echo(
                    f"Cópia de segurança gravada em {path} ({contents.describe()}); "
                    "integridade verificada."
                )
            else:
                contents = _pg_contents()
                backup.pg_backup(url, path, _pg_major())
                click.echo(
                    f"Cópia de segurança gravada em {path} (pg_dump, formato custom; o banco "
                    f"tinha {contents.describe()} pouco antes)."
                )
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from error

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Really replace the whole database with PATH.")
    def restore_command(path, yes):
        """Replace the whole database with a copy made by `backup` (SQLite: online backup
        API; PostgreSQL: pg_restore --clean --if-exists in one transaction)."""
        from isocrm import backup

        url = db.engine.url
        sqlite = url.get_backend_name() == "sqlite"
        where = url.render_as_string(hide_password=True)
        try:
            current = backup.sqlite_contents(url) if sqlite else _pg_contents()
        except (sa.exc.DBAPIError, sqlite3.DatabaseError):
            current = None
        if not yes:
            now = current.describe() if current else "vazio ou sem o esquema"
            raise click.ClickException(
                f"restore substitui TODO o conteúdo de {where} (hoje: {now}) pelo da cópia "
                f"{path}. Nada foi alterado. Repita com --yes para confirmar."
            )
        _release_connections()
        try:
            if sqlite:
                _before, after = backup.sqlite_restore(url, path)
            else:
                backup.pg_restore(url, path, _pg_major())
                _release_connections()  # no connection may keep plans of the dropped tables
                after = _pg_contents()
        except backup.BackupError as error:
            raise click.ClickException(
                f"{error}\nNada foi restaurado: o banco continua como estava."
            ) from error
        was = current.describe() if current else "vazio"
        click.echo(
            f"Banco {where} restaurado a partir de {path}: agora {after.describe()} (antes: {was})."
        )
        if after.revision != _head_revision():
            click.echo(
                "A cópia é de outra versão do esquema: rode `flask --app isocrm init-db` "
                "para aplicar as migrações."
            )


def _release_connections() -> None:
    """End this command's transactions: a dump or restore must not wait on our own locks."""
    db.session.remove()
    db.engine.dispose()


def _pg_contents():
    from isocrm.backup import contents_of

    with db.engine.connect() as conn:
        return contents_of(conn)


def _pg_major() -> int:
    with db.engine.connect() as conn:
        return int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000


def _head_revision() -> str | None:
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()
