"""Writing files whole: the one place that does temp-file-and-rename for the project."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from typing import cast, overload

from autograd._checks import shown

Path = str | bytes | os.PathLike[str] | os.PathLike[bytes]


@overload
def file_name(path: str | os.PathLike[str], who: str) -> str: ...
@overload
def file_name(path: object, who: str) -> str | bytes: ...
def file_name(path: object, who: str) -> str | bytes:
    """`path` as ``os.fspath`` gives it (a str or bytes), or a TypeError naming `who` (not os's bare one).

    Example:
      >>> file_name(None, "save")
      Traceback (most recent call last):
      ...
      TypeError: save: the path must be a file name (a str or a path-like such as pathlib.Path), got NoneType: None
    """
    try:
        return os.fspath(cast(Path, path))  # anything: os.fspath says what it takes
    except TypeError:
        raise TypeError(f"{who}: the path must be a file name (a str or a path-like such as pathlib.Path), "
                        f"got {type(path).__name__}: {shown(path)}") from None


def write_atomic(path: Path, data: str | bytes, who: str = "save", *, folders: bool = False) -> None:
    """Replace the file at `path` with `data` (str or bytes): readers see the old file or the new one.

    The data goes to a temporary file beside the target, is flushed to disk, and is renamed over
    the target (`os.replace` is atomic). The temporary file's name is short and random
    (``.<16 hex>.tmp``), not the target's name plus a suffix, so any name the file system allows
    for the target can be written. The new file gets the usual permissions (0666 less the
    umask), unlike `tempfile.mkstemp`'s private 0600. A symbolic link is written through, as
    ``open(path, "w")`` does: the file it points to is replaced, and the link stays a link.

    Args:
      path: the file to write (str or path-like); its folder must exist.
      data: the whole contents.
      who: who is asking (``"save"``), the start of an error's message.
      folders: create the missing folders of `path` first (a page's ``save``, `render_graph`).

    Raises:
      OSError: the file cannot be written (FileNotFoundError: no such folder; PermissionError;
        ...); the message names `path`, never the temporary file.

    Example:
      >>> import os, tempfile
      >>> path = os.path.join(tempfile.mkdtemp(), "x.txt")
      >>> write_atomic(path, "hello")
      >>> open(path).read()
      'hello'
    """
    given = file_name(path, who)
    if folders:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(given)), exist_ok=True)
        except (OSError, ValueError) as e:  # EEXIST: the folder is a file; ENOTDIR: a folder above it is
            raise _cannot_write(e, given, who) from None
    # Through a link (to the file it names, however many links deep): renaming over the link
    # itself would turn it into a plain file and leave the file it pointed to as it was.
    target = os.path.realpath(given) if os.path.islink(given) else given
    # Beside the target (a rename across file systems is not atomic), under a name of its own: the
    # target's name plus a suffix would fail for a target name at the file system's limit.
    name = f".{secrets.token_hex(8)}.tmp"
    tmp = os.path.join(os.path.dirname(target), os.fsencode(name) if isinstance(target, bytes) else name)  # type: ignore[arg-type]  # bytes with bytes, str with str
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except (OSError, ValueError) as e:  # ValueError: a NUL character in the path
        raise _cannot_write(e, given, who) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename makes it the file
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, (OSError, ValueError)):  # ValueError: a NUL character in the path
            raise _cannot_write(e, given, who) from None
        raise


def _cannot_write(e: OSError | ValueError, path: str | bytes, who: str) -> OSError | ValueError:
    """The error `e` (from writing `path` or its temporary file) as a sentence naming `path`, not the temporary."""
    if isinstance(e, ValueError):
        return ValueError(f"{who}: cannot write {path!r}: not a usable file name ({e})")
    folder = os.path.dirname(path) or os.curdir
    missing = e.errno == errno.ENOENT and not os.path.isdir(folder)
    not_folder = f"{folder!r} is not a folder (it, or a folder on its path, is a file); write to a folder"
    why = {errno.ENOENT: f"the folder {folder!r} does not exist; create it first" if missing else e.strerror,
           errno.EACCES: f"no permission to write in the folder {folder!r} (the file is written whole beside "
                         f"its old version, then renamed over it, so the folder must be writable)",
           errno.EISDIR: "it is a folder",
           errno.ENOTDIR: not_folder, errno.EEXIST: not_folder}.get(e.errno or 0, e.strerror or str(e))
    # OSError(errno, message) is the subclass for that errno: FileNotFoundError, PermissionError, ...
    return OSError(e.errno, f"{who}: cannot write {path!r}: {why}") if e.errno else type(e)(f"{who}: cannot write {path!r}: {why}")
