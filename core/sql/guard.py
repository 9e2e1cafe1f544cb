"""The SQL guard: only one read-only query over the trained tables may reach the database.

It parses with sqlglot in the database's dialect (so quoting, comments and strings are understood
— "delete" inside a string literal or a column name is just text) and refuses, naming the reason:
more than one statement; anything that is not a query (DML, DDL, COPY, CALL/DO/EXECUTE,
transaction or session control, PRAGMA, ATTACH); data-modifying CTEs; SELECT INTO; locking
clauses; denylisted functions (core/sql/denylist.py); system catalogs; tables outside the trained
schema. An accepted query gets `LIMIT default_limit` when its top level has none: appended to the
text as written, so what a person approves is exactly what runs.

The database runner is the second line of defence (read-only transaction, timeouts); the guard
is what turns an attack into a clear refusal before anyone is asked to approve it.
"""

from __future__ import annotations

import difflib
import logging
import re
from typing import TYPE_CHECKING

from core.sql.denylist import denied_function_reason, system_function_reason
from core.sql.models import GuardResult

if TYPE_CHECKING:
    from sqlglot import exp

_DIALECTS = {"postgres": "postgres", "postgresql": "postgres", "sqlite": "sqlite"}
_SYSTEM_SCHEMAS = {"pg_catalog", "information_schema", "pg_toast"}
_DEFAULT_SCHEMAS = {"public", "main"}
_FUNCTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# What a query may start with: a misspelt one ("SELEC") is named, with the likely keyword.
_QUERY_KEYWORDS = ("SELECT", "WITH", "VALUES", "TABLE")
# sqlglot's descriptions that name its own classes ("Required keyword: 'this' missing for <class
# 'sqlglot…Where'>") say, to a person, that something is missing or unexpected there; any other
# naming a class says no more than the latter.
_PARSER_JARGON = {"Required keyword": "something is missing", "Invalid expression": "unexpected token"}


class _QuietCommandFallback(logging.Filter):
    """sqlglot warns whenever it parses a statement it does not model (DO, LOCK, VACUUM …) as a
    generic Command. The guard refuses those with a reason, so the warning is only noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_QuietCommandFallback())


def _statement_kinds() -> list[tuple[type, str]]:
    """Statement classes a query may never be or contain, with the words a refusal uses."""
    from sqlglot import exp

    return [
        (exp.Insert, "an INSERT (it modifies data)"),
        (exp.Update, "an UPDATE (it modifies data)"),
        (exp.Delete, "a DELETE (it modifies data)"),
        (exp.Merge, "a MERGE (it modifies data)"),
        (exp.TruncateTable, "a TRUNCATE (it deletes data)"),
        (exp.Copy, "a COPY (it reads or writes files)"),
        (exp.Create, "DDL (CREATE)"),
        (exp.Drop, "DDL (DROP)"),
        (exp.Alter, "DDL (ALTER)"),
        (exp.Comment, "DDL (COMMENT)"),
        (exp.Grant, "a GRANT (it changes permissions)"),
        (exp.Revoke, "a REVOKE (it changes permissions)"),
        (exp.Transaction, "transaction control (BEGIN)"),
        (exp.Commit, "transaction control (COMMIT)"),
        (exp.Rollback, "transaction control (ROLLBACK)"),
        (exp.Set, "session control (SET)"),
        (exp.Pragma, "a PRAGMA (it reads or changes database settings)"),
        (exp.Attach, "an ATTACH (it opens another database file)"),
        (exp.Detach, "a DETACH"),
        (exp.Use, "a USE (it changes the session)"),
        (exp.Analyze, "an ANALYZE (it writes statistics)"),
        (exp.Execute, "an EXECUTE (it runs another statement)"),
        (exp.Declare, "a DECLARE"),
        (exp.Kill, "a KILL (it signals other sessions)"),
        (exp.LoadData, "a LOAD (it reads files)"),
        (exp.Describe, "a DESCRIBE"),
        (exp.Show, "a SHOW"),
    ]


class SqlGuard:
    def __init__(
        self,
        dialect: str,
        allowed_tables: set[str] | None = None,
        allow_system_catalogs: bool = False,
        default_limit: int = 1000,
    ) -> None:
        if dialect.lower() not in _DIALECTS:
            raise ValueError(f"Unknown SQL dialect {dialect!r}: use postgres or sqlite")
        self.dialect = _DIALECTS[dialect.lower()]
        # Lower-case name → name as the schema spells it.
        self.allowed_tables = None if allowed_tables is None else {t.lower(): t for t in allowed_tables}
        self.allow_system_catalogs = allow_system_catalogs
        self.default_limit = default_limit

    def check(self, sql: str) -> GuardResult:
        text = (sql or "").strip()
        try:
            return self._check(text)
        except RecursionError:
            return self._refuse(text, "The SQL is nested too deeply to check; simplify it.")

    def _check(self, text: str) -> GuardResult:
        from sqlglot.errors import SqlglotError

        try:
            statements = [s for s in _parse(text, self.dialect) if s is not None]
        except SqlglotError as exc:
            detail = _misspelt_start(text, self.dialect) or _parser_message(exc)
            return self._refuse(text, f"The SQL could not be parsed ({self.dialect}): {detail}.")
        if not statements:
            return self._refuse(text, "There is no SQL statement to check (the text is empty or only comments).")
        if len(statements) > 1:
            return self._refuse(text, f"Only one statement may run, and this text has {len(statements)}.")
        tree = statements[0]

        reason = self._statement_refusal(tree)
        if reason is None:
            reason = self._node_refusal(tree)
        tables, table_reason = self._tables(tree)
        reason = reason or table_reason
        if reason is not None:
            return self._refuse(text, reason, tables)
        if _has_limit(tree) or self.default_limit <= 0:
            return GuardResult(True, None, _statement_text(text, self.dialect), tables)
        limited = f"{_statement_text(text, self.dialect)} LIMIT {int(self.default_limit)}"
        # The appended LIMIT must leave one statement with a top-level limit; anything else is a
        # case this guard does not understand, so it refuses rather than guess.
        try:
            again = [s for s in _parse(limited, self.dialect) if s is not None]
        except SqlglotError:
            again = []
        if len(again) != 1 or not _has_limit(again[0]):
            return self._refuse(text, "A row limit could not be added to this query; add a LIMIT yourself.", tables)
        return GuardResult(True, None, limited, tables)

    def _refuse(self, text: str, reason: str, tables: list[str] | None = None) -> GuardResult:
        return GuardResult(False, reason, text, tables or [])

    def _statement_refusal(self, tree: exp.Expr) -> str | None:
        from sqlglot import exp

        for cls, words in _statement_kinds():
            if isinstance(tree, cls):
                return f"Only read-only queries (SELECT, WITH, UNION …) may run; this is {words}."
        if isinstance(tree, exp.Command):
            keyword = str(tree.this or "").split()[0].upper() if tree.this else "?"
            article = "an" if keyword[:1] in "AEIOU" else "a"
            return f"Only read-only queries (SELECT, WITH, UNION …) may run; this is {article} {keyword} statement."
        if isinstance(tree, exp.Subquery):
            inner = tree.unnest()
            if isinstance(inner, (exp.Select, exp.SetOperation)):
                return None
        if not isinstance(tree, (exp.Select, exp.SetOperation)):
            keyword = _first_word(tree.sql(dialect=self.dialect))
            return f"Only read-only queries (SELECT, WITH, UNION …) may run; this {keyword} statement is not a query."
        return None

    def _node_refusal(self, tree: exp.Expr) -> str | None:
        from sqlglot import exp

        kinds = _statement_kinds()
        for node in tree.walk():
            if isinstance(node, exp.Into):
                return "SELECT INTO is not allowed: it creates a table. Remove the INTO clause."
            if isinstance(node, exp.Lock):
                return "Locking clauses (FOR UPDATE / FOR SHARE) are not allowed: they lock rows others may need."
            if isinstance(node, exp.Command):
                return "The query contains a statement that is not a query."
            if isinstance(node, exp.Func):
                reason = _function_refusal(node, allow_system=self.allow_system_catalogs)
                if reason:
                    return reason
            for cls, words in kinds:
                if isinstance(node, cls):
                    where = "inside a WITH clause" if node.find_ancestor(exp.CTE) else "inside the query"
                    return f"The query contains {words} {where}; only reading is allowed."
        return None

    def _tables(self, tree: exp.Expr) -> tuple[list[str], str | None]:
        """Real tables the query reads, and a refusal if one is a system catalog or unknown."""
        from sqlglot import exp

        ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        found: list[str] = []
        reason: str | None = None
        for table in tree.find_all(exp.Table):
            if not isinstance(table.this, exp.Identifier):
                continue  # a table function (generate_series, json_each …): its call was checked above
            name, schema = table.name, (table.db or "")
            if not schema and name.lower() in ctes:
                continue
            full = f"{schema}.{name}" if schema else name
            if _is_system(name, schema, table.catalog):
                if not self.allow_system_catalogs:
                    reason = reason or f"System catalog {full} is not allowed: only the trained tables may be queried."
                found.append(full)
                continue
            known = self._known(name, schema)
            if known is None:
                reason = reason or self._unknown_table(full)
                found.append(full)
            elif known not in found:
                found.append(known)
        return found, reason

    def _known(self, name: str, schema: str) -> str | None:
        """The trained table a reference means, or None when it is not one."""
        if self.allowed_tables is None:
            return f"{schema}.{name}" if schema and schema.lower() not in _DEFAULT_SCHEMAS else name
        if schema:
            qualified = self.allowed_tables.get(f"{schema}.{name}".lower())
            if qualified is not None or schema.lower() not in _DEFAULT_SCHEMAS:
                return qualified
        return self.allowed_tables.get(name.lower())

    def _unknown_table(self, full: str) -> str:
        known = sorted(self.allowed_tables.values()) if self.allowed_tables else []
        listing = ", ".join(known[:30]) + (" …" if len(known) > 30 else "")
        return f"Table {full} is not part of the trained schema" + (f" (known tables: {listing})." if known else ".")


def _parse(text: str, dialect: str) -> list[exp.Expr | None]:
    import sqlglot

    return sqlglot.parse(text, read=dialect)


def _function_refusal(node: exp.Func, *, allow_system: bool) -> str | None:
    from sqlglot import exp

    names = {node.name} if isinstance(node, exp.Anonymous) else {node.sql_name(), *type(node).sql_names()}
    for name in names:
        if isinstance(node, exp.Anonymous) and not _FUNCTION_NAME.match(name):
            return f"The function name {name!r} is not allowed: only plain function names may be called."
        reason = denied_function_reason(name) or (None if allow_system else system_function_reason(name))
        if reason:
            return f"The function {name.lower()}() is not allowed: {reason}."
    return None


def _is_system(name: str, schema: str, catalog: str) -> bool:
    lowered = name.lower()
    return (
        schema.lower() in _SYSTEM_SCHEMAS
        or catalog.lower() in _SYSTEM_SCHEMAS
        or lowered.startswith(("pg_", "sqlite_"))
        or lowered in ("sqlite_master", "sqlite_schema")
    )


def _first_word(text: str) -> str:
    match = re.match(r"\s*([A-Za-z_]+)", text)
    return match.group(1).upper() if match else "?"


def _has_limit(tree: exp.Expr) -> bool:
    return bool(tree.args.get("limit") or tree.args.get("fetch"))


def _statement_text(text: str, dialect: str) -> str:
    """The statement without trailing semicolons or comments (so an appended LIMIT is not commented out)."""
    from sqlglot import TokenType
    from sqlglot.dialects.dialect import Dialect

    tokens = Dialect.get_or_raise(dialect).tokenize(text)
    while tokens and tokens[-1].token_type == TokenType.SEMICOLON:
        tokens.pop()
    return text[: tokens[-1].end + 1] if tokens else text


def _misspelt_start(text: str, dialect: str) -> str | None:
    """A first word that is no SQL keyword, named: "it starts with 'SELEC' (did you mean SELECT?)".
    The parser's own error comes later ("SELEC * FROM" reads as a multiplication) and misleads."""
    from sqlglot import TokenType
    from sqlglot.dialects.dialect import Dialect
    from sqlglot.errors import SqlglotError

    try:
        tokens = Dialect.get_or_raise(dialect).tokenize(text)
    except SqlglotError:
        return None
    if not tokens or tokens[0].token_type != TokenType.VAR:
        return None
    word = tokens[0].text
    guess = difflib.get_close_matches(word.upper(), _QUERY_KEYWORDS, n=1, cutoff=0.6)
    return f"it starts with '{word[:30]}'" + (f" (did you mean {guess[0]}?)" if guess else ", not a query keyword")


def _parser_message(exc: Exception) -> str:
    """What the parser expected and where, in words: "expecting ) near '1' (line 1, column 9)"."""
    errors = getattr(exc, "errors", None)
    if not errors:  # the tokenizer failed: the text is not SQL words, most often a quote left open
        return "it could not be read as SQL (is a quote or comment left open?)"
    first = errors[0]
    message = _ANSI.sub("", str(first.get("description") or exc)).strip()
    # sqlglot follows its message with the SQL around the error; the first line says what went wrong.
    message = message.splitlines()[0] if message else "unexpected text"
    at_end = "TokenType.SENTINEL" in message
    message = re.sub(r"\s*but got <Token token_type: TokenType\.SENTINEL[^>]*>", "", message)
    message = re.sub(r"<Token token_type: TokenType\.(\w+), text: ([^,]*),[^>]*>", r"'\2'", message)
    plain = next((plain for jargon, plain in _PARSER_JARGON.items() if message.startswith(jargon)), None)
    if plain or "<class" in message:
        message = plain or "unexpected token"
    message = message[:1].lower() + message[1:]
    near, line, column = first.get("highlight"), first.get("line"), first.get("col")
    if at_end or not near:
        return f"{message} at the end of the SQL"
    where = f" (line {line}, column {column})" if line and column else ""
    return f"{message} near '{str(near)[:30]}'{where}"
