"""`flask user ...`: operators create organiser accounts and API tokens."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db
from ..networks.services import get_network
from . import services
from .models import User

user_cli = AppGroup("user", help="Organiser accounts and API tokens.")


def _fail(exc: DomainError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(exc.untranslated())


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--network", "slug", required=True, help="Network slug the account organises.")
@click.option("--role", type=click.Choice(["admin", "staff"]), default="staff", show_default=True)
@click.password_option(help="Asked interactively when not given (or set CIVICNET_PASSWORD).",
                       envvar="CIVICNET_PASSWORD")
def create_command(email: str, name: str, slug: str, role: str, password: str) -> None:
    """Create an organiser account (or give an existing one a role in another network)."""
    try:
        user = services.create_user(email, name, password, network=get_network(slug), role=role)
    except DomainError as exc:
        raise _fail(exc) from exc
    db.session.commit()
    click.echo(f"user {user.id}: {role} of {slug}")


@user_cli.command("token")
@click.option("--email", required=True)
@click.option("--network", "slug", required=True)
@click.option("--name", default="api", show_default=True)
def token_command(email: str, slug: str, name: str) -> None:
    """Create an API token for the account, scoped to one network (printed once)."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException("no such user")
    try:
        _, raw = services.create_api_token(user, get_network(slug), name)
    except DomainError as exc:
        raise _fail(exc) from exc
    db.session.commit()
    click.echo(raw)
