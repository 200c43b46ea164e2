"""An evidence session: the custody log, the WARC writer and the preserver of one run,
opened together, recovered after a crash, and closed together.
"""

from __future__ import annotations

from pathlib import Path

from wildtrace.blobstore import BlobStore
from wildtrace.preserve import warc
from wildtrace.preserve.capture import Preserver, tool_versions
from wildtrace.preserve.custody import CustodyLog, operator_name
from wildtrace.store import Store

CUSTODY_FILE = "custody.jsonl"


def custody_log(evidence_dir: Path, store: Store, operator: str) -> CustodyLog:
    """The workspace's custody log, acting as ``operator``."""
    return CustodyLog(store, evidence_dir / CUSTODY_FILE, operator)


class EvidenceSession:
    """Custody, WARC and capture storage for one crawl, capture or import run."""

    def __init__(self, evidence_dir: Path, store: Store, blobs: BlobStore, *,
                 operator: str, user_agent: str, robots_policy: str,
                 durable: bool = True, purpose: str = "", recover: bool = True,
                 proxy: str = "") -> None:
        self.operator = operator_name(operator)
        self.custody = custody_log(evidence_dir, store, self.operator)
        # A crashed run may have left the mirror short or a WARC file open. A session
        # opened beside running ones (a tip captured by the web server while a crawl
        # writes its file) passes recover=False: the open files are not crashed.
        self.custody.sync_mirror()
        self.recovered = (warc.recover(evidence_dir / "warc", store, self.custody, blobs)
                          if recover else [])
        versions = tool_versions()
        info = warc.warcinfo(
            software=f"wildtrace/{versions['wildtrace']} "
                     f"(scrapy/{versions.get('scrapy', '?')}, "
                     f"warcio/{versions.get('warcio', '?')})",
            operator=self.operator, robots=robots_policy, user_agent=user_agent,
            extra={**({"description": purpose} if purpose else {}),
                   # The SOCKS proxy (Tor) every exchange in the file went through.
                   **({"proxy": proxy} if proxy else {})} or None)
        self.recorder = warc.WarcRecorder(evidence_dir / "warc", store, self.custody, info,
                                          blobs=blobs)
        # A crawl buffers WARC records until the page worker stores their pages; see
        # WarcRecorder.flush, called before every capture commit.
        self.recorder.buffered = not durable
        self.preserver = Preserver(store, blobs, self.custody, self.operator,
                                   durable=durable)

    def close(self) -> None:
        """Seal the WARC file and make everything durable."""
        self.recorder.seal()
        self.preserver.close()
