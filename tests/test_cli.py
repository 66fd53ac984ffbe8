import sqlalchemy as sa

from isocrm.models import Entity, User


def test_create_user_asks_for_the_password(app, db, demo):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "joana", "--name", "Joana Lima", "--role", "supervisor"],
        input="segredo-forte\nsegredo-forte\n",
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.username == "joana"))
    assert user.check_password("segredo-forte")
    assert user.role == "supervisor"
    assert "segredo-forte" not in result.output


def test_create_user_refuses_a_short_password_and_a_taken_name(app, db, demo):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "curto", "--name", "X"], input="123\n123\n")
    assert result.exit_code != 0 and "10 caracteres" in result.output
    result = runner.invoke(args=["create-user", "atendente", "--name", "X"], input="")
    assert result.exit_code != 0 and "já existe" in result.output
    # One login whatever its case: "Atendente" would log in as "atendente".
    result = runner.invoke(args=["create-user", "Atendente", "--name", "X"], input="")
    assert result.exit_code != 0 and "já existe" in result.output


def test_init_db_is_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["init-db"]).exit_code == 0


def test_demo_data_with_bulk_entities(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data", "--people", "10"])
    assert result.exit_code == 0, result.output
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Entity))
    result = runner.invoke(args=["demo-data", "--entities", "500"])
    assert result.exit_code == 0, result.output
    assert "já existem" in result.output  # the demo is not loaded twice
    after = db.session.scalar(sa.select(sa.func.count()).select_from(Entity))
    assert after - before == 500
