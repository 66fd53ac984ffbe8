"""flask --app isocrm teams create | add-member | remove-member | list

Equipes are kept here or in Configurações › Equipes (isocrm/settings), with the same rules:
team_name() for the name, company_users() for who may be a member."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from isocrm.extensions import db
from isocrm.models import Company, Team, User
from isocrm.teams import TEAM_NAME_MAX, company_users, team_name

teams = AppGroup("teams", help="Equipes: create them and choose their members.")


def _company(company_id: int) -> Company:
    company = db.session.get(Company, company_id)
    if company is None:
        raise click.ClickException(f"Empresa {company_id} não encontrada.")
    return company


def _team(company_id: int, name: str) -> Team:
    team = db.session.scalar(
        sa.select(Team).where(Team.company_id == company_id, Team.name == name.strip())
    )
    if team is None:
        raise click.ClickException(f"Equipe {name!r} não encontrada nesta Empresa.")
    return team


def _member(company_id: int, username: str) -> User:
    user = db.session.scalar(
        company_users(company_id).where(sa.func.lower(User.username) == username.strip().lower())
    )
    if user is None:
        raise click.ClickException(f"Usuário {username!r} não encontrado nesta Empresa.")
    return user


def _team_and_member(company_id: int, team_name: str, username: str) -> tuple[Team, User]:
    company = _company(company_id)
    return _team(company.id, team_name), _member(company.id, username)


company_option = click.option(
    "--company", "company_id", type=int, required=True, help="Id of the Empresa."
)


@teams.command("create")
@click.argument("name")
@company_option
def create(name, company_id):
    """Create the equipe NAME in the Empresa."""
    company = _company(company_id)
    name = team_name(name)
    if not name or len(name) > TEAM_NAME_MAX:
        raise click.ClickException(f"O nome da equipe deve ter de 1 a {TEAM_NAME_MAX} caracteres.")
    if db.session.scalar(sa.select(Team).where(Team.company_id == company.id, Team.name == name)):
        raise click.ClickException(f"A equipe {name!r} já existe em {company.name}.")
    db.session.add(Team(company_id=company.id, name=name))
    db.session.commit()
    click.echo(f"Equipe {name} criada em {company.name}.")


@teams.command("add-member")
@click.argument("team_name")
@click.argument("username")
@company_option
def add_member(team_name, username, company_id):
    """Add USERNAME (a user of the Empresa) to the equipe TEAM_NAME."""
    team, user = _team_and_member(company_id, team_name, username)
    if user in team.members:
        click.echo(f"{user.username} já é membro da equipe {team.name}.")
        return
    team.members.append(user)
    db.session.commit()
    click.echo(f"{user.username} agora é membro da equipe {team.name}.")


@teams.command("remove-member")
@click.argument("team_name")
@click.argument("username")
@company_option
def remove_member(team_name, username, company_id):
    """Take USERNAME out of the equipe TEAM_NAME (the tickets the user holds stay theirs)."""
    team, user = _team_and_member(company_id, team_name, username)
    if user not in team.members:
        raise click.ClickException(f"{user.username} não é membro da equipe {team.name}.")
    team.members.remove(user)
    db.session.commit()
    click.echo(f"{user.username} saiu da equipe {team.name}.")


@teams.command("list")
@company_option
def list_teams(company_id):
    """The Empresa's equipes and their members."""
    company = _company(company_id)
    found = db.session.scalars(
        sa.select(Team).where(Team.company_id == company.id).order_by(Team.name)
    ).all()
    if not found:
        click.echo(f"{company.name} não tem equipes.")
    for team in found:
        members = ", ".join(u.username for u in team.members) or "sem membros"
        state = "" if team.active else " (inativa)"
        click.echo(f"{team.name}{state}: {members}")
