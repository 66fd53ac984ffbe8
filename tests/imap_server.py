"""A real IMAP server for the inbound e-mail tests: Debian's dovecot, run from a config of
its own in a temporary folder, listening on 127.0.0.1 on a free port with TLS only (a
certificate signed by a CA the fixture makes, which the app is told to trust through
IMAP_CA_FILE). Messages are delivered with IMAP APPEND, as a mail client would.

Nothing of the system's dovecot is used: not its config, not its ports (143/993), not its
base_dir. When run as root, dovecot drops to the `dovecot`/`dovenull` users its package
creates; the mail folders belong to the user running the tests."""

import imaplib
import os
import pwd
import shlex
import shutil
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.smtp import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem)."""
    ca_key, ca = folder / "ca-key.pem", folder / "ca.pem"
    key, csr, cert = folder / "key.pem", folder / "server.csr", folder / "cert.pem"
    extensions = folder / "ext.cnf"
    extensions.write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
    )

    def run(command: str, **paths: Path) -> None:
        quoted = {name: shlex.quote(str(path)) for name, path in paths.items()}
        subprocess.run([OPENSSL, *shlex.split(command.format(**quoted))], check=True)

    run(
        "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=isoCRM-test-CA -keyout {k} -out {c}"
        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign",
        k=ca_key,
        c=ca,
    )
    run("req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout {k} -out {r}", k=key, r=csr)
    run(
        "x509 -req -CAcreateserial -days 2 -in {r} -CA {c} -CAkey {k} -extfile {e} -out {o}",
        r=csr,
        c=ca,
        k=ca_key,
        e=extensions,
        o=cert,
    )
    return ca, cert, key


class IMAPServer:
    """dovecot with one mailbox per user added; start() waits until it answers over TLS."""

    def __init__(self):
        if not (Path(DOVECOT).exists() and Path(OPENSSL).exists()):
            pytest.fail("dovecot or openssl missing: apt-get install dovecot-imapd openssl")
        # A folder of its own right under the temporary directory: as root, dovecot's mail
        # user must be able to pass through every parent (pytest's tmp_path is 0700).
        self.folder = Path(tempfile.mkdtemp(prefix="isocrm-imap-"))
        self.port = free_port()
        self.ca, self.cert, self.key = make_certificates(self.folder)
        self.users: dict[str, str] = {}
        self.process: subprocess.Popen | None = None
        self.base_dir = self.folder / "run"
        self.mail = self.folder / "mail"
        self.mail.mkdir()
        self.base_dir.mkdir()
        self.config = self.folder / "dovecot.conf"

    def add_user(self, username: str, password: str) -> None:
        self.users[username] = password
        me = self._mail_owner()
        lines = [
            f"{name}:{{PLAIN}}{secret}:{me.pw_uid}:{me.pw_gid}::{self.mail / name}::"
            for name, secret in self.users.items()
        ]
        (self.folder / "passwd").write_text("\n".join(lines) + "\n")

    def _mail_owner(self) -> pwd.struct_passwd:
        """Who owns the mail: dovecot never runs a mail process as root, so as root its own
        `dovecot` user, else the user running the tests."""
        return pwd.getpwnam("dovecot") if os.getuid() == 0 else pwd.getpwuid(os.getuid())

    def _write_config(self) -> None:
        me = self._mail_owner()
        if os.getuid() == 0:  # the mail user reaches its folder (only through, not listing)
            self.folder.chmod(0o711)
            os.chown(self.mail, me.pw_uid, me.pw_gid)
        root = os.getuid() == 0
        # As root, the auth processes read the passwd-file in the test's private folder as
        # root too; otherwise every process runs as the user running the tests.
        run_as = (
            "service auth {\n  user = root\n}\nservice auth-worker {\n  user = root\n}\n"
            if root
            else f"default_login_user = {me.pw_name}\ndefault_internal_user = {me.pw_name}\n"
        )
        self.config.write_text(
            f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {self.base_dir}
state_dir = {self.folder / "state"}
instance_name = isocrm-test-{self.port}
log_path = {self.folder / "dovecot.log"}
info_log_path = {self.folder / "dovecot.log"}
ssl = required
ssl_cert = <{self.cert}
ssl_key = <{self.key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = {me.pw_uid}
mail_uid = {me.pw_uid}
mail_gid = {me.pw_gid}
{run_as}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.folder / "passwd"}
}}
userdb {{
  driver = passwd-file
  args = {self.folder / "passwd"}
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
        )
        (self.folder / "state").mkdir(exist_ok=True)

    def start(self) -> None:
        self._write_config()
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                log = self.log()
                raise RuntimeError(f"dovecot stopped: {self.process.stderr.read()!r} {log}")
            try:
                with self.connect() as conn:
                    conn.noop()
                return
            except (OSError, imaplib.IMAP4.error):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def log(self) -> str:
        path = self.folder / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def connect(self) -> imaplib.IMAP4_SSL:
        return imaplib.IMAP4_SSL("127.0.0.1", self.port, ssl_context=self.ssl_context(), timeout=5)

    def deliver(self, username: str, raw: bytes, folder: str = "INBOX", arrived=None) -> None:
        """APPEND the message to the user's folder, unseen, as a mail client would;
        `arrived` (an aware datetime) is its INTERNALDATE, the server's arrival time."""
        when = imaplib.Time2Internaldate(arrived) if arrived is not None else None
        with self.connect() as conn:
            conn.login(username, self.users[username])
            typ, data = conn.append(folder, "", when, raw)
            assert typ == "OK", data
            conn.logout()

    def flags(self, username: str, folder: str = "INBOX") -> dict[int, bytes]:
        """UID -> its FLAGS line, to see what the fetch marked."""
        with self.connect() as conn:
            conn.login(username, self.users[username])
            conn.select(folder, readonly=True)
            typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            conn.logout()
        found = {}
        for line in data:
            if isinstance(line, bytes) and b"UID" in line:
                uid = int(line.split(b"UID ", 1)[1].split()[0].rstrip(b")"))
                found[uid] = line
        return found
