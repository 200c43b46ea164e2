"""Settings: one table drives validation, ``wildtrace settings`` help and the docs.

Layers, later wins: defaults < ``wildtrace.toml`` in the workspace < ``WILDTRACE_*``
environment variables < values given on the command line.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wildtrace.errors import ConfigError

Parser = Callable[[str], Any]


def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected on/off, got {text!r}")


def _positive_float(text: str) -> float:
    value = float(text)
    if value < 0:
        raise ValueError(f"must be >= 0, got {value}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(f"must be >= 0, got {value}")
    return value


def _unit_float(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"must be between 0 and 1, got {value}")
    return value


def _page_worker(text: str) -> str:
    value = text.strip().lower()
    if value not in {"process", "thread"}:
        raise ValueError(f"expected 'process' or 'thread', got {text!r}")
    return value


def _tsa_url(text: str) -> str:
    value = text.strip()
    if value and not value.lower().startswith(("http://", "https://")):
        raise ValueError(f"expected an http:// or https:// URL (or empty), got {text!r}")
    return value


def _scheduler(text: str) -> str:
    # Checked here so a typo fails before any work is sent: "" (this process),
    # local[:N] (N worker processes on this machine), or a Dask scheduler's address.
    value = text.strip()
    if value in ("", "local") or value.lower().startswith(("tcp://", "tls://")):
        return value
    if value.startswith("local:") and value[6:].isdigit() and int(value[6:]) > 0:
        return value
    raise ValueError(f"expected tcp://HOST:PORT, tls://HOST:PORT, local, local:N or "
                     f"empty, got {text!r}")


def _redis_url(text: str) -> str:
    value = text.strip()
    if value and not value.lower().startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"expected redis://HOST:PORT/DB, rediss://… or unix://… "
                         f"(or empty), got {text!r}")
    return value


def _blob_store(text: str) -> str:
    # Checked here so a typo fails at start-up, and credentials never sit in a
    # workspace file: S3 takes them from the standard AWS environment.
    value = text.strip()
    if value.lower() in ("", "postgres", "database"):
        return value.lower()
    if not value.startswith("s3://"):
        raise ValueError(f"expected empty (the local folder), 'postgres' or "
                         f"s3://BUCKET/PREFIX, got {text!r}")
    bucket = value[5:].partition("/")[0]
    if "@" in bucket or ":" in bucket:
        raise ValueError("put no credentials in blob_store: S3 reads them from "
                         "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)")
    if not 3 <= len(bucket) <= 63 or not all(c.isalnum() or c in ".-" for c in bucket) \
            or bucket != bucket.lower():
        raise ValueError(f"{bucket!r} is not an S3 bucket name (3-63 lower-case "
                         "letters, digits, dots and hyphens)")
    return value


def _endpoint_url(text: str) -> str:
    value = text.strip()
    if value and not value.lower().startswith(("http://", "https://")):
        raise ValueError(f"expected an http:// or https:// URL (or empty), got {text!r}")
    if "@" in value.partition("://")[2].partition("/")[0]:
        raise ValueError("put no credentials in s3_endpoint_url: S3 reads them from "
                         "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
    return value


def _proxy(text: str) -> str:
    # socks5h only: the proxy resolves names (collect/proxy.py says why socks5 is refused).
    value = text.strip()
    if not value:
        return ""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError(f"{text!r} is not a proxy URL (socks5h://HOST:PORT)") from None
    scheme = parts.scheme.lower()
    if scheme == "socks5":
        raise ValueError("use socks5h:// (the proxy resolves host names): with socks5:// "
                         "names would be looked up locally, telling the local DNS resolver "
                         "every site visited, and .onion addresses cannot be reached")
    if scheme != "socks5h":
        raise ValueError(f"expected socks5h://HOST:PORT (a SOCKS5 proxy such as Tor's "
                         f"socks5h://127.0.0.1:9050), got {text!r}")
    if not parts.hostname or port is None:
        raise ValueError(f"the proxy URL needs a host and a port, got {text!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"a proxy URL is socks5h://[USER:PASS@]HOST:PORT only, got {text!r}")
    return value.rstrip("/")


AGE_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> int:
    """Seconds in an age such as ``36h``, ``7d`` or ``2w``."""
    item = text.strip().lower()
    if len(item) < 2 or item[-1] not in AGE_UNITS or not item[:-1].isdigit() \
            or int(item[:-1]) <= 0:
        raise ValueError(f"{text!r} is not an age like 12h, 7d or 2w")
    return int(item[:-1]) * AGE_UNITS[item[-1]]


def _ages(text: str) -> str:
    # Validated here so a typo fails at start-up; kept in the user's spelling, ascending.
    items = [i.strip().lower() for i in text.replace(";", ",").split(",") if i.strip()]
    return ",".join(sorted(dict.fromkeys(items), key=parse_age))


def _networks(text: str) -> str:
    # Validated here so a typo fails at start-up, not when the first request comes.
    items = [i.strip() for i in text.replace(";", ",").split(",") if i.strip()]
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or CIDR network") from None
    return ",".join(items)


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its name, default, parser and the help shown to users.

    ``secret`` settings are masked wherever settings are shown (``wildtrace settings``);
    a URL setting shows its password masked the same way.
    """

    name: str
    default: Any
    help: str
    parse: Parser = str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", "", "SQLAlchemy URL of the database; empty means wildtrace.db "
            "(SQLite) in the workspace. Teams use postgresql+psycopg://host/db."),
    Setting("embeddings", True, "Use sentence embeddings in score/train/process when the "
            "[embed] extra is installed; off is the fast path.", _bool),
    Setting("relevance_threshold", 0.5, "Score at or above which a listing counts as relevant.",
            _unit_float),
    Setting("operator", "", "Name of the person operating wildtrace; written into evidence "
            "and the custody log. Empty means the login name."),
    Setting("contact", "wildtrace-operator@example.org", "Contact address sent in the "
            "crawler's User-Agent so site owners can reach the operator."),
    Setting("user_agent", "wildtrace/{version} (+{contact}; wildlife-trade monitoring)",
            "User-Agent template for crawling and capture."),
    Setting("delay", 2.0, "Seconds between requests to the same domain.", _positive_float),
    Setting("timeout", 30.0, "Seconds before a request is abandoned.", _positive_float),
    Setting("max_body_bytes", 10_000_000, "Largest response body fetched, in bytes.",
            _positive_int),
    Setting("obey_robots", True, "Obey robots.txt, including Crawl-delay.", _bool),
    Setting("jurisdiction", "", "Default jurisdiction for legality verdicts (CITES, EU, UK, "
            "US, CN); empty means inferred from the listing."),
    Setting("reference_pack", "", "Reference pack (file or folder) built with 'wildtrace "
            "reference build -o DIR', e.g. from a newer Species+ export; empty means the pack "
            "shipped with wildtrace."),
    Setting("max_text_chars", 200_000, "Longer listing texts are truncated before matching "
            "and scoring (the stored text is kept whole).", _positive_int),
    Setting("chromium_path", "/usr/bin/chromium", "Chromium executable for screenshots."),
    Setting("browser_page_bytes", 50_000_000, "Most bytes of responses one page may load "
            "in browser crawls (each response is also held to max_body_bytes); past it "
            "further sub-resources are refused and noted.", _positive_int),
    Setting("session_key", "", "Key that seals imported logged-in sessions (Fernet, "
            "URL-safe base64); empty: a key file made in the workspace's secrets/ folder, "
            "which backups leave out.", secret=True),
    Setting("retries", 2, "Times a failed request (timeout, 429, 5xx) is tried again.",
            _positive_int),
    Setting("retry_backoff", 1.0, "Seconds before the first retry; doubles each time "
            "(a Retry-After header overrides it).", _positive_float),
    Setting("max_retry_after", 300.0, "Longest Retry-After (seconds) the crawler waits "
            "for; a longer one fails the page with that reason.", _positive_float),
    Setting("max_redirects", 5, "Redirects followed before a page fails.", _positive_int),
    Setting("focus", "assess", "How the crawler judges page relevance: 'assess' (the "
            "relevance model, when available) or 'keywords' (watch terms only; starts "
            "faster)."),
    Setting("page_worker", "process", "Where a crawl stores and extracts pages: 'process' "
            "(a worker process beside the downloader, using a second CPU core) or 'thread' "
            "(one process; for debugging).", _page_worker),
    Setting("crawl_lease", 120.0, "Seconds a crawl worker holds the URLs it took before "
            "other workers sharing the frontier may take them back (it renews them every "
            "quarter of that while it runs; a worker killed midway loses its URLs after "
            "this long).", _positive_float),
    Setting("tsa_url", "", "RFC 3161 time-stamping authority that 'wildtrace evidence "
            "timestamp' (and crawl/capture, at the end of a run) asks for a signed time over "
            "the custody head, e.g. https://freetsa.org/tsr; empty means off.", _tsa_url),
    Setting("tsa_ca_file", "", "The TSA's certificate chain (PEM, obtained from the TSA) "
            "that 'evidence verify' checks timestamp signatures against; empty means "
            "signatures are not checked."),
    Setting("blob_store", "", "Where evidence blobs and sealed WARC files are kept: empty "
            "means evidence/blobs in the workspace folder (one machine); 'postgres' means "
            "chunked rows in the workspace database; s3://BUCKET/PREFIX means S3-compatible "
            "object storage (credentials from the AWS_* environment variables). Teams "
            "sharing a database use 'postgres' or s3:// so that any machine can verify.",
            _blob_store),
    Setting("s3_endpoint_url", "", "Endpoint of an S3-compatible server other than AWS "
            "(MinIO, Ceph, Garage: http://HOST:9000); empty means AWS.", _endpoint_url),
    Setting("proxy", "", "SOCKS5 proxy every crawl and capture goes through, host names "
            "resolved by the proxy: socks5h://127.0.0.1:9050 for a local Tor. Needed for "
            ".onion addresses; empty: direct connections.", _proxy),
    Setting("revisit_after", "1d,7d,30d", "Ages of a captured advert at which 'wildtrace "
            "revisit' fetches it again to see whether it came down (h, d or w; a list, "
            "revisit_after = [\"1d\", \"7d\", \"30d\"]).", _ages),
    Setting("trusted_proxies", "", "Addresses or CIDR networks of the reverse proxies in "
            "front of 'wildtrace serve', comma-separated; only from these is "
            "X-Forwarded-For believed (for rate limits, the audit log and https). Empty: "
            "never.", _networks),
    Setting("scheduler", "", "Dask distributed scheduler that 'wildtrace process' sends "
            "identify/assess to, and 'wildtrace import' the extraction of WARC/HTML pages "
            "(tcp://HOST:8786; local:N starts N worker processes here); "
            "empty means this process alone.", _scheduler),
    Setting("redis_url", "", "Redis server (redis://HOST:6379/0) that several 'wildtrace "
            "serve' processes share rate limits and login lockouts through, and crawl "
            "workers their politeness (one request at a time per server, Crawl-delay); "
            "empty: the database when it is PostgreSQL, else this process's memory.", _redis_url),
    Setting("db_pool_size", 20, "Database connections each process keeps open on a "
            "database server (half as many again may open for a burst; a 'serve' process "
            "answers up to 40 requests at once).", _positive_int),
    Setting("link_incremental", True, "Resolve only the listings added since the newest "
            "link run, joining them to its sellers through the link index (the same result "
            "as a full run); off: every run resolves all listings and keeps no index.",
            _bool),
    Setting("images", True, "Fetch listings' photos as evidence in crawls and captures, "
            "hash them for reused-photo links and read the text in them (the [images] "
            "extra and Debian's tesseract-ocr); off: photos are not fetched.", _bool),
    Setting("max_photos", 8, "Photos fetched per listing at most.", _positive_int),
    Setting("photo_species", True, "Hint at the species a kept photo shows (an ImageNet "
            "classifier mapped to CITES taxa: the [images] and [embed] extras); a hint, "
            "never a verdict. Off: no species hints.", _bool),
    Setting("ocr_languages", "eng+chi_sim+vie+tha", "Tesseract language packs the text "
            "in photos is read with, '+'-joined; empty: no OCR (photos still kept)."),
    Setting("max_request_bytes", 1_048_576, "Largest request body the web app reads on "
            "routes that need a login, in bytes (bigger ones get 413).", _positive_int),
    Setting("max_public_request_bytes", 65_536, "Largest request body on the public "
            "routes (POST /login, POST /api/tips; the tip form may add a 5 MB "
            "screenshot), in bytes.", _positive_int),
)

BY_NAME: Mapping[str, Setting] = {s.name: s for s in SETTINGS}
ENV_PREFIX = "WILDTRACE_"
MASK = "***"


def shown(name: str, value: Any) -> Any:
    """A setting's value as it may be printed: a secret setting masked whole, the
    password of a URL (``scheme://user:password@host``) masked."""
    setting = BY_NAME.get(name)
    if setting is not None and setting.secret:
        return MASK if value not in ("", None) else value
    if isinstance(value, str) and "://" in value:
        scheme, _, rest = value.partition("://")
        authority, slash, path = rest.partition("/")
        credentials, at, host = authority.rpartition("@")
        if at and ":" in credentials:
            user = credentials.split(":", 1)[0]
            return f"{scheme}://{user}:{MASK}@{host}{slash}{path}"
    return value


def _coerce(setting: Setting, value: Any, where: str) -> Any:
    if isinstance(setting.default, bool) and isinstance(value, bool):
        return value
    if not isinstance(value, str) and isinstance(setting.default, (int, float)) and not \
            isinstance(value, bool):
        value = str(value)
    if setting.parse in (_networks, _ages) and isinstance(value, list) and \
            all(isinstance(v, str) for v in value):
        value = ",".join(value)  # TOML's natural spelling: trusted_proxies = ["10.0.0.1"]
    if not isinstance(value, str):
        raise ConfigError(f"{where}: setting {setting.name} has a value of the wrong type")
    try:
        return setting.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: setting {setting.name}: {exc}",
                          hint=setting.help) from exc


@dataclass(frozen=True)
class Settings:
    """Resolved settings, each a typed attribute (``settings.delay`` is a float).

    ``values`` holds them by name (already parsed); the properties below give each its
    type, so a misspelt or mistyped setting is a type error, not a surprise at run time.
    """

    values: Mapping[str, Any]

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values replaced (already parsed)."""
        for name in changes:
            if name not in BY_NAME:
                raise ConfigError(f"unknown setting {name!r}")
        return Settings({**self.values, **changes})

    def get(self, name: str) -> Any:
        """A setting by name (for code that lists them all)."""
        try:
            return self.values[name]
        except KeyError:
            raise ConfigError(f"unknown setting {name!r}") from None

    @property
    def database_url(self) -> str:
        """SQLAlchemy URL of the database."""
        return str(self.values["database_url"])

    @property
    def images(self) -> bool:
        """Whether crawls and captures fetch and analyse listings' photos."""
        return bool(self.values["images"])

    @property
    def max_photos(self) -> int:
        """Photos fetched per listing at most."""
        return int(self.values["max_photos"])

    @property
    def photo_species(self) -> bool:
        """Whether kept photos get a species hint from the image classifier."""
        return bool(self.values["photo_species"])

    @property
    def ocr_languages(self) -> str:
        """Tesseract languages for the text in photos ("" = no OCR)."""
        return str(self.values["ocr_languages"])

    @property
    def embeddings(self) -> bool:
        """Whether score, train and process use sentence embeddings (when installed)."""
        return bool(self.values["embeddings"])

    @property
    def relevance_threshold(self) -> float:
        """Score at or above which a listing counts as relevant."""
        return float(self.values["relevance_threshold"])

    @property
    def operator(self) -> str:
        """Name of the person operating wildtrace."""
        return str(self.values["operator"])

    @property
    def contact(self) -> str:
        """Contact address sent in the crawler's User-Agent."""
        return str(self.values["contact"])

    @property
    def user_agent(self) -> str:
        """User-Agent template for crawling and capture."""
        return str(self.values["user_agent"])

    @property
    def delay(self) -> float:
        """Seconds between requests to the same domain."""
        return float(self.values["delay"])

    @property
    def timeout(self) -> float:
        """Seconds before a request is abandoned."""
        return float(self.values["timeout"])

    @property
    def max_body_bytes(self) -> int:
        """Largest response body fetched, in bytes."""
        return int(self.values["max_body_bytes"])

    @property
    def obey_robots(self) -> bool:
        """Whether robots.txt (and its Crawl-delay) is obeyed."""
        return bool(self.values["obey_robots"])

    @property
    def jurisdiction(self) -> str:
        """Default jurisdiction for legality verdicts; empty means inferred."""
        return str(self.values["jurisdiction"])

    @property
    def reference_pack(self) -> str:
        """Reference pack (file or folder); empty means the shipped one."""
        return str(self.values["reference_pack"])

    @property
    def max_text_chars(self) -> int:
        """Listing texts are cut to this many characters before matching and scoring."""
        return int(self.values["max_text_chars"])

    @property
    def chromium_path(self) -> str:
        """Chromium executable for screenshots."""
        return str(self.values["chromium_path"])

    @property
    def browser_page_bytes(self) -> int:
        """Most bytes of responses one page may load in a browser crawl."""
        return int(self.values["browser_page_bytes"])

    @property
    def session_key(self) -> str:
        """Key sealing imported sessions; empty: the workspace's key file."""
        return str(self.values["session_key"])

    @property
    def retries(self) -> int:
        """Times a failed request (timeout, 429, 5xx) is tried again."""
        return int(self.values["retries"])

    @property
    def retry_backoff(self) -> float:
        """Seconds before the first retry (doubling each time)."""
        return float(self.values["retry_backoff"])

    @property
    def max_retry_after(self) -> float:
        """Longest Retry-After (seconds) the crawler waits for."""
        return float(self.values["max_retry_after"])

    @property
    def max_redirects(self) -> int:
        """Redirects followed before a page fails."""
        return int(self.values["max_redirects"])

    @property
    def focus(self) -> str:
        """How the crawler judges page relevance: 'assess' or 'keywords'."""
        return str(self.values["focus"])

    @property
    def page_worker(self) -> str:
        """Where a crawl stores pages: 'process' (a worker process) or 'thread'."""
        return str(self.values["page_worker"])

    @property
    def crawl_lease(self) -> float:
        """Seconds a crawl worker's leases on the URLs it took last without renewal."""
        return max(1.0, float(self.values["crawl_lease"]))

    @property
    def tsa_url(self) -> str:
        """RFC 3161 time-stamping authority URL; empty means off."""
        return str(self.values["tsa_url"])

    @property
    def tsa_ca_file(self) -> str:
        """PEM certificate chain of the TSA; empty means signatures are not checked."""
        return str(self.values["tsa_ca_file"])

    @property
    def blob_store(self) -> str:
        """Evidence blob backend: '' (local folder), 'postgres'/'database', or s3://…."""
        return str(self.values["blob_store"])

    @property
    def s3_endpoint_url(self) -> str:
        """S3-compatible endpoint; empty means AWS."""
        return str(self.values["s3_endpoint_url"])

    @property
    def proxy(self) -> str:
        """SOCKS5 proxy of crawls and captures (socks5h://HOST:PORT; empty: none)."""
        return str(self.values["proxy"])

    @property
    def revisit_after(self) -> tuple[int, ...]:
        """Ages (seconds since capture) at which adverts are revisited, ascending."""
        return tuple(parse_age(a) for a in str(self.values["revisit_after"]).split(",")
                     if a)

    @property
    def trusted_proxies(self) -> tuple[str, ...]:
        """Addresses or networks whose X-Forwarded-For is believed (none by default)."""
        return tuple(i for i in str(self.values["trusted_proxies"]).split(",") if i)

    @property
    def scheduler(self) -> str:
        """Dask scheduler address for 'process' (empty: this process alone)."""
        return str(self.values["scheduler"])

    @property
    def link_incremental(self) -> bool:
        """Whether link runs resolve only what is new, through the link index."""
        return bool(self.values["link_incremental"])

    @property
    def redis_url(self) -> str:
        """Redis server shared by several app servers (empty: none)."""
        return str(self.values["redis_url"])

    @property
    def db_pool_size(self) -> int:
        """Database connections kept open per process."""
        return int(self.values["db_pool_size"])

    @property
    def max_request_bytes(self) -> int:
        """Largest request body on routes that need a login."""
        return int(self.values["max_request_bytes"])

    @property
    def max_public_request_bytes(self) -> int:
        """Largest request body on the public routes."""
        return int(self.values["max_public_request_bytes"])


def load(toml_path: Path | None = None, env: Mapping[str, str] | None = None,
         overrides: Mapping[str, Any] | None = None) -> Settings:
    """Resolve settings from defaults, a TOML file, the environment and overrides."""
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    if toml_path is not None and toml_path.exists():
        try:
            data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{toml_path}: cannot parse settings: {exc}") from exc
        for name, value in data.items():
            if name not in BY_NAME:
                raise ConfigError(f"{toml_path}: unknown setting {name!r}",
                                  hint="see 'wildtrace settings' for the list")
            values[name] = _coerce(BY_NAME[name], value, str(toml_path))
    environ = os.environ if env is None else env
    for setting in SETTINGS:
        key = ENV_PREFIX + setting.name.upper()
        if key in environ:
            values[setting.name] = _coerce(setting, environ[key], f"${key}")
    for name, value in (overrides or {}).items():
        if name not in BY_NAME:
            raise ConfigError(f"unknown setting {name!r}")
        if value is not None:
            values[name] = _coerce(BY_NAME[name], value, "command line")
    return Settings(values)


def user_agent(settings: Settings) -> str:
    """The User-Agent of crawls and captures, with the version and contact filled in."""
    from wildtrace import __version__

    template = settings.user_agent
    try:
        return template.format(version=__version__, contact=settings.contact)
    except (KeyError, IndexError, ValueError):
        return template


def default_toml() -> str:
    """The commented settings file written into a new workspace."""
    lines = ["# wildtrace workspace settings. Uncomment a line to change it.", ""]
    for s in SETTINGS:
        lines.append(f"# {s.help}")
        default = s.default
        if isinstance(default, bool):
            shown = "true" if default else "false"
        elif isinstance(default, str):
            shown = '"' + default.replace('"', '\\"') + '"'
        else:
            shown = str(default)
        lines.append(f"# {s.name} = {shown}")
        lines.append("")
    return "\n".join(lines)
