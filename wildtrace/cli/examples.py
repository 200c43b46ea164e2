"""One or two worked examples at the foot of every command's ``--help``.

Kept together as data, as Datasette keeps its settings table: a new command without an
example fails ``tests/test_cli_help.py``, and the examples of every command read alike.
A command that defines its own epilog (``crawl``, ``export``) keeps it.
"""

from __future__ import annotations

import click

EXAMPLES: dict[str, tuple[str, ...]] = {
    "init": ("wildtrace init ~/monitoring/pangolin",),
    "import": ("wildtrace import listings.csv --source shopee",
               "wildtrace import tweets.jsonl --map tweet=description --dry-run"),
    "errors": ("wildtrace errors --limit 10",),
    "settings": ("wildtrace settings", "WILDTRACE_EMBEDDINGS=off wildtrace settings --json"),
    "process": ("wildtrace process", "WILDTRACE_EMBEDDINGS=off wildtrace process  # fast path"),
    "report": ("wildtrace report -o report.html",),
    "capture": ("wildtrace capture https://shop.example/item/42",
                "wildtrace capture --no-browser URL1 URL2"),
    "score": ("wildtrace score posts.csv --text-column title --text-column body -o scored.csv",),
    "train": ("wildtrace train labelled.csv --text-column text --label-column relevant "
              "-o model.json", "wildtrace train   # from analysts' labels in the queue"),
    "evaluate": ("wildtrace evaluate test.csv --text-column text --label-column relevant",
                 "wildtrace evaluate all.csv --text-column text --label-column y --cv 5"),
    "review-order": ("wildtrace review-order --limit 10",),
    "models": ("wildtrace models --json",),
    "explain": ("wildtrace explain 42", "wildtrace explain 42 --jurisdiction EU"),
    "reference": ("wildtrace reference match 'raw ivory bangle'",),
    "reference build": ("wildtrace reference build --species-plus Index_of_CITES_Species.csv",),
    "reference info": ("wildtrace reference info",),
    "reference match": ("wildtrace reference match '犀牛角 粉' --jurisdiction CN",),
    "recapture": ("wildtrace recapture histories.csv", "wildtrace recapture --by platform"),
    "sellers": ("wildtrace sellers --top 5",),
    "link": ("wildtrace link --json",),
    "market": ("wildtrace market --currency USD",
               "wildtrace market --plot volume.svg --by taxon"),
    "evidence": ("wildtrace evidence verify",),
    "evidence verify": ("wildtrace evidence verify --json",),
    "evidence export-custody": ("wildtrace evidence export-custody -o custody.jsonl",),
    "evidence timestamp": ("wildtrace evidence timestamp --json",),
    "audit": ("wildtrace audit verify",),
    "audit verify": ("wildtrace audit verify --json",),
    "serve": ("wildtrace serve", "wildtrace serve --host 0.0.0.0 --port 8080"),
    "user": ("wildtrace user list",),
    "user add": ("echo 'a long passphrase' | wildtrace user add ana --role analyst "
                 "--password-stdin",),
    "user list": ("wildtrace user list --json",),
    "user disable": ("wildtrace user disable ana",),
    "user enable": ("wildtrace user enable ana",),
    "user remove": ("wildtrace user remove ana",),
    "token": ("wildtrace token create ana",),
    "token create": ("wildtrace token create ana",),
    "token list": ("wildtrace token list",),
    "token revoke": ("wildtrace token revoke 3",),
    "profile": ("wildtrace profile test telegram saved/channel.html",),
    "profile test": ("wildtrace profile test telegram channel.html --url https://t.me/s/x",
                     "wildtrace profile test profiles/mysite.toml ad.html --json"),
    "workspace": ("wildtrace workspace backup /backups/ws-2026-12-01",),
    "workspace backup": ("wildtrace workspace backup /backups/ws-2026-12-01",),
    "workspace restore": ("wildtrace workspace restore /backups/ws-2026-12-01 ./restored",),
    "session": ("wildtrace session list",),
    "session import": ("wildtrace session import forum.example.org cookies.txt "
                       "--account ana.traffic",),
    "session renew": ("wildtrace session renew forum.example.org cookies.txt",),
    "session list": ("wildtrace session list --json",),
    "session forget": ("wildtrace session forget forum.example.org",),
    "terms": ("wildtrace terms suggest",),
    "terms suggest": ("wildtrace terms suggest --limit 20", "wildtrace terms suggest --json"),
    "terms accept": ("wildtrace terms accept 'moon porcelain' --taxon Elephantidae",
                     "wildtrace terms accept 'vảy rồng' --taxon Manis --lang vi"),
    "terms reject": ("wildtrace terms reject 'free shipping' --note 'not a code word'",),
    "terms decisions": ("wildtrace terms decisions --json",),
    "rising": ("wildtrace rising", "wildtrace rising --as-of 2026-03-31 --days 30"),
    "alerts": ("wildtrace alerts list",),
    "alerts add": ("wildtrace alerts add 'Ivory VN' --rule appendix_i --email ana@ngo.org "
                   "--platform chotot.com",
                   "wildtrace alerts add bursts --rule burst --webhook https://hooks.ngo.org/wt"),
    "alerts list": ("wildtrace alerts list --json",),
    "alerts run": ("wildtrace alerts run",),
    "alerts unsubscribe": ("wildtrace alerts unsubscribe 9f2c...e1",),
    "watch": ("wildtrace watch run pangolin.toml",),
    "watch run": ("wildtrace watch run pangolin.toml --max-pages 500 --every 1d",
                  "wildtrace watch run --no-crawl --name imports"),
    "watch history": ("wildtrace watch history --json",),
    "intel": ("wildtrace intel export --case 3 --format stix -o case3.stix.json",),
    "intel export": ("wildtrace intel export --case 3 --format stix -o case3.stix.json",
                     "wildtrace intel export --listing 12 --listing 40 --format misp -o e.json"),
    "intel import": ("wildtrace intel import case3.stix.json",),
    "revisit": ("wildtrace revisit   # daily, from cron: adverts due at 1d, 7d, 30d",
                "wildtrace revisit --report --json"),
    "venues": ("wildtrace venues --new", "wildtrace venues --kind telegram --json"),
    "venues promote": ("wildtrace venues promote 12   # then: wildtrace crawl --venues",),
    "venues dismiss": ("wildtrace venues dismiss 13",),
}


def epilog(lines: tuple[str, ...]) -> str:
    """The examples as a help epilog (``\\b`` keeps click from rewrapping them)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def attach(group: click.Group, prefix: str = "") -> list[str]:
    """Give every command under ``group`` its examples; returns the commands that have
    none (for the test that keeps the table complete)."""
    missing: list[str] = []
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if not command.epilog:
            if path in EXAMPLES:
                command.epilog = epilog(EXAMPLES[path])
            else:
                missing.append(path)
        if isinstance(command, click.Group):
            missing += attach(command, f"{path} ")
    return missing
