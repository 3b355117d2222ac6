"""Where a delivery stands, in the words both the command line and the app use.

``send`` waits for every retry and then prints the verdict; the app's Send Test follows the
delivery attempt by attempt as the retries are made in the background. Both tell the same story
from the same value: "retrying (attempt 2 of 3 in 5 s)…", then "delivered on attempt 3" or
"failed after 3 attempts: <diagnosis>".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from postback_studio.core.dispatch.retry import format_seconds
from postback_studio.core.requestlog import Outcome, RequestRecord


class Stage(StrEnum):
    """How far a delivery got."""

    RETRYING = "retrying"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELED = "canceled"
    NOT_SENT = "not_sent"


_STAGES = {
    Outcome.RETRYING: Stage.RETRYING,
    Outcome.DELIVERED: Stage.DELIVERED,
    Outcome.CANCELED: Stage.CANCELED,
    Outcome.RENDER_FAILED: Stage.NOT_SENT,
    Outcome.BLOCKED: Stage.NOT_SENT,
}


@dataclass(frozen=True)
class DeliveryProgress:
    """A delivery after its latest logged attempt.

    ``attempt`` is the number of that attempt (for a cancelled delivery: the attempt that was not
    made); ``attempts_allowed`` what the retry policy allows in all; ``retry_in`` how long after
    that attempt ended the next one was scheduled; ``diagnosis`` the latest error.
    """

    delivery_id: str
    stage: Stage
    attempt: int
    attempts_allowed: int
    retry_in: float | None = None
    diagnosis: str = ""

    @property
    def finished(self) -> bool:
        """True once no further attempt will be made."""
        return self.stage is not Stage.RETRYING

    @property
    def delivered(self) -> bool:
        """True when the delivery arrived."""
        return self.stage is Stage.DELIVERED

    @property
    def text(self) -> str:
        """The story so far: "retrying (attempt 2 of 3 in 5 s)…", "delivered on attempt 3"..."""
        if self.stage is Stage.RETRYING:
            wait = format_seconds(round(max(0.0, self.retry_in or 0.0), 1))
            return f"retrying (attempt {self.attempt + 1} of {self.attempts_allowed} in {wait})…"
        if self.stage is Stage.DELIVERED:
            return f"delivered on attempt {self.attempt}"
        if self.stage is Stage.CANCELED:
            made = self.attempt - 1
            return f"retries cancelled after {made} attempt{'s' if made != 1 else ''}"
        if self.stage is Stage.NOT_SENT:
            return f"not sent: {_without_prefix(self.diagnosis)}"
        plural = "s" if self.attempt != 1 else ""
        return f"failed after {self.attempt} attempt{plural}: {self.diagnosis or 'no diagnosis'}"


@dataclass(frozen=True)
class SendTestStatus:
    """What a trigger form shows about its Send Test: the story so far, and what the user can do.

    ``cancellable`` is True while retries wait; ``delivered`` once the test arrived (the form then
    offers activation).
    """

    trigger_id: int
    text: str
    finished: bool
    delivered: bool = False
    cancellable: bool = False


def progress_of(record: RequestRecord, attempts_allowed: int) -> DeliveryProgress:
    """The progress a delivery shows after ``record``, its latest logged attempt."""
    ended = record.started_at + (record.duration or 0.0)
    return DeliveryProgress(
        delivery_id=record.delivery_id,
        stage=_STAGES.get(record.outcome, Stage.FAILED),
        attempt=record.attempt,
        attempts_allowed=max(attempts_allowed, record.attempt),
        retry_in=None if record.next_attempt_at is None else record.next_attempt_at - ended,
        diagnosis=record.error,
    )


def _without_prefix(text: str) -> str:
    return text.removeprefix("Not sent: ")
