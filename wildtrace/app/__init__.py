"""The application layer: the things users do, composed from the stages.

The faces (:mod:`wildtrace.cli`, :mod:`wildtrace.web`) call only this layer and core;
each module here is one use case (process, crawl, capture, import, train, export…) or
one read model a screen shows (listing view, queue item, dashboard figures, case view),
returned as typed records. See ``docs/architecture.md``.
"""
