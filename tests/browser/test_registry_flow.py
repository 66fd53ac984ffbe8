"""Cadastro and Alertas from Maria's ticket, in a real browser."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import login


def test_complete_registration_shows_the_related_contacts(page):
    login(page)
    page.goto("/atendimentos/1")
    page.get_by_role("link", name="Cadastro completo").click()
    expect(page.get_by_role("heading", name=re.compile("Cadastro completo"))).to_be_visible()
    related = page.locator("#relacionados")
    expect(related.get_by_role("link", name="José Carlos da Silva")).to_be_visible()
    expect(related.get_by_role("link", name="Ana Beatriz da Silva")).to_be_visible()

    # a phone added in place becomes part of the list without leaving the page
    phones = page.locator("#telefones")
    phones.locator("summary").click()
    phones.get_by_label("Telefone").fill("(11) 2222-3333")
    phones.get_by_role("button", name="Adicionar telefone").click()
    expect(page.locator("#telefones")).to_contain_text("(11) 2222-3333")
    expect(page.locator("#telefones")).to_contain_text("Telefone adicionado.")


def test_alerts_from_the_ticket_icon_recolour_it_without_reload(page):
    login(page)
    page.goto("/atendimentos/1")
    icon = page.locator("#alert-icon")
    expect(icon).to_have_class(re.compile("alert-alta"))
    # Typed before the dialog opens: while it is open the ticket behind is inert (modal).
    page.get_by_label("Dados Complementares").fill("Digitado antes do alerta")
    page.get_by_role("link", name="Alertas").click()
    dialog = page.get_by_role("dialog", name=re.compile("Alertas de Maria"))
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("reclamações recorrentes de embalagem")
    expect(dialog.locator(".badge.alert-alta")).to_have_text("Alta")

    dialog.get_by_label("Mensagem").fill("Cliente ameaçou acionar o Procon.")
    dialog.get_by_label("Prioridade").select_option(label="Crítica")
    dialog.get_by_role("button", name="Criar alerta").click()
    expect(page.locator("#alert-icon")).to_have_class(re.compile("alert-critica"))
    expect(page.get_by_role("dialog")).to_contain_text("Cliente ameaçou acionar o Procon.")
    # no reload: what the attendant typed on the ticket is still there
    expect(page.get_by_label("Dados Complementares")).to_have_value("Digitado antes do alerta")

    page.get_by_role("dialog").get_by_role("button", name="Fechar").click()
    expect(page.get_by_role("dialog")).to_be_hidden()


def _open_registry(page, entity_id=1):
    page.goto(f"/entidades/{entity_id}/cadastro")
    expect(page.get_by_role("heading", name=re.compile("Cadastro completo"))).to_be_visible()


def test_two_tabs_on_one_registration_do_not_overwrite_each_other(page):
    login(page)
    tab_a = page
    tab_b = page.context.new_page()
    _open_registry(tab_a)
    _open_registry(tab_b)

    tab_a.get_by_label("Nome/Razão social").fill("Maria Aparecida Souza")
    tab_a.get_by_role("button", name="Salvar cadastro").click()
    expect(tab_a.locator(".flashes")).to_contain_text("Cadastro salvo.")

    tab_b.get_by_label("Observações").fill("Prefere contato à tarde.")
    tab_b.get_by_role("button", name="Salvar cadastro").click()
    expect(tab_b.locator(".flashes")).to_contain_text("Cadastro salvo.")
    expect(tab_b.locator(".flashes")).to_contain_text("foi mantido o que ela salvou em: Nome")
    expect(tab_b.get_by_label("Nome/Razão social")).to_have_value("Maria Aparecida Souza")
    expect(tab_b.get_by_label("Observações")).to_have_value("Prefere contato à tarde.")

    # both change the Nome: the second is refused and keeps what it typed
    tab_a.get_by_label("Nome/Razão social").fill("Maria da Aba A")
    tab_a.get_by_role("button", name="Salvar cadastro").click()
    expect(tab_a.locator(".flashes")).to_contain_text("Cadastro salvo.")
    tab_b.get_by_label("Nome/Razão social").fill("Maria da Aba B")
    tab_b.get_by_role("button", name="Salvar cadastro").click()
    expect(tab_b.get_by_role("alert").first).to_contain_text("salvou este cadastro enquanto")
    expect(tab_b.get_by_label("Nome/Razão social")).to_have_value("Maria da Aba B")
    expect(tab_b.locator("#name-errors")).to_contain_text("Maria da Aba A")


def test_open_row_edits_survive_other_row_actions_and_salvar_cadastro(page):
    login(page)
    _open_registry(page)
    addresses = page.locator("#enderecos")
    addresses.get_by_role("link", name=re.compile("Editar endereço Rua das Acácias")).click()
    page.get_by_label("Logradouro").first.fill("Rua das Acácias Digitada")
    # editing another row keeps the first one open, as typed
    addresses.get_by_role("link", name=re.compile("Editar endereço Avenida")).click()
    expect(addresses.locator("tr.editing")).to_have_count(2)
    expect(addresses.locator("tr.editing").first.get_by_label("Logradouro")).to_have_value(
        "Rua das Acácias Digitada"
    )
    # Cancelar closes only its row
    addresses.locator("tr.editing").nth(1).get_by_role("link", name="Cancelar").click()
    expect(addresses.locator("tr.editing")).to_have_count(1)
    expect(addresses.locator("tr.editing").get_by_label("Logradouro")).to_have_value(
        "Rua das Acácias Digitada"
    )

    # a Principal radio moved (not saved) survives adding a phone, and the open address too
    phones = page.locator("#telefones")
    phones.get_by_label(re.compile("Principal: \\(11\\) 3")).check()
    phones.locator("summary").click()
    phones.get_by_label("Telefone", exact=True).fill("(11) 2222-3333")
    phones.get_by_role("button", name="Adicionar telefone").click()
    expect(page.locator("#telefones")).to_contain_text("Telefone adicionado.")
    expect(
        page.locator("#telefones").get_by_label(re.compile("Principal: \\(11\\) 3"))
    ).to_be_checked()

    # Salvar cadastro saves the open address with the rest
    page.get_by_label("Observações").fill("Salvo junto")
    page.get_by_role("button", name="Salvar cadastro").click()
    expect(page.locator(".flashes")).to_contain_text("Cadastro salvo.")
    expect(page.locator("#enderecos")).to_contain_text("Rua das Acácias Digitada")
    expect(page.get_by_label("Observações")).to_have_value("Salvo junto")


def test_double_click_on_adicionar_telefone_saves_one_phone(page, db):
    login(page)
    _open_registry(page)
    phones = page.locator("#telefones")
    phones.locator("summary").click()
    phones.get_by_label("Telefone", exact=True).fill("(11) 2555-0000")
    phones.get_by_role("button", name="Adicionar telefone").dblclick()
    expect(page.locator("#telefones")).to_contain_text("Telefone adicionado.")
    page.reload()
    expect(page.locator("#telefones")).to_contain_text("(11) 2555-0000")
    expect(page.locator("#telefones tr", has_text="(11) 2555-0000")).to_have_count(1)


def test_editing_a_phone_another_tab_removed_keeps_the_page_whole(page):
    login(page)
    _open_registry(page)
    other_tab = page.context.new_page()
    _open_registry(other_tab)
    other_tab.locator("#telefones").get_by_role(
        "button", name=re.compile("Remover telefone \\(11\\) 3")
    ).click()
    expect(other_tab.locator("#telefones")).to_contain_text("Telefone removido.")

    phones = page.locator("#telefones")
    phones.get_by_role("link", name=re.compile("Editar telefone \\(11\\) 3")).click()
    expect(page.locator("#telefones")).to_contain_text("não existe mais")
    expect(page.locator("#telefones .topbar")).to_have_count(0)
    expect(page.locator(".topbar")).to_have_count(1)


def test_salvar_cadastro_after_switching_empresa_in_another_tab_keeps_the_input(page):
    login(page, "supervisor", "supervisor123")
    page.locator("#company-select").select_option(label="isoCRM Demonstração")
    page.get_by_role("button", name="Trocar").click()
    _open_registry(page)
    page.get_by_label("Nome/Razão social").fill("Maria Digitada Antes da Troca")

    other_tab = page.context.new_page()
    other_tab.goto("/atendimentos/")
    other_tab.locator("#company-select").select_option(label="Filial Sul Alimentos")
    other_tab.get_by_role("button", name="Trocar").click()

    page.get_by_role("button", name="Salvar cadastro").click()
    expect(page.get_by_role("alert").first).to_contain_text("Este cadastro é da Empresa")
    expect(page.get_by_label("Nome/Razão social")).to_have_value("Maria Digitada Antes da Troca")
    page.get_by_role("button", name="Voltar para isoCRM Demonstração e salvar").click()
    expect(page.locator(".flashes")).to_contain_text("Cadastro salvo.")
    expect(page.get_by_label("Nome/Razão social")).to_have_value("Maria Digitada Antes da Troca")


def test_an_open_address_edit_survives_the_empresa_switch_and_is_saved_back(page, db):
    """Break-it: the open address row came back closed (Complemento lost) and the header
    still showed the old Empresa as current."""
    from isocrm.models import Entity

    login(page, "supervisor", "supervisor123")
    page.locator("#company-select").select_option(label="isoCRM Demonstração")
    page.get_by_role("button", name="Trocar").click()
    _open_registry(page)
    addresses = page.locator("#enderecos")
    addresses.get_by_role("link", name=re.compile("Editar endereço")).last.click()
    addresses.locator("tr.editing").get_by_label("Complemento").fill("Fundos, casa 2")
    page.get_by_label("Observações").fill("Observação digitada")

    other_tab = page.context.new_page()
    other_tab.goto("/atendimentos/")
    other_tab.locator("#company-select").select_option(label="Filial Sul Alimentos")
    other_tab.get_by_role("button", name="Trocar").click()

    page.get_by_role("button", name="Salvar cadastro").click()
    expect(page.get_by_role("alert").first).to_contain_text("O que você digitou está abaixo")
    expect(page.locator("#company-select option:checked")).to_have_text("Filial Sul Alimentos")
    expect(page.locator("#enderecos tr.editing").get_by_label("Complemento")).to_have_value(
        "Fundos, casa 2"
    )
    expect(page.get_by_label("Observações")).to_have_value("Observação digitada")
    page.get_by_role("button", name="Voltar para isoCRM Demonstração e salvar").click()
    expect(page.locator(".flashes")).to_contain_text("Cadastro salvo.")
    expect(page.locator("#enderecos")).to_contain_text("Fundos, casa 2")
    db.session.commit()
    maria = db.session.get(Entity, 1)
    db.session.refresh(maria)
    assert "Fundos, casa 2" in [a.complement for a in maria.addresses]


def test_back_and_cadastrar_again_does_not_create_a_second_entity(page, db):
    import sqlalchemy as sa

    from isocrm.models import Entity

    login(page)
    page.goto("/entidades/nova?q=Fulano+Sem+Documento")
    page.get_by_role("checkbox", name="Consumidor").check()
    page.get_by_role("button", name="Cadastrar").click()
    expect(page.get_by_role("heading", name=re.compile("Cadastro completo"))).to_be_visible()
    page.go_back()
    expect(page.get_by_label("Nome/Razão social")).to_have_value("Fulano Sem Documento")
    page.get_by_role("button", name="Cadastrar").click()
    # either sent to the entity the first submit created, or asked about the homonym
    expect(
        page.get_by_text(re.compile("já tinha sido enviado|Já existe uma entidade com este nome"))
    ).to_be_visible()
    db.session.commit()
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Entity).where(Entity.name == "Fulano Sem Documento")
    )
    assert count == 1


def test_saving_a_row_in_place_keeps_the_page_current_for_salvar_cadastro(page):
    login(page)
    _open_registry(page)
    version = int(page.locator("#version").input_value())
    page.get_by_label("Observações").fill("Digitado antes de salvar o telefone")
    phones = page.locator("#telefones")
    phones.get_by_role("link", name=re.compile("Editar telefone \\(11\\) 3")).click()
    editing = phones.locator("tr.editing")
    editing.get_by_label("Telefone", exact=True).fill("(11) 3444-5555")
    editing.get_by_label("Principal").check()
    editing.get_by_role("button", name="Salvar telefone").click()
    expect(page.locator("#telefones")).to_contain_text("Telefone salvo.")
    expect(page.locator("#telefones tr", has_text="(11) 3444-5555")).to_contain_text("Principal")
    # the Principal changed: a new version, which the main form received out of band
    expect(page.locator("#version")).to_have_value(str(version + 1))
    # no reload: the main form kept what was typed, and it is not a stale copy now
    expect(page.get_by_label("Observações")).to_have_value("Digitado antes de salvar o telefone")
    page.get_by_role("button", name="Salvar cadastro").click()
    expect(page.locator(".flashes")).to_contain_text("Cadastro salvo.")
    expect(page.locator(".flashes")).not_to_contain_text("também alterou")
    expect(page.get_by_label("Observações")).to_have_value("Digitado antes de salvar o telefone")
    expect(page.locator("#telefones tr", has_text="(11) 3444-5555")).to_contain_text("Principal")


def test_each_section_replaces_itself_once_and_leaves_the_others(page):
    """A list's Adicionar and the relations' Remover answer their own section: it replaces
    itself (not nested inside the old one) and the other sections stay as they were."""
    login(page)
    _open_registry(page)
    phones = page.locator("#telefones")
    phones.locator("summary").click()
    phones.get_by_label("Telefone").fill("(11) 2777-8888")
    phones.get_by_role("button", name="Adicionar telefone").click()
    expect(page.locator("#telefones")).to_contain_text("Telefone adicionado.")
    expect(page.locator("#telefones")).to_have_count(1)
    expect(page.locator("#telefones #telefones")).to_have_count(0)
    related = page.locator("#relacionados")
    related.get_by_role("button", name="Remover José Carlos da Silva").click()
    expect(page.locator("#relacionados")).to_contain_text("Relacionamento removido.")
    expect(page.locator("#relacionados")).not_to_contain_text("José Carlos da Silva")
    expect(page.locator("#relacionados")).to_have_count(1)
    # the other sections were not touched
    expect(page.locator("#telefones")).to_contain_text("Telefone adicionado.")
