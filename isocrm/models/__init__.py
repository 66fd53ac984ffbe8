"""Typed SQLAlchemy models, one module per aggregate; import them from here."""

from isocrm.models.attachment import Attachment, outbox_attachments
from isocrm.models.audit import AuditLog
from isocrm.models.base import Base, UTCDateTime, utcnow
from isocrm.models.catalog import (
    Cause,
    Channel,
    Occurrence,
    Product,
    ProductInfo,
    Reason,
    RelationType,
    Role,
    Status,
)
from isocrm.models.catalog_version import CatalogVersion
from isocrm.models.commerce import Invoice, Order, OrderItem
from isocrm.models.company import Company, Unit
from isocrm.models.desk_stamp import DeskStamp
from isocrm.models.engagement import (
    Alert,
    Appointment,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)
from isocrm.models.entity import (
    Address,
    EContact,
    Entity,
    EntityRevision,
    EntitySearchWord,
    Phone,
    Relation,
)
from isocrm.models.history_delivery import HistoryDelivery
from isocrm.models.inbound import InboundMessage, Mailbox
from isocrm.models.outbox import OutboxMessage
from isocrm.models.ready_answer import ReadyAnswer
from isocrm.models.satisfaction import SurveyInvitation
from isocrm.models.session import UserSession
from isocrm.models.sla import BusinessHours, Holiday
from isocrm.models.submission import FormSubmission
from isocrm.models.team import Team, team_members
from isocrm.models.ticket import DetailInfo, Ticket, TicketDetail, TicketEvent, UnsavedEdit
from isocrm.models.ticket_search import TicketSearchWord
from isocrm.models.user import User, user_companies

__all__ = [
    "Address",
    "Alert",
    "Appointment",
    "Attachment",
    "AuditLog",
    "Base",
    "BusinessHours",
    "CatalogVersion",
    "Cause",
    "Channel",
    "Company",
    "DeskStamp",
    "DetailInfo",
    "EContact",
    "Entity",
    "EntityRevision",
    "EntitySearchWord",
    "FormSubmission",
    "Holiday",
    "HistoryDelivery",
    "InboundMessage",
    "Invoice",
    "Mailbox",
    "Occurrence",
    "Order",
    "OrderItem",
    "OutboxMessage",
    "Phone",
    "Product",
    "ProductInfo",
    "ReadyAnswer",
    "Reason",
    "Relation",
    "RelationType",
    "Role",
    "Status",
    "Survey",
    "SurveyAnswer",
    "SurveyInvitation",
    "SurveyQuestion",
    "SurveyResponse",
    "Team",
    "Ticket",
    "TicketDetail",
    "TicketEvent",
    "TicketSearchWord",
    "UnsavedEdit",
    "UTCDateTime",
    "Unit",
    "User",
    "UserSession",
    "outbox_attachments",
    "team_members",
    "user_companies",
    "utcnow",
]
