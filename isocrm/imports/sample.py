"""Generated entity files for the speed bench and the tests: valid, distinct CPFs from a
range no demo person uses, realistic enough to go through every check."""

from isocrm import brdocs

HEADER = (
    "CPF/CNPJ;Tipo;Nome;Data de nascimento;Papéis;CEP;Logradouro;Número;Bairro;Cidade;UF;"
    "Telefone;E-mail"
)
FIRST = ("Ana", "João", "Márcia", "José", "Luíza", "Antônio", "Beatriz", "Cláudio")
LAST = ("Silva", "Souza", "Conceição", "Araújo", "Pereira", "Gonçalves", "Lima", "Fé")


def cpf(number: int) -> str:
    body = f"{300_000_000 + number * 7:09d}"
    return brdocs.format_cpf(body + brdocs.cpf_check_digits(body))


def entity_line(number: int) -> str:
    name = f"{FIRST[number % 8]} {LAST[number // 8 % 8]} {LAST[number // 64 % 8]} {number}"
    return ";".join(
        (
            cpf(number),
            "PF",
            name,
            f"{number % 28 + 1:02d}/{number % 12 + 1:02d}/{1950 + number % 50}",
            "Cliente",
            f"{1000 + number % 8000:05d}-{number % 1000:03d}",
            "Rua das Flores",
            str(number % 3000 + 1),
            "Centro",
            "São Paulo",
            "SP",
            f"(11) 9{number % 10000:04d}-{number // 10000 % 10000:04d}",
            f"pessoa{number}@example.com.br",
        )
    )


def entity_file(count: int, start: int = 0, newline: str = "\n") -> str:
    return newline.join([HEADER, *(entity_line(n) for n in range(start, start + count))]) + newline
