"""The desk: the painel every attendant opens on, and passing tickets between people."""
