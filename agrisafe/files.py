"""Writing files so that a crash or power cut leaves either the old file or the new one."""

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644, exclusive: bool = False) -> None:
    """Write `data` to `path` atomically: temp file in the same directory, fsync, rename.

    Readers never see a half-written file; after a power cut the file is either the old one or
    the new one (the directory entry is fsynced too). `exclusive`: never replace an existing
    file (the temp file is linked into place; FileExistsError when `path` exists). Where the
    filesystem has no hard links (exFAT, some FUSE mounts) `path` is instead created with
    O_EXCL and written in place: still never over another file, but a crash mid-write there
    may leave it short (a failed write removes it).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if exclusive:
            _link_or_create(tmp, path, data, mode)
            tmp.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _link_or_create(tmp: Path, path: Path, data: bytes, mode: int) -> None:
    try:
        os.link(tmp, path)
        return
    except FileExistsError:
        raise
    except OSError:  # EPERM / ENOTSUP / EXDEV …: this filesystem has no hard links
        pass
    # O_EXCL is the same never-replace guarantee as link; only the all-or-nothing is lost.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(path, mode)  # exactly `mode`, whatever the umask took off at creation
    except BaseException:
        path.unlink(missing_ok=True)  # ours (O_EXCL): a half-written file must not stay
        raise


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some filesystems do not open directories; the rename still happened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
