"""The scorer: relevance (zero-shot or trained), risk and reasons for batches of texts.

This is the one object the pipeline, the CLI and the web app use::

    scorer = load_scorer(settings, model_path=None)   # zero-shot when no model
    scorer.assess(texts) -> list[Assessment]

Identify runs once per text and its findings feed every model; embeddings are computed
once per batch when the setting ``embeddings`` is on and the ``[embed]`` extra present.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from wildtrace.assess import legality, modelfile, zeroshot
from wildtrace.assess.batch import Analysis, Encoder, Identifier, analyse
from wildtrace.assess.embedding import embeddings_wanted, load_embedder
from wildtrace.assess.evidence import evidence_of
from wildtrace.assess.linear import LinearModel
from wildtrace.assess.photohint import PhotoHint, bump_relevance
from wildtrace.assess.risk import MarketContext, Verdict, assess_risk
from wildtrace.errors import ModelError
from wildtrace.records import Assessment, Identification, Listing

BATCH = 2000


class Scorer:
    """Relevance, risk, flags and reasons for texts or listings."""

    def __init__(self, identifier: Identifier, encoder: Encoder | None = None,
                 model: LinearModel | None = None, *, threshold: float = 0.5,
                 max_chars: int = 200_000, verdict: Verdict | None = None) -> None:
        if model is not None and model.use_embeddings and encoder is None:
            raise ModelError("this model was trained with sentence embeddings, but they are "
                             "off or not installed",
                             hint="pip install 'wildtrace[embed]' and set embeddings = true, "
                                  "or retrain with WILDTRACE_EMBEDDINGS=off")
        self.identifier = identifier
        self.model = model
        # A trained model that did not use embeddings needs none for its own features, but
        # its zero-shot prior was computed without them too, so keep the two consistent.
        self.encoder = encoder if (model is None or model.use_embeddings) else None
        self.zeroshot = zeroshot.ZeroShot(self.encoder)
        self.threshold = model.threshold if model is not None else threshold
        self.max_chars = max_chars
        self.verdict = verdict
        # The reference pack's lineage of a name (photo hints agree with a text's taxa
        # through it); an identifier without one still compares names and genera.
        self._lookup = getattr(identifier, "taxon", None)

    @property
    def name(self) -> str:
        """Model family: ``wildtrace-linear`` or ``zeroshot``."""
        return "wildtrace-linear" if self.model is not None else "zeroshot"

    @property
    def version(self) -> str:
        """Model version plus identify's version: the provenance stored with results."""
        own = self.model.version if self.model is not None else self.zeroshot.version
        return f"{own}/{getattr(self.identifier, 'version', '?')}"[:80]

    def analyse(self, texts: Sequence[str]) -> Analysis:
        """Identify (and embed) a batch once, for every model to read."""
        return analyse(texts, self.identifier, self.encoder, self.max_chars)

    def proba(self, analysis: Analysis) -> np.ndarray:
        """Calibrated relevance probabilities of an analysed batch."""
        if self.model is not None:
            return self.model.proba(analysis, self.zeroshot.logits)
        return self.zeroshot.proba(analysis)

    def assess(self, texts: Sequence[str]) -> list[Assessment]:
        """Assess texts (no seller or price known)."""
        out: list[Assessment] = []
        for i in range(0, len(texts), BATCH):
            chunk = list(texts[i:i + BATCH])
            out.extend(self._assess(chunk, [None] * len(chunk), None, {}))
        return out

    def assess_listings(self, listings: Sequence[Listing],
                        context: MarketContext | None = None, *,
                        photo_hints: Mapping[int, Sequence[PhotoHint]] | None = None
                        ) -> list[Assessment]:
        """Assess stored listings, using price and seller for the scam signals.

        Without ``context`` the market (prices per taxon, texts per seller) is taken from
        the listings themselves. ``photo_hints`` (listing id -> the species hints of its
        photos) add a bounded feature of relevance and risk (:mod:`.photohint`).
        """
        out: list[Assessment] = []
        for i in range(0, len(listings), BATCH):
            chunk = list(listings[i:i + BATCH])
            out.extend(self._assess([x.text for x in chunk], list(chunk), context,
                                    photo_hints or {}))
        return out

    def _assess(self, texts: list[str], listings: list[Listing | None],
                context: MarketContext | None,
                photo_hints: Mapping[int, Sequence[PhotoHint]]) -> list[Assessment]:
        analysis = self.analyse(texts)
        p = self.proba(analysis)
        margins = (self.zeroshot.margins(analysis.embeddings)
                   if analysis.embeddings is not None and self.zeroshot.encoder is not None
                   else None)
        if context is None and any(x is not None for x in listings):
            context = MarketContext.build([
                (t, x.seller, x.price, x.currency, ident.taxa)
                for t, x, ident in zip(analysis.texts, listings, analysis.idents, strict=True)
                if x is not None])
        out = []
        for k, (text, ident) in enumerate(zip(analysis.texts, analysis.idents, strict=True)):
            listing = listings[k]
            prob = model_prob = float(np.clip(p[k], 0.0, 1.0))
            evidence = evidence_of(ident)
            margin = float(margins[k]) if margins is not None else None
            hints = photo_hints.get(listing.id, ()) if listing is not None else ()
            photo_why = ""
            if hints:
                prob, photo_why = bump_relevance(prob, evidence, hints, margin,
                                                 taxa=ident.taxa, lookup=self._lookup,
                                                 threshold=self.threshold)
            risk = assess_risk(
                text, ident, prob, seller=listing.seller if listing else "",
                price=listing.price if listing else None,
                currency=listing.currency if listing else "",
                location=listing.location if listing else "", context=context,
                verdict=self.verdict, photo_hints=hints)
            why = zeroshot.reasons(evidence, margin)
            if self.model is not None:
                why.insert(0, f"trained model {self.model.version}: p={model_prob:.2f}")
            if photo_why:
                why.append(photo_why)
            flags = tuple(dict.fromkeys([*ident.flags, *risk.flags]))
            out.append(Assessment(
                relevant=prob >= self.threshold, score=round(prob, 4), taxa=ident.taxa,
                cites=ident.cites if ident.cites in ("I", "II", "III") else "", flags=flags,
                reasons=tuple([*why, *risk.reasons]), model=self.name,
                model_version=self.version, matches=ident.matches, risk=risk.score))
        return out


def legality_verdict(jurisdiction: str = "") -> Verdict:
    """A risk-term function over the legality rules (:mod:`.legality`)."""

    def judge(ident: Identification, location: str) -> tuple[str, str] | None:
        v = legality.verdict(ident, jurisdiction, location=location)
        if v.verdict == "unknown":
            return None
        why = "; ".join(v.reasons[:2]) or "no reason given"
        return v.verdict, f"{why} [{v.jurisdiction}]"

    return judge


def load_scorer(settings: Any, model_path: Path | None = None, *,
                identifier: Identifier | None = None, cache_dir: Path | None = None
                ) -> Scorer:
    """The scorer for these settings: zero-shot when ``model_path`` is None.

    Embeddings are used when the setting ``embeddings`` is on and the ``[embed]`` extra is
    installed; a model trained with embeddings refuses to run without them. With
    ``cache_dir`` (a workspace's ``cache/``), embeddings are kept on disk between runs.
    """
    model = modelfile.load(Path(model_path)) if model_path is not None else None
    if identifier is None:
        from wildtrace.identify import load_identifier

        identifier = load_identifier()
    want = embeddings_wanted(settings)
    if model is not None and not model.use_embeddings:
        want = False
    encoder = load_embedder() if want else None
    if encoder is not None and cache_dir is not None:
        encoder.attach_cache(Path(cache_dir) / "embeddings.sqlite")
    threshold = float(getattr(settings, "relevance_threshold", 0.5))
    return Scorer(identifier, encoder, model, threshold=threshold,
                  max_chars=int(getattr(settings, "max_text_chars", 200_000)),
                  verdict=legality_verdict(str(getattr(settings, "jurisdiction", "") or "")))
