"""What happens to an account, for whoever must follow it (its sessions end: auth/sessions.py).

Send them once the change is committed, with the app as sender and the user:

    signals.password_changed.send(current_app._get_current_object(), user=user)

Changing `password_hash` or setting `active` to False through the ORM ends the user's sessions
in the same transaction anyway (a CLI command or a script that sends nothing is covered too).
"""

from blinker import Namespace

_signals = Namespace()

password_changed = _signals.signal("password-changed")
user_deactivated = _signals.signal("user-deactivated")
