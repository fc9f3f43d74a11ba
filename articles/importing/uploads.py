"""Admin uploads: a .txt, a .jsonl, or a .zip of them, imported by a background job.

The request stores the file under MEDIA_ROOT (the batch's ``upload`` field) and
creates the ImportBatch row (status queued) in one transaction; once it commits, the
``import_upload`` job is enqueued with the batch's id only. A worker then runs
:func:`run_upload_import`, which reads the file and calls the same
:func:`~articles.importing.service.import_inputs` as the command. The file stays
until the import has a result (a worker killed mid-import leaves it for the next
attempt; a failed job keeps it for a retry); deleting the batch deletes it too.

Zip files are read in memory, never extracted: members ending .txt/.jsonl/.ndjson
are imported; unsafe names (absolute, ``..``) are refused; an archive with too many
members or too many bytes once uncompressed (a zip bomb) is refused whole.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path, PurePosixPath

from django.db import transaction
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


def safe_upload_name(name: str) -> str:
    """The file's base name, without directories or odd characters."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in base).lstrip(".")
    return cleaned[:120] or "upload"


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


def start_upload_import(uploaded_file, *, strict: bool, user) -> ImportBatch:
    """Store the file with a new batch (queued) and its import job, committed together."""
    from articles.jobs.tasks import enqueue_with_transaction, import_upload

    from .service import dictionary_warnings

    display_name = safe_upload_name(uploaded_file.name)
    batch = ImportBatch(
        sources=[display_name],
        strict=strict,
        created_by=user,
        status=ImportBatch.Status.QUEUED,
        warnings=dictionary_warnings(),  # on the batch's page while the import waits and runs
    )
    batch.upload.save(display_name, uploaded_file, save=False)  # streamed in chunks
    try:
        with transaction.atomic():
            batch.save()
            enqueue_with_transaction(
                import_upload, batch.pk, then=lambda job: _record_job(batch, job)
            )
    except BaseException:
        batch.upload.delete(save=False)
        raise
    return batch


def _record_job(batch: ImportBatch, job) -> None:
    ImportBatch.objects.filter(pk=batch.pk, job_id="").update(job_id=job.id)
    batch.job_id = job.id


def run_upload_import(batch_id: int, *, job_id: str = "") -> str:
    """Import the stored upload into its batch; safe to run again after any interruption.

    A batch that already has its result (an earlier attempt committed, then its worker
    died) is left as it is. An unexpected error fails the batch, keeps the file and is
    raised again, so that the job fails and a curator can retry it.
    """
    from .service import import_inputs

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return "batch deleted"
    if batch.status in FINISHED or not batch.upload:
        discard_upload(batch)
        return "already imported"
    display_name = (batch.sources or [batch.upload.name])[0]
    batch.status = ImportBatch.Status.RUNNING
    batch.job_id = job_id or batch.job_id
    batch.save(update_fields=["status", "job_id"])
    try:
        inputs, errors = upload_inputs(Path(batch.upload.path), display_name)
        import_inputs(
            inputs,
            strict=batch.strict,
            user=batch.created_by,
            sources=[display_name],
            collect_errors=errors,
            batch=batch,
        )
    except UploadRefused as exc:
        _fail(batch_id, display_name, str(exc))
        discard_upload(batch)
        return "refused"
    except Exception as exc:
        logger.exception("import of upload %s (batch %s) failed", display_name, batch_id)
        _fail(batch_id, display_name, f"import aborted: {exc}")
        raise
    discard_upload(batch)
    return ImportBatch.objects.get(pk=batch_id).status


FINISHED = (ImportBatch.Status.SUCCEEDED, ImportBatch.Status.PARTIAL)


def _fail(batch_id: int, display_name: str, message: str) -> None:
    ImportBatch.objects.filter(pk=batch_id).exclude(status__in=FINISHED).update(
        status=ImportBatch.Status.FAILED,
        created_count=0,
        updated_count=0,
        unchanged_count=0,
        failed_count=1,
        errors=[RecordError(display_name, None, None, message).as_dict()],
        finished_at=timezone.now(),
    )


def upload_job_requeued(batch_id: int) -> None:
    """The attempt that was importing the batch died; it waits for the next one."""
    ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.RUNNING).update(
        status=ImportBatch.Status.QUEUED
    )


def upload_job_failed(batch_id: int, message: str) -> None:
    """The batch's job failed for good outside the import (its workers kept dying)."""
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is not None:
        _fail(batch_id, (batch.sources or ["upload"])[0], message)


def discard_upload(batch: ImportBatch) -> None:
    """Forget the stored file: the field first, so that no attempt looks for a missing file."""
    if batch.upload:
        name = batch.upload.name
        ImportBatch.objects.filter(pk=batch.pk).update(upload="")
        batch.upload.storage.delete(name)
        batch.upload = ""


def delete_upload_with_batch(sender, instance: ImportBatch, **kwargs) -> None:
    """post_delete: a deleted batch takes its stored upload with it."""
    if instance.upload:
        instance.upload.storage.delete(instance.upload.name)
