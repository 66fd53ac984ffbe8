"""What can be imported: the KIND of `flask --app isocrm import KIND FILE` and of the screen."""

from isocrm.imports import entities, products

# kind -> (label on the screen, import function); example files under docs/importacao/
KINDS = {
    "entidades": ("Entidades (clientes, parceiros…)", entities.import_entities),
    "produtos": ("Produtos e suas informações", products.import_products),
}
