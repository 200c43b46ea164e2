"""Commands over a whole workspace: ``workspace backup`` and ``workspace restore``
(:mod:`wildtrace.app.backup`, :mod:`wildtrace.app.restore`)."""

from __future__ import annotations

from pathlib import Path

import click

from wildtrace.cli.base import AppContext, echo_json, pass_context


@click.group("workspace")
def workspace() -> None:
    """Back up a workspace and restore it elsewhere."""


@workspace.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def backup_cmd(app: AppContext, dest: Path, as_json: bool) -> None:
    """Back up the workspace into DEST, a new folder: a consistent copy of the
    database, the evidence (blobs, WARC files, custody mirror), the settings without
    secrets, and a manifest with the SHA-256 of every file. Runs beside live crawls."""
    from wildtrace.app.backup import backup

    report = backup(app.ws, dest)
    if as_json:
        echo_json(report.as_dict())
    else:
        click.echo(f"backed up {app.ws.root} ({report.dialect}) into {dest}: "
                   f"{report.files} files, {report.bytes:,} bytes, {report.blobs} blobs, "
                   f"{report.warc_files} WARC files, custody up to entry "
                   f"{report.custody_seq}")
        click.echo(f"manifest SHA-256: {report.manifest_sha256} (note it down elsewhere: "
                   "restore --expect-manifest checks it)")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)


@workspace.command("restore")
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--database-url", default="", metavar="URL",
              help="New, empty PostgreSQL database for a PostgreSQL backup "
                   "(postgresql+psycopg://USER@HOST/NAME).")
@click.option("--blob-store", default=None, metavar="SPEC",
              help="Where the restored workspace keeps its blobs, if not where the "
                   "backup's settings say: '' (its folder), postgres, s3://BUCKET/PREFIX.")
@click.option("--expect-manifest", default=None, metavar="SHA256",
              help="The manifest SHA-256 printed when the backup was made.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def restore_cmd(source: Path, target: Path, database_url: str, blob_store: str | None,
                expect_manifest: str | None, as_json: bool) -> None:
    """Restore the backup in SOURCE into TARGET, a new workspace folder, after checking
    every file against the manifest (a changed, missing or added file refuses it)."""
    from wildtrace.app.restore import restore

    report = restore(source, target, database_url=database_url,
                     expect_manifest=expect_manifest, blob_store=blob_store)
    if as_json:
        echo_json(report.as_dict())
    else:
        click.echo(f"restored {source} into {target} ({report.database}): "
                   f"{report.files} files checked against the manifest, {report.blobs} "
                   f"blobs, custody up to entry {report.custody_seq} "
                   f"({report.custody_head[:16]}…)")
        click.echo(f"next: wildtrace --workspace {target} evidence verify")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)


COMMANDS: tuple[click.Command, ...] = (workspace,)
