"""Assess commands: score, train, evaluate, review-order and models."""

from __future__ import annotations

import csv
import platform
import sys
from pathlib import Path
from typing import Any

import click

from wildtrace import __version__
from wildtrace.cli import main
from wildtrace.cli.base import (
    AppContext,
    echo_json,
    echo_row_errors,
    pass_context,
    progress_wanted,
)
from wildtrace.errors import InputError

CONTRACT_COLUMNS = ("wt_relevant", "wt_score", "wt_taxa", "wt_cites", "wt_flags", "wt_risk")
CHUNK = 2000


def _scorer(app: AppContext, model_path: Path | None) -> Any:
    """The scorer for this workspace: its settings and its user lexicon, if any."""
    from wildtrace.assess import load_scorer
    from wildtrace.identify import identifier_for

    ws = app.ws
    return load_scorer(ws.settings, model_path, identifier=identifier_for(ws),
                       cache_dir=ws.root / "cache")


def _report_row_errors(errors: list[Any]) -> None:
    echo_row_errors(errors, limit=10, prefix="skipped ", more_hint=" unreadable rows")


@main.command()
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
    from wildtrace.assess.dataset import read_table

    table = read_table(file, text_columns)
    scorer = _scorer(app, model_path)
    headers = list(table.headers) + [c for c in CONTRACT_COLUMNS if c not in table.headers]
    tmp = output.with_name(output.name + ".part")
    relevant = 0
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", encoding="utf-8", newline="") as fh, click.progressbar(
                length=len(table.texts), label="scoring", file=sys.stderr,
                hidden=not (progress_wanted() and len(table.texts) > CHUNK)) as bar:
            writer = csv.DictWriter(fh, fieldnames=headers, extrasaction="ignore")
            writer.writeheader()
            for i in range(0, len(table.texts), CHUNK):
                results = scorer.assess(table.texts[i:i + CHUNK])
                for fields, a in zip(table.rows[i:i + CHUNK], results, strict=True):
                    relevant += a.relevant
                    writer.writerow({**{h: _cell(fields.get(h)) for h in table.headers},
                                     "wt_relevant": int(a.relevant),
                                     "wt_score": f"{a.score:.4f}", "wt_taxa": ";".join(a.taxa),
                                     "wt_cites": a.cites, "wt_flags": ";".join(a.flags),
                                     "wt_risk": f"{a.risk:.4f}"})
                bar.update(len(results))
        tmp.replace(output)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    _report_row_errors(table.errors)
    summary = {"rows": len(table.rows), "relevant": relevant, "errors": len(table.errors),
               "model_version": scorer.version, "output": str(output)}
    if as_json:
        echo_json(summary)
    else:
        click.echo(f"scored {len(table.rows)} rows ({relevant} relevant) with "
                   f"{scorer.version} -> {output}", err=True)


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _training_data(app: AppContext, file: Path | None, text_columns: tuple[str, ...],
                   label_column: str | None) -> tuple[list[str], list[int], str]:
    from wildtrace.assess.dataset import read_table

    if file is None:
        pairs = app.ws.store.labelled()
        if not pairs:
            raise InputError("the workspace has no labelled listings",
                             hint="label listings in the review queue, or give a labelled "
                                  "FILE with --label-column")
        return [x.text for x, _ in pairs], [y for _, y in pairs], "workspace labels"
    if not label_column:
        raise InputError("give --label-column with a labelled FILE")
    table = read_table(file, text_columns, label_column)
    _report_row_errors(table.errors)
    if table.unlabelled:
        click.echo(f"skipped {table.unlabelled} rows without a 0/1 label", err=True)
    return table.texts, table.labels, str(file)


@main.command()
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
    from wildtrace.assess import modelfile
    from wildtrace.assess.evaluation import metrics
    from wildtrace.assess.linear import fit

    if file is not None and not text_columns:
        raise InputError("give --text-column with a FILE")
    texts, labels, source = _training_data(app, file, text_columns, label_column)
    base = _scorer(app, None)
    use_emb = base.encoder is not None
    analysis = base.analyse(texts)
    model, oof = fit(analysis, labels, base.zeroshot.logits, use_embeddings=use_emb)
    m = metrics(labels, oof, model.threshold)
    model.meta.update({
        "data_sha256": modelfile.data_hash(analysis.texts, labels),
        "created": modelfile.now_iso(), "source": source, "n": len(labels),
        "positives": int(sum(labels)), "text_columns": list(text_columns),
        "label_column": label_column or "", "identify": str(base.identifier.version),
        "embeddings": getattr(base.encoder, "version", "") if use_emb else "",
        "wildtrace": __version__, "python": platform.python_version(),
        "metrics": {"out_of_fold": m.as_dict()},
    })
    ws_models = app.ws.models_dir
    if output is None:
        path = modelfile.save(model, ws_models / "incoming.wtmodel")
        filed = modelfile.file_in_workspace(ws_models, path)
        path.unlink(missing_ok=True)
        path = filed
    else:
        path = modelfile.save(model, output)
        filed = modelfile.file_in_workspace(ws_models, path)
    result = {"model": str(path), "filed": str(filed), "version": model.version,
              "n": len(labels), "positives": int(sum(labels)),
              "metrics": m.as_dict(), "threshold": round(model.threshold, 4)}
    if as_json:
        echo_json(result)
        return
    click.echo(f"trained {model.version} on {len(labels)} rows ({sum(labels)} relevant)")
    click.echo(f"out-of-fold: precision {m.precision:.3f} recall {m.recall:.3f} "
               f"F1 {m.f1:.3f} at threshold {model.threshold:.2f}")
    click.echo(f"model: {path}  (filed as {filed})")


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--text-column", "text_columns", multiple=True, required=True, metavar="C")
@click.option("--label-column", required=True, metavar="L")
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Model to evaluate (default: zero-shot).")
@click.option("--cv", "folds", type=int, default=None, metavar="K",
              help="K-fold cross-validation: train and test a model on the file itself.")
@click.option("--plots", "plots", type=click.Path(path_type=Path), default=None,
              metavar="PREFIX", help="Write PREFIX-pr.png and PREFIX-calibration.png "
              "(default: in the workspace's evaluations/ folder).")
@click.option("--no-plots", is_flag=True, help="Do not draw the PNG plots.")
@click.option("--errors", "n_errors", type=int, default=10, show_default=True,
              help="How many of the worst errors to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_context
def evaluate(app: AppContext, file: Path, text_columns: tuple[str, ...], label_column: str,
             model_path: Path | None, folds: int | None, plots: Path | None, no_plots: bool,
             n_errors: int, as_json: bool) -> None:
    """Precision, recall and F1 of a model (or zero-shot, or K-fold CV) on a labelled file."""
    import numpy as np

    from wildtrace.assess import modelfile
    from wildtrace.assess.dataset import read_table
    from wildtrace.assess.evaluation import (
        cross_validate,
        metrics,
        metrics_per_row_threshold,
        save_plots,
        worst_errors,
    )

    if folds is not None and model_path is not None:
        raise InputError("--cv trains its own models; leave out --model")
    table = read_table(file, text_columns, label_column)
    _report_row_errors(table.errors)
    y = np.asarray(table.labels, dtype=int)
    if len(y) == 0:
        raise InputError("no rows with a 0/1 label", file=str(file))
    scorer = _scorer(app, model_path)
    analysis = scorer.analyse(table.texts)
    if folds is not None:
        p, thr = cross_validate(analysis, y, scorer.zeroshot.logits, k=folds,
                                use_embeddings=scorer.encoder is not None)
        m = metrics_per_row_threshold(y, p, thr)
        mode, model_name = f"cv{folds}", f"wildtrace-linear (trained per fold, {folds} folds)"
    else:
        p = scorer.proba(analysis)
        m = metrics(y, p, scorer.threshold)
        mode, model_name = ("model" if model_path else "zeroshot"), scorer.version
    paths: list[Path] = []
    if not no_plots:
        prefix = plots or (app.ws.root / "evaluations" /
                           f"{file.stem}-{mode}-{modelfile.now_iso().replace(':', '')}")
        paths = save_plots(y, p, m.threshold, prefix, f"{file.name} ({mode})")
    worst = worst_errors(table.texts, y, p, n_errors)
    result = {**m.as_dict(), "mode": mode, "model": model_name,
              "plots": [str(x) for x in paths], "worst_errors": worst,
              "unlabelled_rows": table.unlabelled}
    if as_json:
        echo_json(result)
        return
    click.echo(f"{file.name}: n={m.n}  precision {m.precision:.3f}  recall {m.recall:.3f}  "
               f"F1 {m.f1:.3f}  (threshold {m.threshold:.2f}, {model_name})")
    if m.average_precision is not None:
        click.echo(f"average precision {m.average_precision:.3f}  ROC AUC "
                   f"{m.roc_auc:.3f}  Brier {m.brier:.3f}")
    click.echo(f"tp {m.tp}  fp {m.fp}  fn {m.fn}  tn {m.tn}")
    for path in paths:
        click.echo(f"plot: {path}")
    if worst:
        click.echo("worst errors (label, score, text):")
        for w in worst:
            text = " ".join(w["text"].split())[:100]
            click.echo(f"  row {w['row']}: {w['label']} {w['score']:.2f}  {text}")


@main.command("review-order")
@click.option("--limit", default=20, show_default=True, help="How many listings to suggest.")
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Model to rank with (default: the newest in the workspace, else "
                   "zero-shot).")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@pass_context
def review_order(app: AppContext, limit: int, model_path: Path | None, as_json: bool) -> None:
    """Unlabelled listings whose labels would teach the model most, best first."""
    from wildtrace.assess import modelfile
    from wildtrace.assess.review import order

    ws = app.ws
    path = model_path or modelfile.latest_model(ws.models_dir)
    scorer = _scorer(app, path)
    labelled = {x.id for x, _ in ws.store.labelled()}
    listings = [x for x in ws.store.iter_listings() if x.id not in labelled]
    assessed = scorer.assess_listings(listings)
    picks = order([x.id for x in listings], [x.text for x in listings],
                  [a.score for a in assessed], [a.risk for a in assessed],
                  scorer.threshold, limit)
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


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@pass_context
def models(app: AppContext, as_json: bool) -> None:
    """Trained models filed in the workspace, oldest first."""
    from wildtrace.assess.modelfile import list_models

    entries = list_models(app.ws.models_dir)
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
