"""``supportdesk``: run, migrate and seed the desk; mint development tokens."""

import asyncio
from typing import Annotated

import typer
from helpdesk_contracts.permissions import Permission
from helpdesk_contracts.vocabulary import ActorKind

# Commands import the services' modules when they run, so that ``--help`` and
# ``token`` start quickly.

app = typer.Typer(help="Run and administer the Support desk.", no_args_is_help=True)

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

    async def register() -> None:
        seeder = Seeder()
        try:
            if await seeder.ensure_tenant(tenant, tenant):
                typer.echo(f"registered tenant {tenant} with Support enabled", err=True)
            await seeder.ensure_user(tenant, user, name or user, email)
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
