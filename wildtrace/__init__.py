"""wildtrace: find, preserve and assess online wildlife-trade listings.

Stages, each a sub-package, data flowing one way:
collect → preserve → extract → identify → assess → link → measure → act.
"""

__version__ = "0.1.0"
