"""The ``notify:`` section: where the morning summary goes (Apprise URLs, held as secret references)
and when it is sent.

Kept out of :mod:`feedback.config`, which only names it. The URLs of Slack, Teams, e-mail or a
webhook carry their tokens, so the file holds only references (``env:NAME`` or ``block:NAME``) to
them, resolved by the flow at the edge (:func:`feedback.secret_refs.resolve_secret`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SECRET_REF = re.compile(r"^(env|block):([A-Za-z_][A-Za-z0-9_-]*)$")  # as feedback.secret_refs (tested to agree)


def _reference(value: str) -> str:
    if not SECRET_REF.match(value):  # the message never repeats the value: it may be the URL with its token
        raise ValueError("a notification URL must be a secret reference like 'env:VARIABLE_NAME' or"
                         " 'block:prefect-secret-block-name' holding the URL, never the URL itself")
    return value


NotifyURL = Annotated[str, AfterValidator(_reference)]


class NotifySettings(BaseModel):
    """Notifications of the morning summary after each nightly run (none configured: none sent)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    urls: list[NotifyURL] = Field(
        default_factory=list,
        description="Apprise URLs (slack://, workflows:// for Teams, discord://, mailtos://, json://, ...), each as a secret reference",
    )
    when: Literal["alerts", "always"] = Field(
        "alerts", description="alerts: only on a night with an alert; always: every night",
    )
    customers: int = Field(5, ge=0, le=50, description="customers waiting longest for an answer, listed")
    quote: bool = Field(True, description="quote one (redacted) comment of each theme that alerts")
