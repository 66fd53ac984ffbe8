"""The entity registry (Cadastro da entidade) and the search every screen uses to find one."""
