"""``/v1/mail``: inbound mail administration, for holders of ``portal:tenants:write``.

Mailboxes (address to tenant, optional default topic and IMAP settings), raw
message upload for providers that post inbound mail to a webhook, and the mail
that was ignored or quarantined, with replay. Everything is scoped to the caller's
tenant by the mail-ingest service.
"""

import uuid
from typing import Annotated, Any, Literal

from desk_infra.problems import problem_responses
from fastapi import APIRouter, Depends, Query, Request, Response
from helpdesk_contracts.permissions import Permission

from desk_gateway.auth import Principal
from desk_gateway.guards import requires
from desk_gateway.routes.deps import Mail

router = APIRouter(
    prefix="/v1/mail",
    tags=["mail"],
    responses=problem_responses(401, 403, 404, 422, 502, 503, 504),
)

MailAdmin = Annotated[Principal, Depends(requires(Permission.PORTAL_TENANTS_WRITE))]


@router.get("/mailboxes")
async def list_mailboxes(who: MailAdmin, mail: Mail) -> Response:
    return await mail.forward("GET", "/v1/mail/mailboxes", who)


@router.put("/mailboxes/{address}")
async def put_mailbox(
    address: str, body: dict[str, Any], who: MailAdmin, mail: Mail, request: Request
) -> Response:
    """Create or replace a mailbox: ``default_topic_id``, ``active``, ``imap``."""
    payload = await request.body()
    return await mail.forward(
        "PUT", f"/v1/mail/mailboxes/{address}", who, json_body=payload
    )


@router.get("/mailboxes/{address}")
async def get_mailbox(address: str, who: MailAdmin, mail: Mail) -> Response:
    return await mail.forward("GET", f"/v1/mail/mailboxes/{address}", who)


@router.delete("/mailboxes/{address}", status_code=204)
async def deactivate_mailbox(address: str, who: MailAdmin, mail: Mail) -> Response:
    return await mail.forward("DELETE", f"/v1/mail/mailboxes/{address}", who)


@router.post("/mailboxes/{address}/messages", status_code=202)
async def upload_message(
    address: str, request: Request, who: MailAdmin, mail: Mail
) -> Response:
    """Deliver one raw RFC 5322 message (the request body) to the mailbox."""
    raw = await request.body()
    return await mail.forward(
        "POST", f"/v1/mail/mailboxes/{address}/messages", who, json_body=raw
    )


@router.get("/messages")
async def list_messages(
    who: MailAdmin,
    mail: Mail,
    status: Literal["accepted", "ignored", "quarantined"] = "quarantined",
    before: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """Received mail by status, newest first, each with the reason of its fate."""
    params = {"status": status, "limit": str(limit)}
    if before is not None:
        params["before"] = before
    return await mail.forward("GET", "/v1/mail/messages", who, params=params)


@router.get("/messages/{mail_id}")
async def get_message(mail_id: uuid.UUID, who: MailAdmin, mail: Mail) -> Response:
    return await mail.forward("GET", f"/v1/mail/messages/{mail_id}", who)


@router.post("/messages/{mail_id}/replay")
async def replay_message(mail_id: uuid.UUID, who: MailAdmin, mail: Mail) -> Response:
    """Process a quarantined message again."""
    return await mail.forward("POST", f"/v1/mail/messages/{mail_id}/replay", who)
