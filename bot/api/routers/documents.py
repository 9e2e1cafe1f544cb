"""/api/v1/documents: upload, list, get, delete, reindex."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, UploadFile

from bot.api.problems import problem_responses
from bot.api.schemas import CHANNEL_PATTERN, Deleted, DocumentList, DocumentOut, IngestOut, ReindexOut
from bot.api.security import ServicesDep

router = APIRouter(prefix="/documents", tags=["documents"])

DocId = Annotated[str, Path(min_length=4, max_length=64, pattern=r"^[0-9a-f]+$", description="id or unique prefix")]
READ_CHUNK = 1024 * 1024


@router.post(
    "",
    status_code=201,
    response_model=IngestOut,
    summary="Upload a document and index it",
    responses=problem_responses(413, 422, 503),
)
def upload_document(
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="PDF, DOCX, TXT, MD, CSV, JSON or HTML")],
    channel: Annotated[str | None, Form(pattern=CHANNEL_PATTERN, description="the channel it belongs to")] = None,
    workspace_wide: Annotated[bool, Form()] = False,
) -> IngestOut:
    """Index the file for a channel (or workspace-wide); the same bytes again only change its scope.

    Without a channel and not workspace-wide, only callers that ask without a channel see it."""
    limit = int(services.settings.max_file_mb * 1024 * 1024)
    data = bytearray()
    while chunk := file.file.read(READ_CHUNK):  # read in pieces: a huge upload stops at the limit
        data.extend(chunk)
        if len(data) > limit:
            raise HTTPException(413, f"The file is larger than the {services.settings.max_file_mb:g} MB limit.")
    result = services.documents.ingest(
        bytes(data), file.filename or "file", channel=channel, workspace_wide=workspace_wide
    )
    if not result.ok:  # a service down is the server's failure (try again later), not the file's
        raise HTTPException(503 if result.unavailable else 422, result.message)
    return IngestOut.model_validate(result.to_dict())


@router.get("", response_model=DocumentList, summary="List indexed documents")
def list_documents(
    services: ServicesDep,
    channel: Annotated[str | None, Query(pattern=CHANNEL_PATTERN, description="only what this channel sees")] = None,
) -> DocumentList:
    """Every document, or those a channel sees (its own and workspace-wide ones)."""
    records = services.documents.list(channel)
    return DocumentList(documents=[DocumentOut.model_validate(r.to_dict()) for r in records])


@router.get("/{doc_id}", response_model=DocumentOut, summary="Get one document", responses=problem_responses(404))
def get_document(services: ServicesDep, doc_id: DocId) -> DocumentOut:
    record = services.documents.resolve(doc_id)
    if record is None:
        raise HTTPException(404, f"There is no document {doc_id!r} (or the prefix matches several).")
    return DocumentOut.model_validate(record.to_dict())


@router.delete("/{doc_id}", response_model=Deleted, summary="Delete a document", responses=problem_responses(404))
def delete_document(services: ServicesDep, doc_id: DocId) -> Deleted:
    """Removes its vectors, stored files and cached answers."""
    record = services.documents.resolve(doc_id)
    if record is None or not services.documents.delete(record.doc_id):
        raise HTTPException(404, f"There is no document {doc_id!r} (or the prefix matches several).")
    return Deleted(deleted=record.doc_id)


@router.post("/reindex", response_model=ReindexOut, summary="Rebuild the search indexes from the stored files")
def reindex_documents(services: ServicesDep) -> ReindexOut:
    """What `python -m bot docs reindex` does: every catalogued document is parsed again from its
    stored original and its vector and keyword entries rebuilt (after damage, or a parser or
    chunking change). A document that cannot be rebuilt is listed with the reason; the rest go on."""
    return ReindexOut.model_validate(services.documents.reindex())
