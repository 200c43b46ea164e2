"""Assess commands: score, train, evaluate, review-order and models.

Each parses its options, calls :mod:`wildtrace.app.scoring`, :mod:`~wildtrace.app.training`
or :mod:`~wildtrace.app.evaluation`, and prints the result as text or JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from wildtrace.cli.base import (
    AppContext,
    echo_json,
    echo_row_errors,
    pass_context,
)
from wildtrace.cli.progress import Progress
from wildtrace.records import RowError


def _report_row_errors(errors: Sequence[RowError]) -> None:
    echo_row_errors(errors, limit=10, prefix="skipped ", more_hint=" unreadable rows")


def _say_costs(app: AppContext, model_path: Path | None, rows: int | None,
               on: bool = True) -> None:
    # Embeddings turn on by themselves with the [embed] extra: say so, with their cost.
    from wildtrace.app.costs import model_notices

    if on:
        for notice in model_notices(app.ws, model_path=model_path, listings=rows):
            click.echo(notice.line(), err=True)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--text-column", "text_columns", multiple=True, required=True, metavar="C",
              help="Column holding listing text; repeat to join several (e.g. title and "
                   "description).")
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Trained model file (default: zero-shot, no labels needed).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="CSV to write: every input column plus wt_relevant, wt_score, wt_taxa, "
                   "wt_cites, wt_flags, wt_risk.")
@click.option("--json", "as_json", is_flag=True, help="Print a summary as JSON.")
@pass_context
def score(app: AppContext, file: Path, text_columns: tuple[str, ...], model_path: Path | None,
          output: Path, as_json: bool) -> None:
    """Score every row of a CSV/JSONL file for wildlife-trade relevance and risk."""
    from wildtrace.app import scoring

    job = scoring.open_job(app.ws, file, text_columns, model_path)
    _say_costs(app, model_path, job.rows, on=job.scorer.encoder is not None)
    with Progress("scoring", job.rows if job.rows > scoring.CHUNK else None, unit="rows",
                  quiet=as_json) as bar:
        result = scoring.write_scores(job, output, progress=bar.update)
    _report_row_errors(result.errors)
    if as_json:
        echo_json(result.as_dict())
    else:
        click.echo(f"scored {result.rows} rows ({result.relevant} relevant) with "
                   f"{result.model_version} -> {output}", err=True)


@click.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--text-column", "text_columns", multiple=True, metavar="C",
              help="Text column(s) of FILE; repeatable.")
@click.option("--label-column", default=None, metavar="L",
              help="Column of 0/1 labels (1 = relevant).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Model file to write (a copy is always filed in the workspace's "
                   "models/ folder).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def train(app: AppContext, file: Path | None, text_columns: tuple[str, ...],
          label_column: str | None, output: Path | None, as_json: bool) -> None:
    """Train a relevance model from a labelled FILE, or from analysts' labels."""
    from wildtrace.app import training

    data = training.training_data(app.ws, file, text_columns, label_column)
    _report_row_errors(data.errors)
    _say_costs(app, None, len(data.texts))
    if data.unlabelled:
        click.echo(f"skipped {data.unlabelled} rows without a 0/1 label", err=True)
    result = training.train(app.ws, data, output)
    if as_json:
        echo_json(result.as_dict())
        return
    m = result.metrics
    click.echo(f"trained {result.version} on {result.n} rows ({result.positives} relevant)")
    click.echo(f"out-of-fold: precision {m.precision:.3f} recall {m.recall:.3f} "
               f"F1 {m.f1:.3f} at threshold {result.threshold:.2f}")
    click.echo(f"model: {result.model}  (filed as {result.filed})")


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--text-column", "text_columns", multiple=True, required=True, metavar="C")
@click.option("--label-column", required=True, metavar="L")
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Model to evaluate (default: zero-shot).")
@click.option("--cv", "folds", type=int, default=None, metavar="K",
              help="K-fold cross-validation: train and test a model on the file itself.")
@click.option("--group-by", default="near-duplicates", show_default=True, metavar="G",
              help="How --cv keeps rows together in one fold: near-duplicates (MinHash "
                   "clusters), none, or a column name (e.g. seller).")
@click.option("--train-on", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Cross-set: train a model on FILE and test it on this file (test rows "
                   "that near-duplicate a training row are left out).")
@click.option("--train-text-column", "train_text_columns", multiple=True, metavar="C",
              help="Text column(s) of --train-on FILE (default: --text-column).")
@click.option("--train-label-column", default=None, metavar="L",
              help="Label column of --train-on FILE (default: --label-column).")
@click.option("--by", "by", multiple=True, metavar="COLUMN",
              help="Also break the figures down by COLUMN (e.g. kind), or by 'language' "
                   "(detected when there is no such column); repeatable.")
@click.option("--plots", "plots", type=click.Path(path_type=Path), default=None,
              metavar="PREFIX", help="Write PREFIX-pr.png and PREFIX-calibration.png "
              "(default: in the workspace's evaluations/ folder).")
@click.option("--no-plots", is_flag=True, help="Do not draw the PNG plots.")
@click.option("--errors", "n_errors", type=int, default=10, show_default=True,
              help="How many of the worst errors to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def evaluate(app: AppContext, file: Path, text_columns: tuple[str, ...], label_column: str,
             model_path: Path | None, folds: int | None, group_by: str,
             train_on: Path | None, train_text_columns: tuple[str, ...],
             train_label_column: str | None, by: tuple[str, ...], plots: Path | None,
             no_plots: bool, n_errors: int, as_json: bool) -> None:
    """Precision, recall and F1 of a model (or zero-shot, grouped K-fold CV, or a model
    trained on another file) on a labelled file, optionally per language or kind."""
    from wildtrace.app import evaluation

    job = evaluation.prepare(file, text_columns, label_column, model_path=model_path,
                             folds=folds, group_by=group_by, train_on=train_on,
                             train_text_columns=train_text_columns,
                             train_label_column=train_label_column, by=by)
    _report_row_errors(job.table.errors)
    _say_costs(app, model_path, len(job.table.texts))
    result = evaluation.evaluate(app.ws, job, plots=plots, draw=not no_plots,
                                 n_errors=n_errors)
    if as_json:
        echo_json(result.as_dict())
        return
    m = result.metrics
    click.echo(f"{file.name}: n={m.n}  precision {m.precision:.3f}  recall {m.recall:.3f}  "
               f"F1 {m.f1:.3f}  (threshold {m.threshold:.2f}, {result.model})")
    if m.average_precision is not None:
        click.echo(f"average precision {m.average_precision:.3f}  ROC AUC "
                   f"{m.roc_auc:.3f}  Brier {m.brier:.3f}")
    click.echo(f"tp {m.tp}  fp {m.fp}  fn {m.fn}  tn {m.tn}")
    if result.grouping == "none":
        click.echo("folds not grouped: near-duplicates may sit in training and test folds")
    elif result.grouping:
        click.echo(f"folds grouped by {result.grouping} ({result.groups} groups); each "
                   "fold's threshold chosen on its training rows")
    if result.trained_on:
        click.echo(f"trained on {result.trained_on}; {result.left_out} test rows left out "
                   "as near-duplicates of training rows")
    for by_name, part in result.breakdowns.items():
        click.echo(f"by {by_name}:")
        for key, km in part.items():
            click.echo(f"  {key[:24]:<24} n={km.n:<6} P {km.precision:.3f}  "
                       f"R {km.recall:.3f}  F1 {km.f1:.3f}  (relevant {km.tp + km.fn})")
    for path in result.plots:
        click.echo(f"plot: {path}")
    if result.worst_errors:
        click.echo("worst errors (label, score, text):")
        for w in result.worst_errors:
            text = " ".join(w["text"].split())[:100]
            click.echo(f"  row {w['row']}: {w['label']} {w['score']:.2f}  {text}")


@click.command("review-order")
@click.option("--limit", default=20, show_default=True, help="How many listings to suggest.")
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Model to rank with (default: the newest in the workspace, else "
                   "zero-shot).")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@pass_context
def review_order(app: AppContext, limit: int, model_path: Path | None, as_json: bool) -> None:
    """Unlabelled listings whose labels would teach the model most, best first."""
    from wildtrace.app.scoring import review_order as suggest

    picks = suggest(app.ws, limit, model_path)
    if as_json:
        echo_json([{"id": s.listing_id, "value": s.value, "score": s.score, "risk": s.risk,
                    "uncertainty": s.uncertainty, "redundancy": s.redundancy,
                    "title": s.title} for s in picks])
        return
    if not picks:
        click.echo("no unlabelled listings")
    for s in picks:
        click.echo(f"{s.listing_id:>8}  value {s.value:.2f}  score {s.score:.2f}  "
                   f"risk {s.risk:.2f}  {' '.join(s.title.split())[:80]}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@pass_context
def models(app: AppContext, as_json: bool) -> None:
    """Trained models filed in the workspace, oldest first."""
    from wildtrace.app import training

    entries = training.models(app.ws)
    if as_json:
        echo_json(entries)
        return
    if not entries:
        click.echo("no trained models yet (wildtrace train)")
    for e in entries:
        f1 = (e.get("metrics") or {}).get("out_of_fold", {}).get("f1")
        click.echo(f"{e.get('file')}  {e.get('version')}  n={e.get('n')}  "
                   f"oof F1={f1}  {e.get('created')}  {e.get('source')}"
                   + ("" if e.get("present") else "  (file missing)"))


COMMANDS: tuple[click.Command, ...] = (score, train, evaluate, review_order, models)
