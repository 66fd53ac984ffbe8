"""Pesquisa de satisfação: a concluded ticket sends its customer (through the Caixa de saída
and a real SMTP server) a single-use link to a public page; the answer lands in the
entity's Pesquisa and in the painel's figures per attendant and Motivo."""

import re
import threading
from datetime import timedelta

import sqlalchemy as sa

from isocrm.models import (
    OutboxMessage,
    Status,
    Survey,
    SurveyInvitation,
    SurveyResponse,
    Ticket,
    TicketEvent,
    utcnow,
)
from isocrm.models.ticket import EVENT_STATUS
from isocrm.satisfaction.service import COMMENT_QUESTION, RATING_QUESTION, SURVEY_TITLE
from tests.conftest import csrf_token_from, login_client
from tests.factories import create_ticket, fresh, ticket_by_code, token_of

LINK = re.compile(r"https?://[^\s]+/pesquisa/([A-Za-z0-9_-]+)")
ANSWERED = "Esta pesquisa já foi respondida."


# --- helpers -----------------------------------------------------------------------------------


def orm_ticket(db, demo, entity, *, owner=None, reason="Reclamação", company=None):
    """An open, confirmed ticket made through the ORM (committed)."""
    fresh(db)  # a snapshot older than the requests' writes could not write (SQLite WAL)
    company = company or demo["company"]
    status_id = db.session.scalar(
        sa.select(Status.id).where(Status.company_id == company.id, Status.is_default)
    )
    code = (db.session.scalar(sa.select(sa.func.max(Ticket.code))) or 0) + 1
    ticket = Ticket(
        company_id=company.id,
        code=code,
        entity_id=entity.id,
        role_id=demo["roles"]["cliente"].id,
        reason_id=demo["reasons"][reason].id,
        status_id=status_id,
        opened_by_id=demo["atendente"].id,
        updated_by_id=demo["atendente"].id,
        owner_id=(owner or demo["atendente"]).id,
    )
    db.session.add(ticket)
    db.session.commit()
    return ticket


def conclude(client, tickets, status_id, *, follow=False):
    """The painel's Alterar situação (a supervisor's client)."""
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return client.post(
        "/painel/situacao",
        data={
            "csrf_token": token,
            "voltar": "/?aba=todos",
            "ticket": [f"{t.id}:{t.version}" for t in tickets],
            "status_id": status_id,
        },
        follow_redirects=follow,
    )


def supervisor(app, company):
    """The supervisor's client (in both Empresas), looking at `company`."""
    client = login_client(app, "supervisor", "supervisor123")
    switch = {"company_id": company.id, "next": "/", "csrf_token": token_of(client, "/")}
    assert client.post("/empresa", data=switch).status_code == 303
    return client


def outbox_links(db, ticket_id) -> list[str]:
    fresh(db)
    bodies = db.session.scalars(
        sa.select(OutboxMessage.body).where(OutboxMessage.ticket_id == ticket_id)
    ).all()
    return [LINK.search(body).group(0) for body in bodies]


def path_of(link: str) -> str:
    return "/pesquisa/" + LINK.search(link).group(1)


def answer(client, link, rating="4", comment="Fui bem atendida."):
    """The customer's browser: open the page, pick a rating, send."""
    page = client.get(path_of(link))
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": csrf_token_from(page.get_data(as_text=True)), "rating": rating}
    data["comment"] = comment
    return client.post(path_of(link), data=data)


def invitations(db, ticket_id):
    fresh(db)
    return db.session.scalars(
        sa.select(SurveyInvitation).where(SurveyInvitation.ticket_id == ticket_id)
    ).all()


# --- the done-when test ------------------------------------------------------------------------


def test_concluding_a_ticket_mails_a_link_that_works_once(app, client, auth, db, demo, smtp):
    smtp.start()
    auth.login()
    response = create_ticket(client, demo, status_id=demo["statuses"]["concluido"].id)
    assert response.status_code == 303
    code = int(response.headers["Location"].split("/atendimentos/")[1].split("?")[0])
    ticket = ticket_by_code(db, code)

    # One e-mail, to Maria's e-mail, sent through the real SMTP server.
    (message,) = smtp.handler.messages
    assert message["To"] == "maria.aparecida@example.com.br"
    assert ticket.code_display in message["Subject"]
    body = message.get_content()
    link = LINK.search(body).group(0)
    token = LINK.search(body).group(1)
    assert len(token) >= 43
    (outbox,) = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)
    ).all()
    assert outbox.status == "enviado"
    # Its Message-ID is kept: the customer's reply to it (In-Reply-To) finds the ticket.
    assert outbox.message_id and message["Message-ID"] == outbox.message_id
    (invitation,) = invitations(db, ticket.id)
    assert invitation.token_hash != token and token not in invitation.token_hash
    assert invitation.attendant_id == demo["atendente"].id
    assert invitation.expires_at - invitation.created_at == timedelta(days=30)

    # The customer's browser: no login, nothing of the desk.
    customer = app.test_client()
    page = customer.get(path_of(link))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert ticket.code_display in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page.headers["X-Robots-Tag"] and 'name="robots"' in html
    assert "/atendimentos" not in html and "/entrar" not in html and "Sair" not in html
    assert demo["company"].name not in html
    assert 'type="radio"' in html and html.count('name="rating"') == 5

    saved = answer(customer, link, rating="4", comment="Resolveram rápido.")
    assert saved.status_code == 200
    assert "Obrigado" in saved.get_data(as_text=True)

    # Once only: a second visit and a second submit say it was answered, nothing is added.
    again = customer.get(path_of(link))
    assert again.status_code == 200 and ANSWERED in again.get_data(as_text=True)
    token_field = csrf_token_from(page.get_data(as_text=True))
    second = customer.post(
        path_of(link), data={"csrf_token": token_field, "rating": "1", "comment": "outra"}
    )
    assert ANSWERED in second.get_data(as_text=True)
    assert ANSWERED in app.test_client().get(path_of(link)).get_data(as_text=True)

    (invitation,) = invitations(db, ticket.id)
    assert invitation.rating == 4 and invitation.answered_at is not None
    (response_row,) = db.session.scalars(
        sa.select(SurveyResponse).where(SurveyResponse.ticket_id == ticket.id)
    ).all()
    assert response_row.entity_id == demo["maria"].id
    assert response_row.survey.title == SURVEY_TITLE
    assert {a.question.text: a.answer for a in response_row.answers} == {
        RATING_QUESTION: "4",
        COMMENT_QUESTION: "Resolveram rápido.",
    }

    # The entity's Pesquisa shows it, with the atendimento it rated.
    listing = client.get(f"/entidades/{demo['maria'].id}/pesquisas").get_data(as_text=True)
    assert SURVEY_TITLE in listing and ticket.code_display in listing
    detail = client.get(f"/entidades/{demo['maria'].id}/pesquisas/{response_row.id}")
    assert detail.status_code == 200
    assert "Resolveram rápido." in detail.get_data(as_text=True)


def test_a_dead_smtp_server_is_tried_once_per_bulk_conclusion(app, db, demo, smtp):
    """smtp is not started: the first message fails, the others wait in the Caixa de
    saída (retried there) instead of each waiting on the dead server."""
    tickets = [orm_ticket(db, demo, demo["maria"]) for _ in range(3)]
    page = conclude(supervisor(app, demo["company"]), tickets, demo["statuses"]["concluido"].id)
    assert page.status_code == 303
    fresh(db)
    statuses = db.session.scalars(
        sa.select(OutboxMessage.status)
        .where(OutboxMessage.ticket_id.in_([t.id for t in tickets]))
        .order_by(OutboxMessage.id)
    ).all()
    assert statuses == ["falhou", "pendente", "pendente"]
    assert all(len(invitations(db, t.id)) == 1 for t in tickets)


def test_the_public_page_sets_no_login_session(app, client, db, demo, no_smtp):
    ticket = orm_ticket(db, demo, demo["maria"])
    conclude(supervisor(app, demo["company"]), [ticket], demo["statuses"]["concluido"].id)
    (link,) = outbox_links(db, ticket.id)
    customer = app.test_client()
    answer(customer, link)
    # Nothing the customer's cookie holds opens a desk page.
    assert customer.get("/").status_code == 302
    assert customer.get(f"/entidades/{demo['maria'].id}/pesquisas").status_code == 302


def test_the_link_starts_with_the_configured_public_address(app, db, demo, no_smtp):
    app.config["PUBLIC_BASE_URL"] = "https://sac.example.com.br/"
    ticket = orm_ticket(db, demo, demo["maria"])
    conclude(supervisor(app, demo["company"]), [ticket], demo["statuses"]["concluido"].id)
    (link,) = outbox_links(db, ticket.id)
    assert link.startswith("https://sac.example.com.br/pesquisa/")
    assert answer(app.test_client(), link).status_code == 200


def test_a_script_concluding_a_ticket_queues_the_invitation_too(app, db, demo):
    """Outside any request (a script, `flask shell`) the same rule holds; the message waits
    in the Caixa de saída. Without a public address no link can be made: no invitation."""
    from isocrm.tickets.service import apply_status

    done = db.session.get(Status, demo["statuses"]["concluido"].id)
    without_address = orm_ticket(db, demo, demo["maria"])
    apply_status(without_address, done)
    db.session.commit()
    assert invitations(db, without_address.id) == []

    app.config["PUBLIC_BASE_URL"] = "https://sac.example.com.br"
    ticket = orm_ticket(db, demo, demo["maria"])
    apply_status(ticket, db.session.get(Status, demo["statuses"]["concluido"].id))
    db.session.commit()
    assert len(invitations(db, ticket.id)) == 1
    (outbox,) = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.ticket_id == ticket.id)
    ).all()
    assert outbox.status == "pendente"
    assert "https://sac.example.com.br/pesquisa/" in outbox.body


# --- who gets a survey, and how many -----------------------------------------------------------


def test_reopening_and_concluding_again_sends_no_second_invitation(app, db, demo, no_smtp):
    ticket = orm_ticket(db, demo, demo["maria"])
    sup = supervisor(app, demo["company"])
    done, open_ = demo["statuses"]["concluido"].id, demo["statuses"]["aberto"].id
    assert conclude(sup, [ticket], done).status_code == 303
    fresh(db)
    conclude(sup, [ticket], open_)
    fresh(db)
    conclude(sup, [ticket], done)
    assert len(invitations(db, ticket.id)) == 1
    assert len(outbox_links(db, ticket.id)) == 1
    # It was concluded twice indeed (two situação events into Concluído).
    events = db.session.scalars(
        sa.select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id,
            TicketEvent.kind == EVENT_STATUS,
            TicketEvent.to_status_id == done,
        )
    ).all()
    assert len(events) == 2


def test_cancelled_and_still_open_tickets_send_nothing(app, db, demo, no_smtp):
    cancelled = db.session.scalar(
        sa.select(Status).where(
            Status.company_id == demo["company"].id, Status.category == "cancelado"
        )
    )
    ticket = orm_ticket(db, demo, demo["maria"])
    conclude(supervisor(app, demo["company"]), [ticket], cancelled.id)
    other = orm_ticket(db, demo, demo["maria"])
    conclude(supervisor(app, demo["company"]), [other], demo["statuses"]["em_andamento"].id)
    assert invitations(db, ticket.id) == [] and invitations(db, other.id) == []


def test_no_email_no_invitation_and_the_desk_is_told(app, db, demo, no_smtp):
    ticket = orm_ticket(db, demo, demo["joaquim"])
    page = conclude(
        supervisor(app, demo["company"]), [ticket], demo["statuses"]["concluido"].id, follow=True
    )
    html = page.get_data(as_text=True)
    assert "cliente sem e-mail cadastrado" in html and ticket.code_display in html
    assert invitations(db, ticket.id) == []
    assert outbox_links(db, ticket.id) == []


def test_an_empresa_may_turn_the_survey_off(app, db, demo, no_smtp):
    sup = supervisor(app, demo["company"])
    page = sup.get("/configuracoes/email").get_data(as_text=True)
    (box,) = re.findall(r'<input[^>]*name="satisfaction_survey"[^>]*>', page)
    assert "checked" in box
    token = csrf_token_from(page)
    off = sup.post("/configuracoes/email", data={"csrf_token": token}, follow_redirects=True)
    assert "A pesquisa de satisfação não será mais enviada." in off.get_data(as_text=True)
    ticket = orm_ticket(db, demo, demo["maria"])
    conclude(sup, [ticket], demo["statuses"]["concluido"].id)
    assert invitations(db, ticket.id) == []
    # The other Empresa keeps its own setting.
    fresh(db)
    assert db.session.get(type(demo["company"]), demo["company_south"].id).satisfaction_survey

    on = {"csrf_token": token, "satisfaction_survey": "y"}
    assert sup.post("/configuracoes/email", data=on).status_code == 303
    other = orm_ticket(db, demo, demo["maria"])
    conclude(sup, [other], demo["statuses"]["concluido"].id)
    assert len(invitations(db, other.id)) == 1


def test_a_failed_save_queues_no_invitation(app, db, demo, no_smtp):
    """A bulk change refused (a ticket changed meanwhile) writes nothing, survey included."""
    ticket = orm_ticket(db, demo, demo["maria"])
    sup = supervisor(app, demo["company"])
    token = csrf_token_from(sup.get("/").get_data(as_text=True))
    stale = f"{ticket.id}:{ticket.version}"
    ticket.complementary_data = "changed meanwhile"
    db.session.commit()
    sup.post(
        "/painel/situacao",
        data={
            "csrf_token": token,
            "ticket": [stale],
            "status_id": demo["statuses"]["concluido"].id,
        },
    )
    assert invitations(db, ticket.id) == []


# --- the link --------------------------------------------------------------------------------


def _one_link(app, db, demo):
    ticket = orm_ticket(db, demo, demo["maria"])
    conclude(supervisor(app, demo["company"]), [ticket], demo["statuses"]["concluido"].id)
    (link,) = outbox_links(db, ticket.id)
    return ticket, link


def _bare_404(response, demo):
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert demo["company"].name not in html
    assert "/atendimentos" not in html and "/entrar" not in html and "<nav" not in html


def test_a_tampered_unknown_or_expired_link_is_a_bare_404(app, db, demo, no_smtp):
    ticket, link = _one_link(app, db, demo)
    customer = app.test_client()
    path = path_of(link)
    tampered = path[:-1] + ("A" if path[-1] != "A" else "B")
    _bare_404(customer.get(tampered), demo)
    _bare_404(customer.get("/pesquisa/" + "x" * 500), demo)
    _bare_404(customer.post(tampered, data={"rating": "5"}), demo)

    (invitation,) = invitations(db, ticket.id)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    _bare_404(customer.get(path), demo)
    _bare_404(customer.post(path, data={"rating": "5"}), demo)
    assert invitations(db, ticket.id)[0].answered_at is None


def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(app, db, demo, no_smtp):
    ticket, link = _one_link(app, db, demo)
    customer = app.test_client()
    page = customer.get(path_of(link)).get_data(as_text=True)
    token = csrf_token_from(page)
    for rating, comment in (("", "sem nota"), ("6", "nota demais"), ("4", "x" * 2001)):
        refused = customer.post(
            path_of(link), data={"csrf_token": token, "rating": rating, "comment": comment}
        )
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422
        assert 'class="field-errors"' in html
        assert (comment if len(comment) < 100 else "x" * 2001) in html  # what was typed stays
    no_csrf = customer.post(path_of(link), data={"rating": "4"})
    assert no_csrf.status_code == 422
    assert invitations(db, ticket.id)[0].answered_at is None
    assert answer(customer, link, rating="5", comment="").status_code == 200
    (invitation,) = invitations(db, ticket.id)
    assert invitation.rating == 5
    response_row = db.session.get(SurveyResponse, invitation.response_id)
    assert [a.answer for a in response_row.answers] == ["5"]  # no empty comment stored


def test_two_tabs_submitting_at_once_make_exactly_one_answer(app, db, demo, no_smtp):
    ticket, link = _one_link(app, db, demo)
    tabs = [app.test_client() for _ in range(4)]
    forms = []
    for index, tab in enumerate(tabs):
        html = tab.get(path_of(link)).get_data(as_text=True)
        forms.append({"csrf_token": csrf_token_from(html), "rating": str(index + 1)})
    barrier = threading.Barrier(len(tabs))
    results = [None] * len(tabs)

    def submit(index):
        with app.app_context():
            barrier.wait()
            results[index] = tabs[index].post(path_of(link), data=forms[index])

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(tabs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = [r.get_data(as_text=True) for r in results]
    assert all(r.status_code == 200 for r in results), [r.status_code for r in results]
    assert sum("Obrigado" in text for text in texts) == 1
    assert sum(ANSWERED in text for text in texts) == len(tabs) - 1
    fresh(db)
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.ticket_id == ticket.id)
    )
    assert count == 1


def test_a_submit_that_read_the_link_before_another_answered_saves_nothing(app, db, demo, no_smtp):
    """The race itself, without timing: both tabs passed the page's "not answered yet"
    check; only the conditional UPDATE stands between the second one and a second answer."""
    from isocrm.satisfaction.service import record_answer

    ticket, _link = _one_link(app, db, demo)
    (invitation,) = invitations(db, ticket.id)
    assert record_answer(db.session, invitation.id, 5, "primeira aba") is True
    assert record_answer(db.session, invitation.id, 1, "segunda aba") is False
    (invitation,) = invitations(db, ticket.id)
    assert invitation.rating == 5
    responses = db.session.scalars(
        sa.select(SurveyResponse).where(SurveyResponse.ticket_id == ticket.id)
    ).all()
    assert [[a.answer for a in r.answers] for r in responses] == [["5", "primeira aba"]]


def test_the_public_page_is_rate_limited(app, db, demo, no_smtp):
    app.config["SATISFACTION_RATE_LIMIT"] = "3 per minute"
    _ticket, link = _one_link(app, db, demo)
    customer = app.test_client()
    statuses = [customer.get(path_of(link)[:-2] + f"{i:02d}").status_code for i in range(3)]
    assert statuses == [404, 404, 404]
    refused = customer.get(path_of(link))  # even the right link, once over the limit
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Muitas tentativas" in html and "/atendimentos" not in html


# --- other Empresas --------------------------------------------------------------------------


def test_another_empresa_cannot_see_the_answer(app, db, demo, no_smtp):
    ticket, link = _one_link(app, db, demo)
    answer(app.test_client(), link, rating="2")
    response_id = invitations(db, ticket.id)[0].response_id
    sup = supervisor(app, demo["company_south"])
    maria = demo["maria"].id
    assert sup.get(f"/entidades/{maria}/pesquisas").status_code == 404
    assert sup.get(f"/entidades/{maria}/pesquisas/{response_id}").status_code == 404
    html = sup.get("/?aba=todos").get_data(as_text=True)
    assert "Nenhuma resposta à pesquisa de satisfação" in html


# --- the painel's figures ------------------------------------------------------------------------


def figures(html: str) -> dict[str, dict[str, tuple[int, str]]]:
    """{caption: {name: (answers, average)}} of the painel's Satisfação section."""
    section = html.split('id="painel-satisfaction"', 1)[1].split("</section>", 1)[0]
    tables = {}
    for caption, body in re.findall(
        r"<caption>(.*?)</caption>.*?<tbody>(.*?)</tbody>", section, re.S
    ):
        rows = re.findall(
            r'<tr><td>(.*?)</td><td class="num">(\d+)</td><td class="num">([\d,]+)</td></tr>', body
        )
        tables[caption.split(" ")[1]] = {name: (int(n), avg) for name, n, avg in rows}
    return tables


def test_the_painel_shows_satisfaction_per_attendant_and_motivo(
    app, db, demo, no_smtp, count_queries
):
    atendente, supervisor_user = demo["atendente"], demo["supervisor"]
    rated = [
        (orm_ticket(db, demo, demo["maria"], owner=atendente), "5"),
        (orm_ticket(db, demo, demo["ana"], owner=atendente), "2"),
        (orm_ticket(db, demo, demo["maria"], owner=supervisor_user, reason="Dúvida"), "4"),
    ]
    unanswered = orm_ticket(db, demo, demo["ana"], owner=supervisor_user)
    sup = supervisor(app, demo["company"])
    conclude(sup, [t for t, _ in rated] + [unanswered], demo["statuses"]["concluido"].id)

    with count_queries() as before:
        sup.get("/?aba=todos")
    for ticket, rating in rated:
        (link,) = outbox_links(db, ticket.id)
        answer(app.test_client(), link, rating=rating)

    with count_queries() as after:
        html = sup.get("/?aba=todos").get_data(as_text=True)
    assert after.count == before.count  # one grouped statement, however many answers
    shown = figures(html)
    assert shown["atendente"] == {
        atendente.name: (2, "3,5"),
        supervisor_user.name: (1, "4,0"),
    }
    assert shown["motivo"] == {"Reclamação": (2, "3,5"), "Dúvida": (1, "4,0")}
    # One survey of the Empresa holds them all, beside the demo's own "Pesquisa de satisfação".
    fresh(db)
    titles = db.session.scalars(
        sa.select(Survey.title).where(Survey.company_id == demo["company"].id)
    ).all()
    assert titles.count(SURVEY_TITLE) == 1 and "Pesquisa de satisfação" in titles

    # The painel's filters apply: one attendant's tickets, one Motivo.
    by_owner = sup.get(f"/?aba=todos&responsavel={supervisor_user.id}").get_data(as_text=True)
    assert figures(by_owner)["atendente"] == {supervisor_user.name: (1, "4,0")}
    reason_id = demo["reasons"]["Reclamação"].id
    by_reason = sup.get(f"/?aba=todos&motivo={reason_id}").get_data(as_text=True)
    assert figures(by_reason)["motivo"] == {"Reclamação": (2, "3,5")}
