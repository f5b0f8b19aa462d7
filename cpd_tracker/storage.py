"""Where evidence files live: a content-addressed store behind a small interface.

A statement records an evidence file's SHA-256; the bytes live here, keyed by that hash, so the
same certificate uploaded twice is kept once and a file can always be checked against the
statement that refers to it. The default is a local folder; a host can plug in its own (object
storage, a document system) by subclassing :class:`EvidenceStorage` and passing it as
``storage=`` or ``CPD_EVIDENCE_STORAGE``.

What a file *is* is decided from its content (the ``filetype`` library's signatures), never from
its name or the browser's claim, so a renamed executable is not accepted as a PDF.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

import filetype

from cpd_tracker import _compat
from cpd_tracker.errors import Refused

#: Types :func:`detect_type` can recognise, with the file extension given when served.
DETECTABLE_TYPES: dict[str, str] = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/heic": ".heic",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "image/tiff": ".tif",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.oasis.opendocument.text": ".odt",
}
_CHUNK = 64 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")



class EvidenceMissing(LookupError):
    """A file a statement refers to is not in the storage, or no longer matches its hash."""


@dataclass(frozen=True)
class ReceivedFile:
    """An upload read to a temporary file: its checked type, size and hash."""

    path: Path
    filename: str
    content_type: str
    length: int
    sha256: str


class EvidenceStorage(ABC):
    """Where evidence files are kept, by SHA-256. Implementations must be safe to call from
    several processes at once: ``put`` of the same hash twice keeps one copy."""

    @abstractmethod
    def put(self, sha256: str, source: Path) -> bool:
        """Keep the file at ``source`` under ``sha256``; ``True`` if it was not kept before."""

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """The file's bytes, or :class:`EvidenceMissing`."""

    @abstractmethod
    def exists(self, sha256: str) -> bool:
        """Whether a file is kept under ``sha256``."""

    @abstractmethod
    def discard(self, sha256: str) -> None:
        """Forget a file that no statement refers to (an upload whose statement failed)."""


class LocalStorage(EvidenceStorage):
    """Files in a folder, as ``ab/abcdef...`` (the first two hex digits fan them out)."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def _path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError(f"{sha256!r} is not a SHA-256 in lower-case hex")
        return self.folder / sha256[:2] / sha256

    def put(self, sha256: str, source: Path) -> bool:
        target = self._path(sha256)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        # Copy beside the target, then rename: a reader never sees half a file.
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out, _CHUNK)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return True

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self._path(sha256), "rb")
        except FileNotFoundError:
            raise EvidenceMissing(f"evidence file {sha256} is not in {self.folder}") from None

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def discard(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)


def detect_type(head: bytes, path: Path | None = None) -> str | None:
    """The MIME type of a file from its first bytes (and, for Office and OpenDocument files,
    which are zip archives, their table of contents), or ``None`` if unrecognised."""
    kind = filetype.guess_mime(head)
    if kind == "application/zip" or (kind is None and head.startswith(b"PK\x03\x04")):
        return _zip_document(path) if path else None
    if kind in ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/vnd.oasis.opendocument.text"):
        # ``filetype`` reads only the first bytes; make sure the archive is a whole document.
        return _zip_document(path) if path else kind
    return kind


#: The most of an OpenDocument's ``mimetype`` entry read (its longest type is 46 characters).
_MIMETYPE_MOST = 128


def _zip_document(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                # Read a few bytes only: the entry of a real document is one short line, and
                # a zip bomb's "mimetype" would otherwise be inflated whole into memory.
                with archive.open("mimetype") as entry:
                    declared = entry.read(_MIMETYPE_MOST).decode("ascii", "replace").strip()
                return declared if declared in DETECTABLE_TYPES else None
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    if "[Content_Types].xml" in names:
        if any(name.startswith("word/") for name in names):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if any(name.startswith("xl/") for name in names):
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return None


def safe_filename(name: str | None, content_type: str) -> str:
    """A file name safe to keep and to offer for download: no folders, no control or shell
    characters, at most 120 characters, and the extension of the type the content really is."""
    stem = Path((name or "").replace("\\", "/")).name
    stem = unicodedata.normalize("NFKC", stem)
    stem = Path(stem).stem if Path(stem).suffix else stem
    stem = re.sub(r"[^\w .()-]+", "_", stem, flags=re.UNICODE).strip(" ._") or "evidence"
    return stem[:120] + DETECTABLE_TYPES.get(content_type, "")


@contextmanager
def received(stream: IO[bytes], filename: str | None, *, max_bytes: int,
             accepted: tuple[str, ...], field: str = "file") -> Iterator[ReceivedFile]:
    """Read an upload to a temporary file, hashing as it goes, and check it.

    Refuses (:class:`Refused`, naming ``field``) an empty file, one over ``max_bytes``
    (without reading more than one byte past the limit) or one whose content is not of an
    ``accepted`` type. The temporary file is removed when the block ends, whatever happens.
    """
    digest = hashlib.sha256()
    fd, name = tempfile.mkstemp(prefix="cpd-upload-")
    path = Path(name)
    try:
        length = 0
        head = b""
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(_CHUNK):
                length += len(chunk)
                if length > max_bytes:
                    raise Refused({field: (
                        f"The file is larger than the {_size(max_bytes)} limit; upload a "
                        "smaller copy (a scan at a lower resolution, or a PDF).")})
                if len(head) < 8192:
                    head += chunk[:8192 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if length == 0:
            raise Refused({field: "The file is empty; choose the file again."})
        kind = detect_type(head, path)
        if kind not in accepted:
            names = ", ".join(DETECTABLE_TYPES[t].lstrip(".").upper() for t in accepted)
            found = f" (it looks like {kind})" if kind else ""
            raise Refused({field: (
                f"“{safe_filename(filename, '')}” is not a file type accepted as evidence"
                f"{found}; upload one of: {names}. The type is read from the file's content, "
                "not its name.")})
        yield ReceivedFile(path=path, filename=safe_filename(filename, kind),
                           content_type=kind, length=length, sha256=digest.hexdigest())
    finally:
        path.unlink(missing_ok=True)


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):g} MB" if count >= 1024 * 1024 else f"{count:,} bytes"


def verified_chunks(storage: EvidenceStorage, sha256: str, *, length: int) -> Iterator[bytes]:
    """The file's bytes, after re-checking them against the hash the statement recorded.

    The whole file is hashed before the first byte is given out, so a file altered on disk is
    never served as evidence (:class:`EvidenceMissing` instead).
    """
    digest = hashlib.sha256()
    size = 0
    with storage.open(sha256) as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    if digest.hexdigest() != sha256 or size != length:
        raise EvidenceMissing(f"evidence file {sha256} no longer matches the hash its statement "
                              "recorded; it will not be served")

    def chunks() -> Iterator[bytes]:
        with storage.open(sha256) as source:
            while chunk := source.read(_CHUNK):
                yield chunk

    return chunks()

#: The names this module had in 0.1 and that live elsewhere now (for one more release).
__getattr__ = _compat.module_getattr("cpd_tracker.storage")
