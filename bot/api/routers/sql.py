"""/api/v1/sql: propose SQL, and decide on it with the Slack rules (exactly once, requester or approvers)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from bot.api.problems import problem_responses
from bot.api.schemas import ExecutionOut, ProposalOut, QueryOut, QueryResultOut, ResultOut, SqlRequest
from bot.api.security import ActingUser, DecidingUser, ServicesDep
from core.assistant import Scope, SourceFailure
from core.sql.approvals import PendingQuery
from core.sql.service import Refusal

router = APIRouter(prefix="/sql", tags=["sql"])

QueryId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
# A refused decision's HTTP status: nothing ran and nothing changed.
REFUSAL_STATUS: dict[Refusal, int] = {"not_found": 404, "not_allowed": 403, "conflict": 409, "unsafe": 422}


def query_out(query: PendingQuery) -> QueryOut:
    return QueryOut.model_validate(asdict(query))


def refused(refusal: Refusal | None, message: str) -> HTTPException:
    return HTTPException(REFUSAL_STATUS[refusal] if refusal else 409, message)


@router.post(
    "", response_model=ProposalOut, summary="Propose SQL for a data question", responses=problem_responses(429)
)
def propose_sql(body: SqlRequest, services: ServicesDep, user: ActingUser) -> ProposalOut:
    """kind "sql": a pending query (`id`) that runs only when its requester (X-User-Id) or an approver
    approves it; "clarification" / "abstain": the message says what is missing; "refused": the guard's reason.
    Through the assistant, like a question: the same rates (429) and token budget (`notice`)."""
    reply = services.assistant.ask_sql(body.question, Scope(user=user, channel=body.channel))
    outcome = reply.sql.outcome if reply.sql is not None else None  # ask_sql always answers with its SQL part
    if isinstance(outcome, SourceFailure):
        raise outcome.error  # a broken dependency (the approval store): its problem+json status
    if outcome is None:
        raise RuntimeError("the assistant answered a SQL request without its SQL part")
    return ProposalOut.model_validate({**outcome.to_dict(), "notice": reply.notice})


@router.get("/{query_id}", response_model=QueryOut, summary="Get a proposed query", responses=problem_responses(404))
def get_query(services: ServicesDep, query_id: QueryId) -> QueryOut:
    query = services.sql.get(query_id)
    if query is None:
        raise HTTPException(404, f"There is no query {query_id!r}: the id is wrong, or it expired.")
    return query_out(query)


@router.post(
    "/{query_id}/approve",
    response_model=ExecutionOut,
    summary="Approve and run a query (read-only, exactly once)",
    responses=problem_responses(403, 404, 409, 422),
)
def approve_query(services: ServicesDep, query_id: QueryId, user: DecidingUser) -> ExecutionOut:
    """Runs it if X-User-Id is its requester or an approver and nobody decided it yet. A query
    that ran and failed answers "failed" with the reason; it may be approved again."""
    execution = services.sql.approve(query_id, user=user)
    if execution.status == "refused":
        raise refused(execution.refusal, execution.message)
    if execution.replayed:
        # Replaying a stored result is for Slack, where posting it can fail after the run. Over the
        # API the rows went back in the approving call's own answer, so a second approval while that
        # answer is on its way (or after) is a conflict, as it is once the result counts as shown.
        raise refused("conflict", "This query already ran; its rows went to the call that approved it.")
    answer = ExecutionOut(
        status=execution.status,
        message=execution.message,
        can_edit=execution.can_edit,
        query=query_out(execution.query) if execution.query else None,
        result=ResultOut.model_validate(execution.result.to_dict()) if execution.result else None,
    )
    if execution.result is not None:
        # The rows are in this answer, so they count as shown: a later approve says "already ran"
        # instead of replaying them (results are stored before anyone is told, like in Slack).
        services.sql.result_shown(query_id)
    return answer


@router.post(
    "/{query_id}/reject",
    response_model=QueryOut,
    summary="Reject a query: it will never run",
    responses=problem_responses(403, 404, 409),
)
def reject_query(services: ServicesDep, query_id: QueryId, user: DecidingUser) -> QueryOut:
    rejection = services.sql.reject(query_id, user=user)
    if not rejection.rejected or rejection.query is None:
        raise refused(rejection.refusal, rejection.message)
    return query_out(rejection.query)


@router.get(
    "/{query_id}/result",
    response_model=QueryResultOut,
    summary="What came of a query's run",
    responses=problem_responses(404),
)
def query_result(services: ServicesDep, query_id: QueryId) -> QueryResultOut:
    """Its status and one-line summary ("12 rows · 38 ms"); the rows themselves come with approve."""
    query = services.sql.get(query_id)
    if query is None:
        raise HTTPException(404, f"There is no query {query_id!r}: the id is wrong, or it expired.")
    return QueryResultOut(
        id=query.id,
        status=query.status,
        result_summary=query.result_summary,
        error=query.error,
        approved_by=query.approved_by,
    )
