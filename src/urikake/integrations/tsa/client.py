"""The RFC 3161 time-stamping authority as pyHanko sees it, over the shared HTTP client.

pyHanko builds the timestamp query and checks the token; this class only carries the bytes,
through :func:`urikake.integrations.http.post_bytes` (the same URL rule, timeout and size
cap as every other external connection) instead of pyHanko's own ``requests`` client.
"""

from __future__ import annotations

from asyncio import to_thread

from asn1crypto import tsp
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from urikake.integrations import connection_names
from urikake.integrations.http import (
    ConnectionNotApproved,
    HttpFailure,
    Permit,
    admit,
    post_bytes,
    require_http_url,
)

QUERY = "application/timestamp-query"
REPLY = "application/timestamp-reply"
# A timestamp token with its certificate chain is a few kilobytes.
MAX_REPLY_BYTES = 256 * 1024


class TsaTimeStamper(TimeStamper):
    def __init__(self, url: str, *, timeout: float = 15) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.url = require_http_url(url, setting="CONTRACT_TSA_URL")
        self.timeout = timeout
        # The connection gate is asked here, in the caller's thread (which owns the database
        # connection and its transaction); pyHanko sends the query from a worker thread.
        self.permit: Permit | None = None
        self.refusal: ConnectionNotApproved | None = None
        try:
            self.permit = admit(connection_names.TSA, "POST", self.url)
        except ConnectionNotApproved as exc:
            self.refusal = exc

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return await to_thread(self._exchange, req)

    def _exchange(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        if self.refusal is not None:
            raise TimestampRequestError(
                f"Error in communication with timestamp server: {self.refusal}"
            ) from self.refusal
        try:
            content_type, raw = post_bytes(
                self.url,
                req.dump(),
                content_type=QUERY,
                user_agent="urikake-tsa/1",
                timeout=self.timeout,
                connection=connection_names.TSA,
                url_setting="CONTRACT_TSA_URL",
                max_response_bytes=MAX_REPLY_BYTES,
                permit=self.permit,
            )
        except HttpFailure as exc:
            raise TimestampRequestError(
                f"Error in communication with timestamp server: {exc}"
            ) from exc
        if content_type.split(";")[0].strip() != REPLY:
            raise TimestampRequestError("Timestamp server response is malformed.")
        try:
            return tsp.TimeStampResp.load(raw)
        except (ValueError, SigningError) as exc:
            raise TimestampRequestError("Timestamp server response is malformed.") from exc
