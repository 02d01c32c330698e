"""`flask network ...`: operators create and inspect networks."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db
from . import services

network_cli = AppGroup("network", help="Create and list citizen practice networks.")


@network_cli.command("create")
@click.argument("definition", type=click.Path(exists=True, dir_okay=False))
@click.option("--replace-clusters", is_flag=True, help="Drop clusters missing from the definition.")
def create_command(definition: str, replace_clusters: bool) -> None:
    """Create or update a network from a YAML/JSON DEFINITION file."""
    try:
        network = services.create_network(services.read_definition(definition), replace_clusters=replace_clusters)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.untranslated()) from exc
    db.session.commit()
    click.echo(f"network {network.slug}: {len(network.clusters)} clusters")


@network_cli.command("load-defaults")
def load_defaults_command() -> None:
    """Load the SDGs and the default (Cheongju) network if the database has no network."""
    loaded = services.ensure_default_data()
    db.session.commit()
    click.echo("default network loaded" if loaded else "networks already present; nothing loaded")


@network_cli.command("list")
def list_command() -> None:
    for network in services.list_networks():
        click.echo(f"{network.slug}\t{network.name_ko}\t{len(network.clusters)} clusters")


@network_cli.command("open-edition")
@click.argument("slug")
@click.option("--year", type=int, default=None, help="The edition to open (default: the next one).")
def open_edition_command(slug: str, year: int | None) -> None:
    """Open a new edition (year) of network SLUG and invite last edition's groups to renew."""
    try:
        opening = services.open_edition(services.get_network(slug), year)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.untranslated()) from exc
    db.session.commit()
    click.echo(f"network {slug}: edition {opening.edition} open; {opening.invited} groups of "
               f"{opening.previous_edition} invited to renew ({opening.reachable} by Telegram)")
