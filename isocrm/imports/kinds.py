"""What can be imported: the KIND of `flask --app isocrm import KIND FILE` and of the screen."""

from isocrm.imports import entities

# kind -> (label on the screen, import function, example file under docs/importacao/)
KINDS = {
    "entidades": ("Entidades (clientes, parceiros…)", entities.import_entities),
}
