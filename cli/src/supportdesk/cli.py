"""``supportdesk``: run, migrate and seed the desk; mint development tokens."""

import asyncio
from typing import Annotated

import typer
from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.vocabulary import ActorKind

# Commands import the services' modules when they run, so that ``--help`` and
# ``token`` start quickly.

app = typer.Typer(help="Run and administer the Support desk.", no_args_is_help=True)
dead_letters = typer.Typer(help="Inspect and replay a consumer queue's dead letters.")
app.add_typer(dead_letters, name="dlq")
mail = typer.Typer(help="Inbound mail: what was quarantined, and replaying it.")
quarantine = typer.Typer(help="Mail that could not be processed, with its reason.")
mail.add_typer(quarantine, name="quarantine")
app.add_typer(mail, name="mail")

OPERATOR_DEMO_PERMISSIONS = [
    p.value for p in Permission if p.value.startswith("support:")
]
REQUESTER_DEMO_PERMISSIONS = [
    Permission.REQUEST_UPDATE_OWN.value,
    Permission.COMMENT_CREATE.value,
    Permission.ATTACHMENT_UPLOAD.value,
]


@app.command()
def migrate() -> None:
    """Create each service's database if needed and apply its migrations."""
    from supportdesk.services import migrate_all

    asyncio.run(migrate_all())
    typer.echo("databases are up to date")


@app.command()
def up() -> None:
    """Migrate, start every service, print the gateway URL, run until Ctrl-C."""
    from supportdesk.services import migrate_all, run_all

    asyncio.run(migrate_all())
    raise typer.Exit(run_all(typer.echo))


@app.command()
def token(
    tenant: Annotated[str, typer.Option(help="Tenant id; registered when new.")],
    user: Annotated[str, typer.Option(help="User id; registered when new.")],
    kind: Annotated[
        ActorKind, typer.Option(help="operator or requester")
    ] = ActorKind.OPERATOR,
    permission: Annotated[
        list[str] | None, typer.Option("--permission", "-p", help="Repeat for each.")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Display name of a new user.")
    ] = None,
    email: Annotated[str | None, typer.Option(help="Email of a new user.")] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds.")] = 12 * 3600,
) -> None:
    """Print a development bearer token (last line), registering tenant and user."""
    from desk_gateway.auth import mint_token
    from desk_infra.settings import JwtSettings

    from supportdesk.seed import Seeder

    if kind is ActorKind.SYSTEM:
        raise typer.BadParameter(
            "tokens are for operators or requesters", param_hint="--kind"
        )
    from desk_gateway.auth import TENANT_ID, USER_ID

    if not TENANT_ID.fullmatch(tenant):
        raise typer.BadParameter(
            "letters, digits, . _ - (64 at most)", param_hint="--tenant"
        )
    if not USER_ID.fullmatch(user):
        raise typer.BadParameter(
            "letters, digits, . _ @ + - (128 at most)", param_hint="--user"
        )

    async def register() -> None:
        seeder = Seeder()
        try:
            if await seeder.ensure_tenant(tenant, tenant):
                typer.echo(f"registered tenant {tenant} with Support enabled", err=True)
            await seeder.ensure_user(
                tenant,
                user,
                name or user,
                email,
                requester=kind is ActorKind.REQUESTER,
            )
        finally:
            await seeder.close()

    asyncio.run(register())
    typer.echo(
        mint_token(
            JwtSettings(),
            tenant_id=tenant,
            user_id=user,
            kind=kind,
            permissions=permission or [],
            ttl_seconds=ttl,
        )
    )


@app.command()
def demo() -> None:
    """Seed a demo tenant (with an owner tenant), users and topics; print tokens."""
    from desk_gateway.auth import mint_token
    from desk_infra.settings import JwtSettings

    from supportdesk.seed import DEMO_TENANT, Seeder
    from supportdesk.services import migrate_all

    async def seed() -> list[str]:
        seeder = Seeder()
        try:
            return await seeder.seed_demo()
        finally:
            await seeder.close()

    asyncio.run(migrate_all())
    for line in asyncio.run(seed()):
        typer.echo(f"seeded {line}")
    settings = JwtSettings()
    operator = mint_token(
        settings,
        tenant_id=DEMO_TENANT,
        user_id="olivia",
        kind=ActorKind.OPERATOR,
        permissions=OPERATOR_DEMO_PERMISSIONS,
    )
    requester = mint_token(
        settings,
        tenant_id=DEMO_TENANT,
        user_id="rita",
        kind=ActorKind.REQUESTER,
        permissions=REQUESTER_DEMO_PERMISSIONS,
    )
    typer.echo(f"operator olivia (every support permission):\n{operator}")
    typer.echo(f"requester rita:\n{requester}")


@dead_letters.command("list")
def list_dead_letters(
    queue: Annotated[
        str, typer.Argument(help="The consumer queue, e.g. sla.ticket-events")
    ],
    limit: Annotated[int, typer.Option(help="How many to show.")] = 50,
) -> None:
    """Show dead letters with the reason they were set aside; they stay queued."""
    from desk_infra.dead_letters import peek
    from desk_infra.settings import ServiceSettings

    url = ServiceSettings().amqp_url.get_secret_value()
    letters = asyncio.run(peek(url, queue, limit))
    for letter in letters:
        typer.echo(f"{letter.message_id} {letter.type} attempts={letter.attempts}")
        typer.echo(f"    reason: {letter.error}")
    typer.echo(f"{len(letters)} dead letter(s) shown")


@dead_letters.command("replay")
def replay_dead_letters(
    queue: Annotated[
        str, typer.Argument(help="The consumer queue to put them back on.")
    ],
    limit: Annotated[int | None, typer.Option(help="At most this many.")] = None,
) -> None:
    """Put dead letters back on their queue, for another round of attempts."""
    from desk_infra.dead_letters import replay
    from desk_infra.settings import ServiceSettings

    url = ServiceSettings().amqp_url.get_secret_value()
    moved = asyncio.run(replay(url, queue, limit))
    typer.echo(f"replayed {moved} message(s) onto {queue}")


def _mail_api(tenant: str) -> tuple[str, dict[str, str]]:
    """The mail-ingest service's internal API (on this host) and a tenant's scope."""
    from desk_mail_ingest.config import MailSettings

    settings = MailSettings()
    base = f"http://{settings.mail_host}:{settings.mail_port}/v1/mail"
    return base, {"x-desk-tenant": tenant}


@quarantine.command("list")
def list_quarantined(
    tenant: Annotated[str, typer.Option(help="Whose mail.")],
    limit: Annotated[int, typer.Option(help="How many to show.")] = 50,
    status: Annotated[
        str, typer.Option(help="quarantined, or ignored (screened out).")
    ] = "quarantined",
) -> None:
    """Show quarantined (or ignored) mail, newest first, with the reason of each."""
    import httpx

    base, headers = _mail_api(tenant)
    params = {"status": status, "limit": str(limit)}
    answer = httpx.get(f"{base}/messages", params=params, headers=headers)
    answer.raise_for_status()
    items = answer.json()["items"]
    for item in items:
        typer.echo(f"{item['id']} {item['received_at']} from={item['from_address']}")
        typer.echo(f"    reason: {item['reason']}")
    typer.echo(f"{len(items)} {status} message(s) shown")


@quarantine.command("replay")
def replay_quarantined(
    mail_id: Annotated[str, typer.Argument(help="The id shown by list.")],
    tenant: Annotated[str, typer.Option(help="Whose mail.")],
) -> None:
    """Process a quarantined or screened-out message again (rate limit, sender
    check and screening waived; a duplicate stays as it is)."""
    import httpx

    base, headers = _mail_api(tenant)
    answer = httpx.post(f"{base}/messages/{mail_id}/replay", headers=headers)
    if answer.status_code != 200:
        typer.echo(f"replay failed ({answer.status_code}): {answer.text}", err=True)
        raise typer.Exit(1)
    outcome = answer.json()
    typer.echo(
        f"{mail_id} is now {outcome['status']} {outcome['reason'] or ''}".strip()
    )
