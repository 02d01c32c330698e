"""`flask partners ...`: build and refresh the stored activity vectors."""
from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..extensions import db
from ..networks.models import Network
from .index import current_encoder, reindex_network

partners_cli = AppGroup("partners", help="Partner suggestions: activity vectors per group.")


@partners_cli.command("reindex")
@click.option("--network", "slug", help="Only this network (slug); default: every network.")
@click.option("--force", is_flag=True, help="Recompute every vector, not only changed ones.")
def reindex_command(slug: str | None, force: bool) -> None:
    """Compute the vectors of groups whose activities changed (or all with --force)."""
    query = sa.select(Network).order_by(Network.id)
    if slug:
        query = query.where(Network.slug == slug)
    networks = list(db.session.scalars(query))
    if slug and not networks:
        raise click.ClickException(f"no network called {slug!r}")
    encoder = current_encoder()
    for network in networks:
        started = time.perf_counter()
        done = reindex_network(network.id, force=force)
        db.session.commit()
        click.echo(f"{network.slug}: {done} vectors updated with {encoder.name} "
                   f"in {time.perf_counter() - started:.1f}s")
