"""The mail-ingest HTTP API: raw-message upload, mailboxes, received mail.

The gateway exposes ``/v1/mail`` to holders of ``portal:tenants:write`` and
passes the caller in ``X-Desk-*`` headers, which this API trusts: every call is
scoped to the caller's tenant. Uploads may instead carry the shared secret
``X-Desk-Mail-Secret`` (``DESK_MAIL_UPLOAD_SECRET``), for providers that post
inbound mail to a webhook; such a call may deliver to any mailbox.

``GET /v1/internal/reply-address`` is for other services (the gateway does not
forward it): the notifications workers ask where replies to a tenant's notices go.
"""

import hmac
import uuid
from datetime import datetime
from typing import Annotated

from desk_infra.logs import bind_log_context
from desk_infra.problems import Problem
from fastapi import APIRouter, Depends, Header, Query, Request, Response

from desk_mail_ingest.entrypoints.schemas import (
    MailboxRead,
    MailboxUpdate,
    MessagePage,
    MessageRead,
    OutcomeRead,
    ReplyAddressRead,
    Status,
)
from desk_mail_ingest.service_layer.intake import MailIntake
from desk_mail_ingest.service_layer.mailboxes import MailboxAdmin

mail_api = APIRouter(prefix="/v1/mail")
internal_api = APIRouter(prefix="/v1/internal", tags=["internal"])


async def caller_tenant(
    x_desk_tenant: Annotated[str, Header()],
    x_request_id: Annotated[str | None, Header()] = None,
) -> str:
    bind_log_context(tenant_id=x_desk_tenant, correlation_id=x_request_id)
    return x_desk_tenant


async def uploader_tenant(
    request: Request,
    x_desk_tenant: Annotated[str | None, Header()] = None,
    x_desk_mail_secret: Annotated[str | None, Header()] = None,
) -> str | None:
    """The caller's tenant, or ``None`` for a caller holding the shared secret."""
    if x_desk_tenant is not None:
        return x_desk_tenant
    secret = request.app.state.upload_secret
    if (
        secret is not None
        and x_desk_mail_secret is not None
        and hmac.compare_digest(secret.encode(), x_desk_mail_secret.encode())
    ):
        return None
    raise Problem(401, "an upload needs the caller's tenant or the shared secret")


def intake(request: Request) -> MailIntake:
    return request.app.state.intake  # type: ignore[no-any-return]


def admin(request: Request) -> MailboxAdmin:
    return request.app.state.admin  # type: ignore[no-any-return]


Tenant = Annotated[str, Depends(caller_tenant)]
Intake = Annotated[MailIntake, Depends(intake)]
Admin = Annotated[MailboxAdmin, Depends(admin)]


@mail_api.put("/mailboxes/{address}", response_model=MailboxRead)
async def put_mailbox(
    address: str, body: MailboxUpdate, tenant: Tenant, mail: Admin, response: Response
) -> MailboxRead:
    """Create or replace a mailbox of the caller's tenant (201 when created)."""
    if "@" not in address:
        raise Problem(422, "a mailbox address needs an @", type_="invalid-address")
    mailbox, created = await mail.put(tenant, address, body.columns())
    response.status_code = 201 if created else 200
    return MailboxRead.of(mailbox)


@mail_api.get("/mailboxes", response_model=list[MailboxRead])
async def list_mailboxes(tenant: Tenant, mail: Admin) -> list[MailboxRead]:
    return [MailboxRead.of(m) for m in await mail.listed(tenant)]


@mail_api.get("/mailboxes/{address}", response_model=MailboxRead)
async def get_mailbox(address: str, tenant: Tenant, mail: Admin) -> MailboxRead:
    return MailboxRead.of(await mail.get(tenant, address))


@mail_api.delete("/mailboxes/{address}", status_code=204)
async def deactivate_mailbox(address: str, tenant: Tenant, mail: Admin) -> None:
    """Stop taking mail for the address; what it received stays listed."""
    await mail.deactivate(tenant, address)


@mail_api.post(
    "/mailboxes/{address}/messages", response_model=OutcomeRead, status_code=202
)
async def upload_message(
    address: str,
    request: Request,
    tenant: Annotated[str | None, Depends(uploader_tenant)],
    mail: Admin,
    receiver: Intake,
) -> OutcomeRead:
    """Take one raw RFC 5322 message (the request body) for the mailbox."""
    raw = await request.body()
    if len(raw) > receiver.limits.max_bytes:
        raise Problem(413, f"the message exceeds {receiver.limits.max_bytes} bytes")
    mailbox = await mail.get(tenant, address)
    if not mailbox.active:
        raise Problem(409, f"the mailbox {address} is not active")
    outcome = await receiver.receive(raw, mailbox, source="upload")
    return OutcomeRead(
        mail_id=outcome.mail_id,
        status=outcome.status,
        reason=outcome.reason,
    )


@mail_api.get("/messages", response_model=MessagePage)
async def list_messages(
    tenant: Tenant,
    mail: Admin,
    status: Status = "quarantined",
    before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> MessagePage:
    """Received mail by status, newest first: ``quarantined``, ``ignored``, ..."""
    rows = await mail.messages(tenant, status, before=before, limit=limit)
    items = [MessageRead.model_validate(r) for r in rows]
    more = len(items) == limit
    return MessagePage(items=items, next_before=items[-1].received_at if more else None)


@mail_api.get("/messages/{mail_id}", response_model=MessageRead)
async def get_message(mail_id: uuid.UUID, tenant: Tenant, mail: Admin) -> MessageRead:
    return MessageRead.model_validate(await mail.message(tenant, mail_id))


@mail_api.post("/messages/{mail_id}/replay", response_model=OutcomeRead)
async def replay_message(
    mail_id: uuid.UUID, tenant: Tenant, mail: Admin, receiver: Intake
) -> OutcomeRead:
    """Process a quarantined message, or one screened out as automatic or a bounce,
    again (rate limit, sender check and screening waived); not a duplicate."""
    await mail.message(tenant, mail_id)
    outcome = await receiver.replay(mail_id)
    return OutcomeRead(
        mail_id=outcome.mail_id,
        status=outcome.status,
        reason=outcome.reason,
    )


@internal_api.get("/reply-address", response_model=ReplyAddressRead)
async def get_reply_address(tenant: Tenant, mail: Admin) -> ReplyAddressRead:
    """The tenant's reply mailbox, else its oldest active one, else none."""
    return ReplyAddressRead(address=await mail.reply_address(tenant))


router = APIRouter()
"""Every route of the API (routes are copied when included: keep this last)."""
router.include_router(mail_api)
router.include_router(internal_api)
