"""`flask org ...`: import groups from a Google-Form-like CSV and export a network's groups."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..errors import DomainError
from ..extensions import db
from ..networks.services import get_network
from . import exports, services
from .importing import import_csv
from .services import OrganisationFilters

BIG_IMPORT = 1000  # rows; past this an import refreshes PostgreSQL's planner statistics

org_cli = AppGroup("org", help="Import and export a network's groups.")


def _network(slug: str):
    try:
        return get_network(slug)
    except DomainError as exc:
        raise click.ClickException(exc.untranslated()) from exc


@org_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--network", "slug", required=True, help="Network slug.")
@click.option("--no-pledge", is_flag=True, help="Do not record a pledge signature for imported rows.")
@click.option("--dry-run", is_flag=True, help="Check every row, store nothing.")
def import_command(csv_file: str, slug: str, no_pledge: bool, dry_run: bool) -> None:
    """Import groups from CSV_FILE (Google Form export; Korean or English headers)."""
    network = _network(slug)
    report = import_csv(network, Path(csv_file).read_bytes(), sign=not no_pledge)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
        if report.created >= BIG_IMPORT and db.session.get_bind().dialect.name == "postgresql":
            # Fresh planner statistics now rather than when autovacuum gets to it: with the old ones
            # (a network of a few rows) PostgreSQL joins an export's pledges by a nested loop over
            # every pledge of the edition, and a 20,000-group export takes seconds instead of ms.
            db.session.execute(sa.text("ANALYZE organisations, organisation_goals, pledges, pledge_goals"))
            db.session.commit()
    click.echo(f"imported {report.created}, skipped {len(report.skipped)}" + (" (dry run)" if dry_run else ""))
    for row, reason in report.skipped:
        click.echo(f"  row {row}: {reason}")
    if report.suggested:
        click.echo(f"SDGs and cluster suggested for {report.suggested} rows without SDGs "
                   "(marked 'suggested': review them on the organisations page)")
    for row, note in report.notes:
        click.echo(f"  row {row}: {note}")


@org_cli.command("export")
@click.option("--network", "slug", required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), required=True)
@click.option("--status", default=None)
@click.option("--cluster", default=None)
@click.option("--goal", type=int, default=None)
@click.option("--pledged/--not-pledged", default=None)
def export_command(slug: str, fmt: str, output: str, status, cluster, goal, pledged) -> None:
    """Export a network's groups (optionally filtered) as CSV (UTF-8 with BOM) or XLSX."""
    network = _network(slug)
    filters = OrganisationFilters(status=status, cluster=cluster, goal=goal, pledged=pledged)
    stmt = services.filtered_select(network, filters)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    chunks = exports.csv_stream(network, stmt) if fmt == "csv" else exports.xlsx_stream(network, stmt)
    with open(output, "wb") as fh:
        for chunk in chunks:
            fh.write(chunk)
    click.echo(f"{count} groups written to {output}")
