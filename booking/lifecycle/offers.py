"""The one writer of offers' statuses, and telling a driver their offer has gone."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from booking.domain.status import OfferStatus
from booking.domain.transitions import check_offer
from booking.messaging.outbox import enqueue
from storage.tables import Offer, OutboxMessage, Person


def move_offer(session: Session, offer: Offer, status: OfferStatus, now: datetime) -> None:
    """Answer, expire, withdraw or lose an offer (validated)."""
    check_offer(offer.status, status, offer.id)
    offer.status, offer.answered_at = status, now
    session.add(offer)


def tell_offer_gone(session: Session, offer: Offer, *, key: str, body: str,
                    now: datetime) -> None:
    """Tell the driver an offer is off; if the offer itself was never sent, just don't send it.

    A driver should not get "trip 12 is no longer needed" about a trip 12 they never saw.
    """
    unsent = session.exec(select(OutboxMessage).where(
        OutboxMessage.idempotency_key == f"offer:{offer.id}",
        OutboxMessage.status == "pending")).first()
    if unsent is not None:
        unsent.status = "cancelled"
        session.add(unsent)
        return
    driver = session.get(Person, offer.driver_id)
    if driver is not None:
        enqueue(session, key=key, person=driver, kind="trip_change", body=body, due_at=now,
                urgent=True, request_id=offer.request_id)
