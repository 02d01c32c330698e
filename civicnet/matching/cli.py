"""``flask sdg``: train, evaluate, classify, rescore."""
from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..errors import DomainError


@click.group("sdg")
def sdg_cli() -> None:
    """SDG and cluster matching."""


@sdg_cli.command("train")
@click.option("--encoder", default=None, help="use (default), e5 or auto (e5 where it runs, else use), use+e5, "
              "sentence-transformers[:PATH]")
@click.option("--evaluate/--no-evaluate", default=True, help="Also write the figures into the model card.")
def train_command(encoder: str | None, evaluate: bool) -> None:
    """Train the classifier (deterministic) into models/."""
    from . import model, training
    from .services import default_profile

    trained = training.train(encoder, log=click.echo)
    model.save_model(trained)
    model.reset_model(trained)
    click.echo(f"saved {model.MODELS_DIR / model.artefact_names(trained.encoder_name)[0]}")
    if evaluate:
        _evaluate(trained, default_profile())


def _evaluate(trained, profile) -> None:
    from . import evaluation, model

    figures = evaluation.evaluate_all(trained, profile)
    # The card documents the default encoder where it runs (e5); others (the USE fallback, any
    # experiment) get a figures file of their own.
    suffix = model.artefact_names(trained.encoder_name)[0][15:-7] or trained.encoder_name
    card = model.MODELS_DIR / ("MODEL_CARD.md" if trained.encoder_name == "e5" else f"FIGURES-{suffix}.md")
    evaluation.write_model_card(card, figures, trained.meta)
    click.echo(evaluation.figures_markdown(figures, trained.meta))
    click.echo(f"figures written to {card}")


@sdg_cli.command("evaluate")
def evaluate_command() -> None:
    """Per-SDG precision/recall/F1, macro-F1, top-k and cluster accuracy on the held-out sets."""
    from . import model
    from .services import default_profile

    _evaluate(model.get_model(), default_profile())


@sdg_cli.command("classify")
@click.option("--network", "slug", default=None, help="Network slug (default: CIVICNET_DEFAULT_NETWORK).")
@click.option("--input", "input_file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--output", "output_file", type=click.File("w", encoding="utf-8"), default="-")
@click.option("--batch", default=64, show_default=True)
@with_appcontext
def classify_command(slug: str, input_file, output_file, batch: int) -> None:
    """JSON Lines in ({"text", "id"?}), JSON Lines out, one per input line, in order."""
    from .services import classify_texts

    slug = slug or current_app.config["DEFAULT_NETWORK"]

    pending: list[tuple[object, str | None]] = []  # (id, text or None for a bad line)

    def flush() -> None:
        good = [(ident, text) for ident, text in pending if text is not None]
        results = iter(classify_texts([t for _, t in good], slug, ids=[i for i, _ in good]) if good else [])
        for ident, text in pending:
            if text is None:
                out = {"id": ident, "error": "invalid line: expected a JSON object with a string 'text'"}
            else:
                out = next(results)
            output_file.write(json.dumps(out, ensure_ascii=False) + "\n")
        output_file.flush()
        pending.clear()

    try:
        for line in input_file:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                row = None
            ident = row.get("id") if isinstance(row, dict) else None
            text = row.get("text", "") if isinstance(row, dict) else None
            pending.append((ident, text if isinstance(text, str) else None))
            if len(pending) >= batch:
                flush()
        flush()
    except DomainError as exc:
        click.echo(f"error: {exc.message % exc.params if exc.params else exc.message}", err=True)
        sys.exit(1)


@sdg_cli.command("rescore")
@click.option("--network", "slug", default=None, help="Network slug (default: CIVICNET_DEFAULT_NETWORK).")
@click.option("--learn/--no-learn", default=True, help="First record organiser confirmations as examples.")
@click.option("--apply", "apply_", is_flag=True,
              help="Also make the suggestions the SDGs and cluster of groups whose SDGs nobody confirmed "
                   "(marked 'suggested' for organisers to review).")
@click.option("--batch", "batch_size", default=500, show_default=True, type=click.IntRange(1, 10000),
              help="Groups per batch; each batch is committed, so memory stays flat.")
@with_appcontext
def rescore_command(slug: str, learn: bool, apply_: bool, batch_size: int) -> None:
    """Re-score all groups of a network (after a model update), in committed batches."""
    from ..extensions import db
    from ..networks.services import get_network
    from ..partners.index import vectors_for_classification
    from .services import rescore_network

    slug = slug or current_app.config["DEFAULT_NETWORK"]

    done = {"n": 0}

    def after_batch() -> None:
        db.session.commit()
        db.session.expunge_all()  # drop the batch's rows: memory stays flat at any network size
        done["n"] += 1
        if done["n"] % 10 == 0:
            click.echo(f"  {done['n'] * batch_size} groups ...", err=True)

    try:
        report = rescore_network(get_network(slug), learn=learn, apply=apply_, batch_size=batch_size,
                                 after_batch=after_batch, stored_vectors=vectors_for_classification)
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"error: {exc.untranslated()}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"re-scored {report.scored} groups of {slug}")
    if apply_:
        click.echo(f"applied suggested SDGs to {report.applied} groups whose SDGs nobody had confirmed")
