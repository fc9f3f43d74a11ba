"""Admin uploads: a .txt, a .jsonl, or a .zip of them, imported in the background.

The request stores the file under ``var/uploads/``, creates the ImportBatch row
(status running) and returns; :func:`run_upload_import` then reads the file and
calls the same :func:`~articles.importing.service.import_inputs` as the command.

Zip files are read in memory, never extracted: members ending .txt/.jsonl/.ndjson
are imported; unsafe names (absolute, ``..``) are refused; an archive with too many
members or too many bytes once uncompressed (a zip bomb) is refused whole.
"""

from __future__ import annotations

import logging
import uuid
import zipfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils import timezone

from articles.models import ImportBatch

from .records import RecordError
from .sources import RECORD_SUFFIXES, Input

UPLOAD_SUFFIXES = frozenset({*RECORD_SUFFIXES, ".zip"})
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
MAX_ZIP_UNCOMPRESSED_BYTES = 200 * 1024 * 1024

logger = logging.getLogger(__name__)


class UploadRefused(ValueError):
    pass


def upload_dir() -> Path:
    return Path(getattr(settings, "ARCHIVE_UPLOAD_DIR", settings.BASE_DIR / "var" / "uploads"))


def safe_upload_name(name: str) -> str:
    """The file's base name, without directories or odd characters."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in base).lstrip(".")
    return cleaned[:120] or "upload"


def store_upload(uploaded_file) -> Path:
    """Write an uploaded file (streamed in chunks) under var/uploads/; return its path."""
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}-{safe_upload_name(uploaded_file.name)}"
    with path.open("wb") as out:
        for chunk in uploaded_file.chunks():
            out.write(chunk)
    return path


def _unsafe(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return (
        name.startswith(("/", "\\"))
        or ".." in path.parts
        or (len(name) > 1 and name[1] == ":")  # C:\…
    )


def _skipped(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def zip_inputs(path: Path, display_name: str) -> tuple[list[Input], list[RecordError]]:
    """The record files in a zip archive, as in-memory inputs, plus refused members."""
    inputs: list[Input] = []
    errors: list[RecordError] = []
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadRefused(f"not a readable zip archive: {exc}") from exc
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > MAX_ZIP_MEMBERS:
            raise UploadRefused(f"the archive has {len(members)} files; at most {MAX_ZIP_MEMBERS}")
        declared = sum(info.file_size for info in members)
        if declared > MAX_ZIP_UNCOMPRESSED_BYTES:
            raise UploadRefused(
                f"the archive expands to {declared} bytes; at most {MAX_ZIP_UNCOMPRESSED_BYTES}"
            )
        budget = MAX_ZIP_UNCOMPRESSED_BYTES
        for info in sorted(members, key=lambda info: info.filename):
            name = info.filename
            source = f"{display_name}/{name}"
            if _unsafe(name):
                errors.append(RecordError(source, None, None, "unsafe file name; skipped"))
                continue
            if _skipped(name) or PurePosixPath(name).suffix.lower() not in RECORD_SUFFIXES:
                continue
            if info.flag_bits & 0x1:
                errors.append(RecordError(source, None, None, "encrypted; skipped"))
                continue
            with archive.open(info) as member:
                data = member.read(budget + 1)  # never trust the declared size
            if len(data) > budget:
                raise UploadRefused(
                    f"the archive expands to more than {MAX_ZIP_UNCOMPRESSED_BYTES} bytes"
                )
            budget -= len(data)
            inputs.append(Input(name=source, data=data))
    if not inputs and not errors:
        errors.append(RecordError(display_name, None, None, "no .txt or .jsonl file inside"))
    return inputs, errors


def upload_inputs(path: Path, display_name: str) -> tuple[list[Input], list[RecordError]]:
    if path.suffix.lower() == ".zip":
        return zip_inputs(path, display_name)
    return [Input(name=display_name, data=path.read_bytes())], []


def start_upload_import(path: Path, display_name: str, *, strict: bool, user) -> ImportBatch:
    """Create the batch row (running) and start the import in the background."""
    from articles import tasks

    from .service import dictionary_warnings

    batch = ImportBatch.objects.create(
        sources=[display_name],
        strict=strict,
        created_by=user,
        status=ImportBatch.Status.RUNNING,
        warnings=dictionary_warnings(),  # on the batch's page while the import runs
    )
    tasks.run_in_background(run_upload_import, batch.pk, str(path), display_name, strict)
    return batch


def run_upload_import(batch_id: int, path: str, display_name: str, strict: bool) -> None:
    """Read the stored upload and import it into the existing batch; never leaves it running."""
    from .service import import_inputs

    batch = ImportBatch.objects.get(pk=batch_id)
    file = Path(path)
    try:
        inputs, errors = upload_inputs(file, display_name)
        import_inputs(
            inputs,
            strict=strict,
            user=batch.created_by,
            sources=[display_name],
            collect_errors=errors,
            batch=batch,
        )
    except Exception as exc:
        if not isinstance(exc, UploadRefused):
            logger.exception("import of upload %s (batch %s) failed", display_name, batch_id)
        message = str(exc) if isinstance(exc, UploadRefused) else f"import aborted: {exc}"
        ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.RUNNING).update(
            status=ImportBatch.Status.FAILED,
            failed_count=1,
            errors=[RecordError(display_name, None, None, message).as_dict()],
            finished_at=timezone.now(),
        )
    finally:
        file.unlink(missing_ok=True)
