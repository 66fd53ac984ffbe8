"""A folder's name as IMAP says it (RFC 3501 §5.1.3 and §9): non-ASCII letters in
modified UTF-7 ("Reclamações" is "Reclama&AOcA9Q-es"), the whole in a quoted string. A
name with a line break or another control character cannot be said at all (it would end
the command and start another one): the settings form refuses it, fetch-mail too."""

import base64


def has_control_characters(name: str) -> bool:
    """C0 controls (line breaks, tab…), DEL and the C1 controls."""
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in name)


def modified_utf7(name: str) -> str:
    out: list[str] = []
    pending: list[str] = []

    def flush():
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ","))
            out.append("-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def quoted_folder(name: str) -> str:
    """The folder as an argument of SELECT/EXAMINE; ValueError for a control character."""
    if has_control_characters(name):
        raise ValueError("o nome da pasta tem caracteres de controle")
    encoded = modified_utf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'
