"""`flask privacy purge`: delete personal data that has outlived the retention period."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db
from ..networks.services import get_network
from ..timeutil import local_zone
from .purge import purge_everything, purge_expired

privacy_cli = AppGroup("privacy", help="Personal data: retention and purge (PIPA).")


@privacy_cli.command("purge")
@click.option("--network", "slug", help="Only this network (default: every network and the bot's stale conversations).")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; change nothing.")
def purge_command(slug: str | None, dry_run: bool) -> None:
    """Delete what has outlived each network's retention period, and record the run."""
    try:
        reports = ([purge_expired(get_network(slug), dry_run=dry_run, trigger="cli")] if slug
                   else purge_everything(dry_run=dry_run, trigger="cli"))
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.untranslated()) from exc
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for report in reports:
        where = f"network {report.network}" if report.network else "bot conversations"
        since = f" (older than {_local(report.cutoff)})" if report.cutoff else ""
        counts = " ".join(f"{k}={v}" for k, v in report.counts.items())
        click.echo(f"{'would delete' if dry_run else 'deleted'} {where}{since}: {counts}")


def _local(value) -> str:
    """A stored naive-UTC time in the deployment's zone, formatted by Babel (operators read it)."""
    from datetime import UTC

    from babel.dates import format_datetime

    return format_datetime(value.replace(tzinfo=UTC), "yyyy-MM-dd HH:mm zzz", tzinfo=local_zone(), locale="en")
