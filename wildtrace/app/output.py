"""Where a command's file goes: a path, standard output (``-``), or a device or pipe.

Writers make their file next to the target and rename it into place, so a reader never
sees half a file. That is right for a regular file and wrong for everything else:
renaming over ``/dev/stdout`` replaced the device node with a file, and a named pipe
would be replaced the same way. So a target that exists and is not a regular file, and
``-`` (standard output, the Unix convention), are written in a private temporary folder
first and then copied byte for byte into the stream; nothing is ever renamed over them.
"""

from __future__ import annotations

import shutil
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

from wildtrace.errors import InputError

STDOUT = "-"
T = TypeVar("T")


def is_stream(target: Path | str) -> bool:
    """Whether ``target`` is ``-`` or an existing thing that is not a regular file (a
    terminal, ``/dev/stdout``, a named pipe, a socket)."""
    if str(target) == STDOUT:
        return True
    try:
        mode = Path(target).stat().st_mode
    except OSError:
        return False  # not there yet: an ordinary new file
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def write_to(target: Path | str, name: str, produce: Callable[[Path], T], *,
             stdout: BinaryIO | None = None) -> T:
    """Run ``produce(path)`` so that its file ends up at ``target``.

    A regular path is given to ``produce`` as it is (its folder created). For a stream
    target ``produce`` writes ``name`` in a temporary folder, and the one file it left is
    copied to ``stdout`` (for ``-``) or into the device; a producer that leaves several
    files (the graph's CSV is two) cannot go to one stream, which is an InputError.
    """
    if not is_stream(target):
        path = Path(target)
        if path.is_dir():
            raise InputError(f"{path} is a folder", hint="give a file name, or - for "
                             "standard output")
        path.parent.mkdir(parents=True, exist_ok=True)
        return produce(path)
    folder = Path(tempfile.mkdtemp(prefix="wildtrace-out-"))
    try:
        result = produce(folder / name)
        written = sorted(p for p in folder.iterdir() if p.is_file())
        if len(written) != 1:
            raise InputError(f"this output is {len(written)} files, which cannot go to "
                             f"one stream ({', '.join(p.name for p in written)})",
                             hint="give a file name with -o, or choose another format")
        with written[0].open("rb") as src:
            if str(target) == STDOUT:
                out = stdout if stdout is not None else sys.stdout.buffer
                shutil.copyfileobj(src, out)
                out.flush()
            else:
                # Opened for writing, never replaced: the device node stays what it was.
                with open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        return result
    finally:
        shutil.rmtree(folder, ignore_errors=True)
