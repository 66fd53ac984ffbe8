"""Importar CSV: the upload screen (supervisors)."""
