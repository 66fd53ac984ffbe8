"""One-time form keys: a form that creates something carries a random key, and the key is
stored in the same transaction as what it created. A second submit of the same form (a double
click, Back and submit again) finds the key and does not create the record twice."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from isocrm.models.base import Base, UTCDateTime, utcnow


class FormSubmission(Base):
    __tablename__ = "form_submissions"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Where the first submit led (the new entity's page…), to send the second one there too.
    result_url: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
