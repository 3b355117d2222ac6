"""What the dispatcher says about a delivery: each attempt, where it stands, and why it was refused."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from postback_studio.core.dispatch.email import EmailResult
from postback_studio.core.dispatch.plan import PendingRetry
from postback_studio.core.dispatch.retry import Verdict
from postback_studio.core.dispatch.webhook import WebhookResult
from postback_studio.core.model import RetryKind, RetryPolicy
from postback_studio.core.requestlog import Outcome, RequestRecord


@dataclass(frozen=True)
class AttemptReport:
    """One attempt: its log record, its verdict, the retry it scheduled, and the raw result."""

    record: RequestRecord
    verdict: Verdict
    pending: PendingRetry | None = None
    webhook: WebhookResult | None = None
    email: EmailResult | None = None


class RefusalKind(StrEnum):
    """Why a delivery was not sent although its template rendered."""

    INSECURE_CREDENTIALS = "insecure_credentials"
    INVALID_OUTPUT = "invalid_output"


@dataclass(frozen=True)
class Refusal:
    """A send the policy refused, as a value the caller can ask the user about and override.

    ``INSECURE_CREDENTIALS`` is lifted by ``allow_insecure``, ``INVALID_OUTPUT`` by ``send_anyway``.
    """

    kind: RefusalKind
    message: str


@dataclass(frozen=True)
class DeliveryReport:
    """Where a delivery stands after the dispatcher is done with it for now.

    ``attempts_allowed`` is how many attempts its retry policy allows; ``refusal`` says why a
    delivery that rendered was not sent (None when it was, or when nothing could be sent).
    """

    delivery_id: str
    attempts: tuple[AttemptReport, ...]
    outcome: Outcome
    attempts_allowed: int = 1
    refusal: Refusal | None = None

    @property
    def delivered(self) -> bool:
        """Whether the last attempt succeeded."""
        return self.outcome is Outcome.DELIVERED


def attempts_allowed(policy: RetryPolicy) -> int:
    """How many attempts a retry policy allows in all (1 without retry)."""
    return 1 if policy.kind is RetryKind.NONE else max(1, policy.max_attempts)
