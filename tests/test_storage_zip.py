"""Word and OpenDocument evidence is a zip archive: recognising it never inflates the archive.

A zip bomb (a megabyte that inflates to gigabytes) named as an OpenDocument took a worker from
107 MiB to 2.1 GiB when the ``mimetype`` entry was read whole; only its first bytes are read now.
"""

from __future__ import annotations

import resource
import zipfile
from pathlib import Path

from cpd_tracker.storage import detect_type

ODT = "application/vnd.oasis.opendocument.text"


def odt(path: Path, mimetype: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # stored, as ODF asks
        archive.writestr("content.xml", "<office:document-content/>")
    return path


def test_an_opendocument_is_recognised_by_its_mimetype_entry(tmp_path: Path) -> None:
    path = odt(tmp_path / "minutes.odt", ODT.encode())
    assert detect_type(path.read_bytes()[:2048], path) == ODT


def test_a_zip_bomb_named_as_a_document_is_refused_without_being_inflated(
        tmp_path: Path) -> None:
    """A 'mimetype' entry that inflates to 1 GiB, deflated into about a megabyte."""
    path = tmp_path / "bomb.odt"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=9) as archive, archive.open("mimetype", "w",
                                                                   force_zip64=True) as entry:
        chunk = b"\0" * (1 << 20)
        for _ in range(1024):
            entry.write(chunk)
    assert path.stat().st_size < 5 * (1 << 20)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    found = detect_type(path.read_bytes()[:2048], path)

    grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert found is None
    assert grew < 64 * 1024, f"recognising it took {grew} KiB more"
