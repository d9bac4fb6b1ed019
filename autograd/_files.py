"""Writing files whole: the one place that does temp-file-and-rename for the project."""

from __future__ import annotations

import contextlib
import os
import secrets


def write_atomic(path: str | bytes | os.PathLike[str] | os.PathLike[bytes], data: str | bytes) -> None:
    """Replace the file at `path` with `data` (str or bytes): readers see the old file or the new one.

    The data goes to a temporary file beside the target, is flushed to disk, and is renamed over
    the target (`os.replace` is atomic). The temporary file's name is short and random
    (``.<16 hex>.tmp``), not the target's name plus a suffix, so any name the file system allows
    for the target can be written. The new file gets the usual permissions (0666 less the
    umask), unlike `tempfile.mkstemp`'s private 0600.

    Args:
      path: the file to write (str or path-like); its folder must exist.
      data: the whole contents.

    Example:
      >>> import os, tempfile
      >>> path = os.path.join(tempfile.mkdtemp(), "x.txt")
      >>> write_atomic(path, "hello")
      >>> open(path).read()
      'hello'
    """
    path = os.fspath(path)
    # Beside the target (a rename across file systems is not atomic), under a name of its own: the
    # target's name plus a suffix would fail for a target name at the file system's limit.
    name = f".{secrets.token_hex(8)}.tmp"
    tmp = os.path.join(os.path.dirname(path), os.fsencode(name) if isinstance(path, bytes) else name)  # type: ignore[arg-type]  # bytes with bytes, str with str
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename makes it the file
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
