"""Delivering postbacks: Send Test, Resend, Simulate, pending retries and the local inbox's store.

:class:`~.service.DeliveryService` is the entry point; it reads what a send needs from the
workspace once, renders, applies the credential policy (:mod:`.credentials`), and hands the
delivery to the Qt-free dispatcher in :mod:`postback_studio.core.dispatch`, whose attempts go to
the request log through one writer thread (:mod:`.writer`).
"""

from postback_studio.services.delivery.service import DeliveryService, SendOptions

__all__ = ["DeliveryService", "SendOptions"]
