"""Who is crawling: a crawl does not start until the site owners it visits can tell.

Every request a crawl sends carries a User-Agent with the operator's contact address
(Scrapy's project template asks the same), and every capture names the operator in its
custody record. The shipped placeholder ``wildtrace-operator@example.org`` reaches nobody,
and ``root`` (or no name at all) tells a court nothing about who collected the evidence,
so :func:`require_identity` refuses both, saying which setting to set and how.
"""

from __future__ import annotations

from typing import Any

from wildtrace import config
from wildtrace.errors import ConfigError
from wildtrace.preserve.custody import operator_name

PLACEHOLDER_CONTACT = str(config.BY_NAME["contact"].default)
ANONYMOUS_OPERATORS = frozenset({"", "root", "unknown", "admin", "administrator"})


def identity_problem(settings: Any) -> ConfigError | None:
    """Why these settings may not crawl, or None when they name a contact and a person."""
    contact = str(settings.contact or "").strip()
    if not contact or contact == PLACEHOLDER_CONTACT or "@example." in contact:
        return ConfigError(
            f"the crawler's contact address is {contact or 'empty'!s}, which reaches "
            "no one: site owners read it in the User-Agent",
            hint="set the 'contact' setting to an address or URL you answer, e.g. "
                 "WILDTRACE_CONTACT=monitoring@your-ngo.org, or contact = \"...\" in "
                 "wildtrace.toml")
    who = operator_name(str(settings.operator or "")).strip()
    if who.lower() in ANONYMOUS_OPERATORS:
        return ConfigError(
            f"the operator would be recorded as {who or 'nobody'!r} in the evidence's "
            "custody log, which names no person",
            hint="set the 'operator' setting to your name, e.g. WILDTRACE_OPERATOR="
                 "'Ana Ruiz', or operator = \"...\" in wildtrace.toml")
    return None


def require_identity(settings: Any) -> None:
    """Raise the :class:`ConfigError` of :func:`identity_problem`, if any."""
    problem = identity_problem(settings)
    if problem is not None:
        raise problem
