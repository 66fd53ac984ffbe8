"""One row whose stamp changes with every change to a catalogue (see isocrm.catalogs)."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from isocrm.models.base import Base

CATALOG_VERSION_ROW = 1


class CatalogVersion(Base):
    """Every app process caches the catalogues and compares this number, read with the
    session check every request already makes, to know whether its copy is still current."""

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=1, server_default="1")
