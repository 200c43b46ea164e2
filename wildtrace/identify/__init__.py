"""Identify: species, CITES status, product terms, code words and cues in text.

Other stages use one entry point::

    from wildtrace.identify import load_identifier
    ident = load_identifier()                 # cached; the shipped reference pack
    result = ident.identify("carved 象牙 bangle, DM for price")
    result.taxa, result.cites, result.flags   # ('Elephantidae',), 'I', ('covert', ...)

``load_identifier(extra_lexicon=PATH)`` adds a user's CSV lexicon of code words;
``pack=PATH`` uses a pack built with ``wildtrace reference build -o DIR`` (so does the
``reference_pack`` setting through :func:`identifier_for`, and ``$WILDTRACE_REFERENCE_PACK``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from wildtrace.identify.lexicon import load_lexicon, read_user_lexicon
from wildtrace.identify.matcher import MATCHER_VERSION, TaxonIdentifier
from wildtrace.identify.pack import default_pack_path, load_pack

_CACHE: dict[tuple[str, str, float], TaxonIdentifier] = {}
_LOCK = threading.Lock()


def _stamp(path: Path | None) -> tuple[str, float]:
    if path is None:
        return "", 0.0
    try:
        return str(path.resolve()), path.stat().st_mtime
    except OSError:
        return str(path), 0.0


def load_identifier(extra_lexicon: Path | None = None, pack: Path | None = None
                    ) -> TaxonIdentifier:
    """The identifier for the shipped (or given) pack plus an optional user lexicon.

    Cached per (pack, lexicon file and its modification time), so repeated calls are free
    and an edited lexicon is picked up.
    """
    env_pack = os.environ.get("WILDTRACE_REFERENCE_PACK", "")
    pack_path = pack or (Path(env_pack) if env_pack else default_pack_path())
    lex_name, lex_mtime = _stamp(extra_lexicon)
    key = (str(pack_path.resolve()) + "|" + lex_name, str(_stamp(pack_path)[1]), lex_mtime)
    with _LOCK:
        ident = _CACHE.get(key)
        if ident is None:
            user = read_user_lexicon(extra_lexicon) if extra_lexicon is not None else []
            ident = TaxonIdentifier(load_pack(pack_path), load_lexicon(), user)
            _CACHE.clear()  # one identifier at a time: each holds tens of MB
            _CACHE[key] = ident
        return ident


def identifier_for(ws: Any) -> TaxonIdentifier:
    """The identifier a workspace asks for: its ``reference_pack`` setting (else
    ``$WILDTRACE_REFERENCE_PACK``, else the shipped pack) and its ``lexicon.csv``."""
    pack = str(getattr(ws.settings, "reference_pack", "") or "")
    return load_identifier(workspace_lexicon(ws.root), pack=Path(pack) if pack else None)


def workspace_lexicon(root: Path) -> Path | None:
    """The user lexicon of a workspace (``lexicon.csv`` in its folder), if there is one."""
    path = Path(root) / "lexicon.csv"
    return path if path.is_file() else None


__all__ = ["MATCHER_VERSION", "TaxonIdentifier", "identifier_for", "load_identifier",
           "workspace_lexicon"]
