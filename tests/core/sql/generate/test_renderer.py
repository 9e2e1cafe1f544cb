"""The renderer's own refusals: readings whose SQL would be runnable but whose meaning is doubtful."""

from __future__ import annotations

import pytest

from core.sql.generate.joins import JoinGraph
from core.sql.generate.query import Abstain, Filter, Query, RelatedRows, Select
from core.sql.generate.renderer import Renderer
from core.sql.generate.schema_index import SchemaIndex
from core.sql.models import ColumnInfo, TableInfo


@pytest.fixture(scope="module")
def schema() -> SchemaIndex:
    return SchemaIndex.build(
        [
            TableInfo("owners", [ColumnInfo("owner_id", "INTEGER", primary_key=True), ColumnInfo("name", "TEXT")]),
            TableInfo(
                "dogs",
                [
                    ColumnInfo("dog_id", "INTEGER", primary_key=True),
                    ColumnInfo("owner_id", "INTEGER", references="owners.owner_id"),
                    ColumnInfo("breed_code", "TEXT", references="breeds.breed_code"),
                    ColumnInfo("name", "TEXT"),
                ],
            ),
            TableInfo("breeds", [ColumnInfo("breed_code", "TEXT", primary_key=True), ColumnInfo("breed_name", "TEXT")]),
            TableInfo(
                "treatments",
                [
                    ColumnInfo("treatment_id", "INTEGER", primary_key=True),
                    ColumnInfo("dog_id", "INTEGER", references="dogs.dog_id"),
                    ColumnInfo("vet_id", "INTEGER", references="vets.vet_id"),
                    ColumnInfo("cost", "INTEGER"),
                ],
            ),
            TableInfo("vets", [ColumnInfo("vet_id", "INTEGER", primary_key=True), ColumnInfo("vet_name", "TEXT")]),
        ]
    )


def column(schema: SchemaIndex, table: str, name: str):
    return next(c for c in schema.tables[table] if c.name == name)


def test_the_same_column_for_two_things_asked_abstains(schema):
    name = column(schema, "dogs", "name")
    query = Query(selects=[Select(name), Select(name)], tables=["owners", "dogs"])
    with pytest.raises(Abstain, match="same column"):
        Renderer(JoinGraph(schema)).render(query)


def test_a_negation_beside_a_join_abstains_and_alone_renders(schema):
    renderer = Renderer(JoinGraph(schema))
    breed = column(schema, "breeds", "breed_name")
    no_treatment = RelatedRows("treatments", [], negated=True)
    alone = Query(selects=[Select(column(schema, "dogs", "name"))], tables=["dogs"], related=[no_treatment])
    assert "NOT IN (SELECT" in renderer.render(alone)
    joined = Query(
        selects=[Select(column(schema, "dogs", "name"))],
        tables=["dogs", "breeds"],
        filters=[Filter(breed, "=", "Husky")],
        related=[no_treatment],
    )
    with pytest.raises(Abstain, match="'not' over rows that are themselves joined"):
        renderer.render(joined)


def test_a_negation_through_three_tables_abstains(schema):
    renderer = Renderer(JoinGraph(schema))
    owner_name = Select(column(schema, "owners", "name"))
    # Owners with no dog that had a costly treatment: dogs and treatments in the subquery.
    costly = Filter(column(schema, "treatments", "cost"), ">", 100)
    two = Query(selects=[owner_name], tables=["owners"], related=[RelatedRows("treatments", [costly])])
    assert "NOT IN (SELECT" in renderer.render(two)
    # Owners with no dog treated by Dr Lee: dogs, treatments and vets in the subquery.
    by_lee = Filter(column(schema, "vets", "vet_name"), "=", "Lee")
    three = Query(selects=[owner_name], tables=["owners"], related=[RelatedRows("vets", [by_lee])])
    with pytest.raises(Abstain, match="through 3 linked tables"):
        renderer.render(three)
