"""Server-side login sessions: the signed cookie only names one; this table says if it lives."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from isocrm.models.base import Base, UTCDateTime, utcnow

# Why a session ended, as stored in `end_reason`.
ENDED_BY_LOGOUT = "logout"
ENDED_BY_IDLE = "idle"
ENDED_BY_AGE = "absolute"
ENDED_BY_PASSWORD = "password"
ENDED_BY_DEACTIVATION = "deactivated"
ENDED_BY_TOTP = "totp"  # the second factor was turned on elsewhere


class UserSession(Base):
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the random token the browser holds: a copy of this table opens no session.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Updated about once a minute, not on every request: the idle timeout needs no more.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))
    # The direct peer (or the address ISOCRM_PROXY_COUNT proxies vouch for) and the browser.
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id}>"
