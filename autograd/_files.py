"""Writing files whole: the one place that does temp-file-and-rename for the project."""

import contextlib
import os
import secrets


def write_atomic(path, data):
    """Replace the file at `path` with `data` (str or bytes): readers see the old file or the new one.

    The data goes to a temporary file beside the target, is flushed to disk, and is renamed over
    the target (`os.replace` is atomic). The new file gets the usual permissions (0666 less the
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
    tmp = f"{path}.{secrets.token_hex(4)}.tmp"
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
