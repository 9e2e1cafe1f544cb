"""/api/v1/training: what the SQL side knows (table DDL, business documentation, examples)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Path

from bot.api.problems import problem_responses
from bot.api.schemas import (
    ColumnOut,
    DdlTraining,
    Deleted,
    DocumentationTraining,
    SchemaOut,
    TableOut,
    TrainingAdded,
    TrainingIn,
    TrainingList,
    TrainingRecordOut,
)
from bot.api.security import ServicesDep

router = APIRouter(prefix="/training", tags=["training"])

RecordId = Annotated[str, Path(min_length=1, max_length=300, pattern=r"^(ddl|doc|example):[\w.]+$")]


@router.post(
    "",
    status_code=201,
    response_model=TrainingAdded,
    summary="Add DDL, documentation or an example",
    responses=problem_responses(422),
)
def add_training(services: ServicesDep, item: Annotated[TrainingIn, Body()]) -> TrainingAdded:
    """The same item again replaces the earlier one (ids are derived from the table, text or question).
    An example whose SQL the guard would refuse to run is refused here, with the guard's reason:
    stored, it would only ever be proposed and then refused."""
    knowledge = services.knowledge
    if isinstance(item, DdlTraining):
        return TrainingAdded(id=knowledge.add_ddl(item.table, item.ddl.strip()))
    if isinstance(item, DocumentationTraining):
        return TrainingAdded(id=knowledge.add_documentation(item.text))
    verdict = services.guard.check(item.sql)
    if not verdict.allowed:
        raise HTTPException(422, f"The example's SQL would never be allowed to run: {verdict.reason}")
    return TrainingAdded(id=knowledge.add_example(item.question, item.sql))


@router.get("", response_model=TrainingList, summary="List the training records")
def list_training(services: ServicesDep) -> TrainingList:
    return TrainingList(records=[TrainingRecordOut.model_validate(r.to_dict()) for r in services.knowledge.records()])


@router.delete(
    "/{record_id}", response_model=Deleted, summary="Delete a training record", responses=problem_responses(404)
)
def delete_training(services: ServicesDep, record_id: RecordId) -> Deleted:
    if not services.knowledge.remove(record_id):
        raise HTTPException(404, f"There is no training record {record_id!r} (see GET /api/v1/training).")
    return Deleted(deleted=record_id)


@router.get("/schema", response_model=SchemaOut, summary="The database schema and whether each table is trained")
def database_schema(services: ServicesDep) -> SchemaOut:
    trained = set(services.knowledge.trained_tables())
    tables = [
        TableOut(
            name=table.name,
            comment=table.comment,
            columns=[ColumnOut.model_validate(asdict(column)) for column in table.columns],
            ddl=table.ddl(),
            trained=table.name in trained,
        )
        for table in services.db.tables()
    ]
    return SchemaOut(tables=tables)
