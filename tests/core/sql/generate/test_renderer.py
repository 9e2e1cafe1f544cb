"""The renderer's own refusals (readings whose SQL would be runnable but whose meaning is doubtful),
and SQL shapes that must give the same rows on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from core.sql.generate.joins import JoinGraph
from core.sql.generate.query import Abstain, Filter, Query, RelatedRows, Select
from core.sql.generate.renderer import Renderer
from core.sql.generate.schema_index import SchemaIndex
from core.sql.models import ColumnInfo, TableInfo
from tests.support.postgres import postgres_database
from tests.support.sqlite import sqlite_database


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


# Ann's dogs are 12, 11 and 2 years old, Bob's is 5, Cy's are 10 and 1: listing owners by their
# dogs' ages meets Ann three times and Cy twice.
KENNEL = [
    "CREATE TABLE owners (owner_id INTEGER PRIMARY KEY, name TEXT)",
    "CREATE TABLE dogs (dog_id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES owners (owner_id), age INTEGER)",
    "INSERT INTO owners VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy')",
    "INSERT INTO dogs VALUES (1, 1, 12), (2, 1, 11), (3, 1, 2), (4, 2, 5), (5, 3, 10), (6, 3, 1)",
]


def owners_by_dog_age(database, direction: str, limit: int | None = None) -> list[tuple]:
    """Each owner once, ordered by a column of the dogs that is not shown."""
    schema = SchemaIndex.build(database.tables())
    query = Query(
        selects=[Select(column(schema, "owners", "name"))],
        tables=["owners", "dogs"],
        distinct=True,
        order_by=(column(schema, "dogs", "age"), direction),
        limit=limit,
    )
    return database.run_readonly(Renderer(JoinGraph(schema)).render(query)).rows


def assert_each_owner_once_in_order(database) -> None:
    # Ascending: by each owner's youngest dog; descending: by the oldest.
    assert owners_by_dog_age(database, "ASC") == [("Cy",), ("Ann",), ("Bob",)]
    assert owners_by_dog_age(database, "DESC") == [("Ann",), ("Cy",), ("Bob",)]
    # Rows ordered before they are made distinct would give Ann twice.
    assert owners_by_dog_age(database, "DESC", limit=2) == [("Ann",), ("Cy",)]


def test_distinct_rows_ordered_by_a_column_not_shown_on_sqlite(tmp_path):
    assert_each_owner_once_in_order(sqlite_database(tmp_path / "kennel.sqlite", ";\n".join(KENNEL)))


def test_distinct_rows_ordered_by_a_column_not_shown_on_postgres(pg_scratch_url):
    """PostgreSQL refuses SELECT DISTINCT with an ORDER BY outside the select list."""
    with postgres_database(pg_scratch_url, KENNEL) as database:
        assert_each_owner_once_in_order(database)


def test_distinct_ordered_by_a_shown_column_stays_distinct(schema):
    name = column(schema, "dogs", "name")
    query = Query(selects=[Select(name)], tables=["owners", "dogs"], distinct=True, order_by=(name, "ASC"))
    sql = Renderer(JoinGraph(schema)).render(query)
    assert sql.startswith("SELECT DISTINCT ") and "GROUP BY" not in sql, sql
