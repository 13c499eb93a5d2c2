"""Writing the framework's files so that the same config gives the same bytes.

A Word document is a zip: python-docx stamps each member with the time it was saved and
the document's properties with their own dates. Both are fixed here (decision D33), as the
report's PDF fixes SOURCE_DATE_EPOCH, so a rerun writes byte-identical files and only the
run manifest carries times.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

# Every member's time in the zip (the earliest a zip can hold) and the document's dates.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
DOCUMENT_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def reproducible_zip(data: bytes) -> bytes:
    """The same zip with every member's time, permissions and compression fixed."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever the machine
            target.writestr(info, source.read(member.filename))
    return out.getvalue()


def save_docx(document: Any, path: Path, *, title: str, author: str) -> Path:
    """Save a python-docx Document with its title and author and no dates of its own."""
    properties = document.core_properties
    properties.title = title
    properties.author = author
    properties.last_modified_by = author
    properties.created = DOCUMENT_DATE
    properties.modified = DOCUMENT_DATE
    properties.last_printed = DOCUMENT_DATE
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(reproducible_zip(buffer.getvalue()))
    return path


def write_text(text: str, path: Path) -> Path:
    """A text file in UTF-8 with Unix line ends, whatever the machine."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
