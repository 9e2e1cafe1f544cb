"""How tables join: shortest paths along foreign keys, for the interpreter and the renderer."""

from __future__ import annotations

from core.sql.generate.direction import column_direction
from core.sql.generate.query import Abstain
from core.sql.generate.schema_index import Column, SchemaIndex

Edge = tuple[Column, Column]  # (column here, column there)
Step = tuple[str, str, Edge]  # (from table, to table, the key pair joining them)
Join = tuple[str, Edge]  # (table joined, its ON key pair: a column joined before, a column of this table)


class JoinGraph:
    def __init__(self, schema: SchemaIndex) -> None:
        self.schema = schema

    def join_path(
        self, tables: list[str], relation_verb: bool = False, directions: dict[str, str] | None = None
    ) -> list[Join]:
        """Joins along foreign keys connecting all tables (shortest paths from the first).

        Two tables joined by several keys (flights → airports as source and as destination) use
        the key of the direction the question gives the table ("from Aberdeen"), else the first
        declared, the usual main relation — unless a verb ("arriving") asks for one the engine
        cannot tell apart."""
        if len(tables) <= 1:
            return []
        joined = [tables[0]]
        joins: list[Join] = []
        for target in tables[1:]:
            if target in joined:
                continue
            path = self.path(joined, target)
            if path is None:
                raise Abstain(f"no foreign key path to {target}")
            for source, destination, edge in path:
                if self.edges_between(source, destination) > 1:
                    edge = self._directed_edge(
                        source, destination, (directions or {}).get(destination), edge, relation_verb
                    )
                if destination not in joined:
                    joined.append(destination)
                    joins.append((destination, edge))
        if len(joined) > len(tables) + 1:
            raise Abstain("joins through more than one table not mentioned")
        return joins

    def _directed_edge(
        self, source: str, destination: str, direction: str | None, first: Edge, relation_verb: bool
    ) -> Edge:
        """The one key between two tables that points the question's way, else the first one."""
        edges = [(a, b) for a, b in self.schema.foreign_keys if {a.table, b.table} == {source, destination}]
        directed = [(a, b) for a, b in edges if direction is not None and column_direction(a) == direction]
        if len(directed) == 1:
            a, b = directed[0]
            return (a, b) if a.table == source else (b, a)
        if relation_verb:
            # flights → airports by source or by destination airport: the words must say which
            raise Abstain(f"{source} and {destination} join in more than one way")
        return first

    def edges_between(self, one: str, other: str) -> int:
        return sum({a.table, b.table} == {one, other} for a, b in self.schema.foreign_keys)

    def path(self, start: list[str], target: str) -> list[Step] | None:
        """The steps from any of `start` to `target` (breadth first), None when unconnected."""
        frontier: list[tuple[str, list[Step]]] = [(table, []) for table in start]
        seen = set(start)
        while frontier:
            table, path = frontier.pop(0)
            if table == target:
                return path
            for a, b in self.schema.foreign_keys:
                for here, there in ((a, b), (b, a)):
                    if here.table == table and there.table not in seen:
                        seen.add(there.table)
                        frontier.append((there.table, [*path, (table, there.table, (here, there))]))
        return None
