"""Account events other parts of the app react to (sessions end, logs are written)."""

from blinker import Namespace

_signals = Namespace()
# sender: the User; kwargs: none. Sent after the change is committed.
password_changed = _signals.signal("password-changed")
user_deactivated = _signals.signal("user-deactivated")
