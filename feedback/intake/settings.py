"""The form channel's configuration: one ``channel: form`` source is one intake (``feedback intake``)
and the spool it writes, which the nightly run reads.

Kept out of :mod:`feedback.config` (which imports it into the ``sources`` union) so the intake app
can use it without the other channels' models; the two patterns below repeat ``feedback.config``'s
``SOURCE_NAME`` and ``SECRET_REF`` (tests/test_intake_config.py checks that they agree).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SOURCE_NAME = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
SECRET_REF = r"^(env|block):([A-Za-z_][A-Za-z0-9_-]*)$"
SecretReference = Annotated[str, Field(pattern=SECRET_REF)]


class FormSource(BaseModel):
    """The public feedback form and JSON endpoint (``feedback intake``), read through its spool."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=SOURCE_NAME)]
    channel: Literal["form"]
    spool: str = Field("intake.db", description="the intake's SQLite spool (WAL), beside the warehouse")
    secret: SecretReference | None = Field(
        None, description="secret reference of the JSON endpoint's HMAC-SHA256 key; none = the endpoint is off",
    )
    csrf_secret: SecretReference | None = Field(
        None, description="secret reference of the key that signs the form's CSRF tokens; none = a new key at "
        "every start (open forms then expire on restart; run one worker)",
    )
    max_body: int = Field(64_000, ge=1024, le=10_000_000, description="bytes; a larger request is refused (413)")
    max_text: int = Field(5000, ge=10, le=100_000, description="characters of 'what happened'")
    rate: float = Field(0.05, gt=0, description="submissions per second per client address, sustained")
    burst: int = Field(10, ge=1, description="submissions a client address may send at once")
    replay_window: int = Field(300, ge=10, le=86_400, description="seconds a signed request's timestamp may be off")
    form_lifetime: int = Field(7200, ge=60, description="seconds a served form (its CSRF token) stays valid")
    keep_days: int = Field(
        7, ge=1, le=3650, description="days an ingested submission stays in the spool before it is deleted "
        "(its text and address are then only in the warehouse)",
    )
    spool_timeout: float = Field(2.0, ge=0, description="seconds to wait for a locked spool before answering 503")

    @model_validator(mode="after")
    def _keys_differ(self) -> FormSource:
        if self.secret is not None and self.secret == self.csrf_secret:
            raise ValueError("secret and csrf_secret must be different keys")
        return self
