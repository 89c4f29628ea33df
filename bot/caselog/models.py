"""Tables of the case log (SQLAlchemy 1.4, 2.0 style; the schema is owned by Alembic).

Free text in these tables (summary, transcript, messages, notes, closing note) is
always de-identified by :mod:`bot.caselog.service` before it is written. The one
piece of personal data, a call-back contact the professional typed on purpose,
lives apart in :class:`ContactDetail`, encrypted.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from enum import Enum
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declarative_base, relationship
from sqlalchemy.types import DateTime, TypeDecorator

Base = declarative_base()
# The schema every migration is compared with (migrations/env.py).
metadata = Base.metadata


def utcnow() -> datetime:
    """Return the current time in UTC (aware)."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):  # type: ignore[type-arg]
    """A timestamp stored as naive UTC and read back as aware UTC, on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Store as naive UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a timezone")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Read back as aware UTC."""
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Role(str, Enum):
    """What an adviser may see and do in the console."""

    ADVISER = "adviser"
    COORDINATOR = "coordinator"


class CaseStatus(str, Enum):
    """Where a case stands."""

    NEW = "new"
    CLAIMED = "claimed"
    WAITING_CALLBACK = "waiting_callback"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"


class Urgency(str, Enum):
    """How urgent the professional says it is; ``acuut`` after a 112 message."""

    ACUTE = "acuut"
    HIGH = "hoog"
    NORMAL = "normaal"
    LOW = "laag"


class HelpMode(str, Enum):
    """How the professional wants to be helped."""

    CHAT = "chat"
    CALLBACK = "callback"
    EMAIL = "email"
    NONE = "none"


class EventKind(str, Enum):
    """Entries of a case's audit trail."""

    CREATED = "created"
    CLAIMED = "claimed"
    MESSAGE = "message"
    NOTE = "note"
    STATUS_CHANGE = "status_change"
    FOLLOW_UP_SET = "follow_up_set"
    URGENCY_CHANGED = "urgency_changed"
    REASSIGNED = "reassigned"
    HANDED_BACK = "handed_back"
    CONTACT_ERASED = "contact_erased"
    CONVERSATION_DELETED = "conversation_deleted"
    CONTACT_VIEWED = "contact_viewed"
    CLOSED = "closed"


class Adviser(Base):
    """A person who works in the console."""

    __tablename__ = "advisers"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(64), nullable=False, unique=True)
    display_name: Mapped[str] = Column(String(80), nullable=False)
    role: Mapped[str] = Column(String(16), nullable=False, default=Role.ADVISER.value)
    password_hash: Mapped[str] = Column(String(255), nullable=False)
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    failed_logins: Mapped[int] = Column(Integer, nullable=False, default=0)
    locked_until: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    last_seen_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    # Console sessions carry this number; raising it (logout, new password) ends them all.
    session_epoch: Mapped[int] = Column(Integer, nullable=False, default=0)
    # The second factor (TOTP, RFC 6238; bot/console/second_factor.py): the secret,
    # Fernet-encrypted, from the start of the set-up; when the adviser confirmed it with
    # a code (from then on it is asked at every login); the last time step accepted (a
    # code is never accepted twice); wrong codes in a row (they make the account wait).
    totp_secret: Mapped[Optional[str]] = Column(String(255), nullable=True)
    totp_confirmed_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    totp_last_step: Mapped[Optional[int]] = Column(BigInteger, nullable=True)
    failed_codes: Mapped[int] = Column(Integer, nullable=False, default=0)

    @property
    def is_coordinator(self) -> bool:
        """Whether this adviser sees every case and may reassign."""
        return self.role == Role.COORDINATOR.value

    @property
    def has_second_factor(self) -> bool:
        """Whether a second factor is set up and confirmed (asked at every login)."""
        return self.totp_confirmed_at is not None and self.totp_secret is not None


class RecoveryCode(Base):
    """A one-time recovery code of an adviser's second factor (its argon2 hash only)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = Column(Integer, primary_key=True)
    adviser_id: Mapped[int] = Column(
        Integer, ForeignKey("advisers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = Column(String(255), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)


class Case(Base):
    """One escalation to a human adviser."""

    __tablename__ = "cases"

    id: Mapped[int] = Column(Integer, primary_key=True)
    reference: Mapped[str] = Column(String(16), nullable=False, unique=True)
    channel: Mapped[str] = Column(String(32), nullable=False)
    conversation_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    role: Mapped[Optional[str]] = Column(String(64), nullable=True)
    sector: Mapped[Optional[str]] = Column(String(64), nullable=True)
    region: Mapped[Optional[str]] = Column(String(80), nullable=True)
    themes: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    urgency: Mapped[str] = Column(String(16), nullable=False, default=Urgency.NORMAL.value)
    help_mode: Mapped[Optional[str]] = Column(String(16), nullable=True)
    status: Mapped[str] = Column(
        String(20), nullable=False, default=CaseStatus.NEW.value, index=True
    )
    intake_complete: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    live: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    assigned_adviser_id: Mapped[Optional[int]] = Column(
        Integer, ForeignKey("advisers.id"), nullable=True
    )
    recommended_resources: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    summary: Mapped[str] = Column(Text, nullable=False, default="")
    transcript: Mapped[list[dict[str, str]]] = Column(JSON, nullable=False, default=list)
    follow_up_on: Mapped[Optional[date]] = Column(Date, nullable=True)
    outcome: Mapped[Optional[str]] = Column(String(80), nullable=True)
    closing_note: Mapped[Optional[str]] = Column(Text, nullable=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    closed_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)

    assigned_adviser: Mapped[Optional[Adviser]] = relationship("Adviser", lazy="joined")
    events: Mapped[list[CaseEvent]] = relationship(
        "CaseEvent",
        back_populates="case",
        order_by="CaseEvent.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def is_open(self) -> bool:
        """Whether the case still needs work."""
        return self.status != CaseStatus.CLOSED.value


class CaseEvent(Base):
    """One entry of a case's audit trail; rows are never changed (a trigger refuses)."""

    __tablename__ = "case_events"

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(
        Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = Column(String(24), nullable=False)
    actor: Mapped[str] = Column(String(80), nullable=False)
    adviser_id: Mapped[Optional[int]] = Column(Integer, ForeignKey("advisers.id"), nullable=True)
    text: Mapped[Optional[str]] = Column(Text, nullable=True)
    data: Mapped[Optional[dict[str, Any]]] = Column(JSON, nullable=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)

    case: Mapped[Case] = relationship("Case", back_populates="events")


class ContactDetail(Base):
    """A call-back phone number or e-mail address, encrypted; erased when the case closes."""

    __tablename__ = "contact_details"

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(
        Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    kind: Mapped[str] = Column(String(8), nullable=False)
    ciphertext: Mapped[str] = Column(Text, nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)


class TrailDeletion(Base):
    """Allows deleting trail entries in the transaction that holds it (never committed).

    A trigger refuses every DELETE on ``case_events`` unless such a row exists; see
    :func:`bot.caselog.service.trail_deletion`.
    """

    __tablename__ = "trail_deletions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    reason: Mapped[str] = Column(String(32), nullable=False)


class CaseStatistic(Base):
    """What is left of anonymised cases: counts by month, theme, region and sector."""

    __tablename__ = "case_statistics"
    __table_args__ = (UniqueConstraint("month", "theme", "region", "sector"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    month: Mapped[str] = Column(String(7), nullable=False)
    theme: Mapped[str] = Column(String(64), nullable=False)
    region: Mapped[str] = Column(String(80), nullable=False)
    sector: Mapped[str] = Column(String(64), nullable=False)
    count: Mapped[int] = Column(Integer, nullable=False, default=0)


__all__ = [
    "Adviser",
    "Case",
    "CaseEvent",
    "CaseStatistic",
    "CaseStatus",
    "ContactDetail",
    "EventKind",
    "HelpMode",
    "RecoveryCode",
    "Role",
    "TrailDeletion",
    "Urgency",
    "date",
    "metadata",
    "utcnow",
]
