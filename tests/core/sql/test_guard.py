"""The SQL guard: what it lets through (with a LIMIT) and what it refuses, naming the reason."""

from __future__ import annotations

import pytest

from core.sql.guard import SqlGuard

TABLES = {"orders", "customers", "order_items", "sales.leads"}


@pytest.fixture
def pg() -> SqlGuard:
    return SqlGuard("postgres", TABLES, default_limit=100)


@pytest.fixture
def lite() -> SqlGuard:
    return SqlGuard("sqlite", TABLES, default_limit=100)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM orders",
        "select o.id, c.name from orders o join customers c on c.id = o.customer_id where o.total > 10",
        "WITH big AS (SELECT * FROM orders WHERE total > 100) SELECT count(*) FROM big",
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5) SELECT x FROM n",
        "SELECT id FROM orders UNION SELECT id FROM customers",
        "SELECT id FROM orders INTERSECT SELECT customer_id FROM orders",
        "SELECT id FROM orders EXCEPT SELECT customer_id FROM orders",
        "SELECT * FROM customers WHERE id IN (SELECT customer_id FROM orders)",
        "SELECT id, row_number() OVER (PARTITION BY customer_id ORDER BY total DESC) FROM orders",
        "SELECT 'delete from orders; drop table customers' AS note FROM orders",
        'SELECT "delete", "update", "drop" FROM orders',
        "SELECT * FROM orders -- DELETE FROM orders",
        "SELECT * FROM orders /* ; DROP TABLE orders */",
        "SELECT * FROM public.orders",
        "SELECT * FROM sales.leads",
        "SELECT current_user, current_date FROM orders",
        "SELECT * FROM generate_series(1, 3) AS g",
    ],
)
def test_queries_pass(pg: SqlGuard, sql: str) -> None:
    verdict = pg.check(sql)
    assert verdict.allowed, verdict.reason
    assert verdict.reason is None


def test_limit_added_when_absent_and_kept_when_present(pg: SqlGuard) -> None:
    assert pg.check("SELECT * FROM orders;").sql == "SELECT * FROM orders LIMIT 100"
    assert pg.check("SELECT * FROM orders -- trailing comment").sql == "SELECT * FROM orders LIMIT 100"
    assert pg.check("SELECT * FROM orders LIMIT 5").sql == "SELECT * FROM orders LIMIT 5"
    assert pg.check("SELECT * FROM orders FETCH FIRST 3 ROWS ONLY").sql.endswith("ONLY")
    # A LIMIT inside a subquery is not a top-level limit.
    assert pg.check("SELECT * FROM (SELECT * FROM orders LIMIT 5) o").sql.endswith("LIMIT 100")
    union = pg.check("SELECT id FROM orders UNION SELECT id FROM customers ORDER BY 1")
    assert union.sql == "SELECT id FROM orders UNION SELECT id FROM customers ORDER BY 1 LIMIT 100"


def test_tables_are_reported_and_ctes_are_not_tables(pg: SqlGuard) -> None:
    verdict = pg.check("WITH x AS (SELECT * FROM orders) SELECT * FROM x JOIN customers ON true")
    assert verdict.allowed
    assert sorted(verdict.tables) == ["customers", "orders"]


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("", "no SQL statement"),
        ("-- only a comment", "no SQL statement"),
        ("SELECT 1 FROM", "could not be parsed"),
        ("SELEC * FROM orders", "could not be parsed"),
        ("SELECT * FROM orders; DROP TABLE orders", "one statement"),
        ("SELECT 1; SELECT 2", "one statement"),
        ("DELETE FROM orders", "DELETE"),
        ("UPDATE orders SET total = 0", "UPDATE"),
        ("INSERT INTO orders (id) VALUES (1)", "INSERT"),
        ("MERGE INTO orders o USING customers c ON o.id = c.id WHEN MATCHED THEN DELETE", "MERGE"),
        ("TRUNCATE orders", "TRUNCATE"),
        ("DROP TABLE orders", "DROP"),
        ("CREATE TABLE x (a int)", "CREATE"),
        ("ALTER TABLE orders ADD COLUMN x int", "ALTER"),
        ("GRANT SELECT ON orders TO public", "GRANT"),
        ("WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d", "WITH clause"),
        ("WITH u AS (UPDATE orders SET total = 0 RETURNING id) SELECT count(*) FROM u", "WITH clause"),
        ("WITH i AS (INSERT INTO orders (id) VALUES (9) RETURNING id) SELECT * FROM i", "WITH clause"),
        ("SELECT * INTO copy_of_orders FROM orders", "SELECT INTO"),
        ("SELECT * FROM orders FOR UPDATE", "Locking"),
        ("SELECT * FROM orders FOR SHARE", "Locking"),
        ("SELECT * FROM orders FOR NO KEY UPDATE SKIP LOCKED", "Locking"),
        ("SELECT * FROM customers WHERE id IN (SELECT customer_id FROM orders FOR UPDATE)", "Locking"),
        ("BEGIN", "transaction"),
        ("COMMIT", "transaction"),
        ("ROLLBACK", "transaction"),
        ("SET statement_timeout = 0", "SET"),
        ("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "SET"),
        ("RESET ALL", "RESET"),
        ("LOCK TABLE orders", "LOCK"),
        ("COPY orders TO '/tmp/x.csv'", "COPY"),
        ("COPY orders FROM PROGRAM 'id'", "COPY"),
        ("CALL do_things()", "CALL"),
        ("DO $$ BEGIN DELETE FROM orders; END $$", "DO"),
        ("EXECUTE stmt", "EXECUTE"),
        ("PREPARE p AS DELETE FROM orders", "PREPARE"),
        ("EXPLAIN ANALYZE DELETE FROM orders", "EXPLAIN"),
        ("VACUUM orders", "VACUUM"),
        ("LISTEN channel", "not a query"),
        ("SELECT pg_sleep(10)", "pg_sleep() is not allowed: it sleeps"),
        ("SELECT pg_catalog.pg_sleep_for('5 minutes')", "pg_sleep_for()"),
        ('SELECT "pg_sleep"(1)', "pg_sleep()"),
        ("SELECT PG_SLEEP(1) FROM orders", "pg_sleep()"),
        ("SELECT pg_read_file('/etc/passwd')", "server files"),
        ("SELECT * FROM pg_read_binary_file('/etc/passwd')", "server files"),
        ("SELECT * FROM pg_ls_dir('.')", "server files"),
        ("SELECT pg_stat_file('postgresql.conf')", "server files"),
        ("SELECT lo_import('/etc/passwd')", "large objects"),
        ("SELECT lo_export(1, '/tmp/x')", "large objects"),
        ("SELECT * FROM dblink('host=evil', 'DELETE FROM orders') AS t(x int)", "other databases"),
        ("SELECT dblink_exec('host=evil', 'DELETE FROM orders')", "other databases"),
        ("SELECT set_config('default_transaction_read_only', 'off', false)", "configuration"),
        ("SELECT pg_reload_conf()", "configuration"),
        ("SELECT pg_rotate_logfile()", "configuration"),
        ("SELECT pg_terminate_backend(pid) FROM orders", "signals other server processes"),
        ("SELECT pg_cancel_backend(1)", "signals other server processes"),
        ("SELECT pg_advisory_lock(42)", "advisory locks"),
        ("SELECT pg_try_advisory_xact_lock(42)", "advisory locks"),
        ("SELECT nextval('orders_id_seq')", "sequence"),
        ("SELECT setval('orders_id_seq', 1)", "sequence"),
        ("SELECT query_to_xml('DELETE FROM orders RETURNING 1', true, true, '')", "query string"),
        ("SELECT table_to_xml('pg_authid', true, true, '')", "query string"),
        ("SELECT * FROM ts_stat('DELETE FROM orders RETURNING ''a''::tsvector')", "query string"),
        ("SELECT * FROM pg_catalog.pg_authid", "System catalog"),
        ("SELECT * FROM pg_user", "System catalog"),
        ("SELECT * FROM information_schema.tables", "System catalog"),
        ("SELECT * FROM secrets", "not part of the trained schema"),
        ("SELECT * FROM other_schema.orders", "not part of the trained schema"),
        ("SELECT * FROM orders o JOIN payroll p ON true", "payroll"),
    ],
)
def test_refusals_name_the_reason(pg: SqlGuard, sql: str, words: str) -> None:
    verdict = pg.check(sql)
    assert not verdict.allowed
    assert words.lower() in verdict.reason.lower()


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        ("PRAGMA writable_schema = 1", "PRAGMA"),
        ("ATTACH DATABASE '/tmp/evil.db' AS evil", "ATTACH"),
        ("DETACH DATABASE evil", "DETACH"),
        ("VACUUM INTO '/tmp/copy.db'", "VACUUM"),
        ("REPLACE INTO orders (id) VALUES (1)", "REPLACE"),
        ("INSERT OR REPLACE INTO orders (id) VALUES (1)", "INSERT"),
        ("SELECT load_extension('/tmp/evil.so')", "native code"),
        ("SELECT writefile('/tmp/x', 'y')", "files"),
        ("SELECT readfile('/etc/passwd')", "files"),
        ("SELECT * FROM sqlite_master", "System catalog"),
        ("SELECT * FROM main.sqlite_schema", "System catalog"),
        ("SELECT * FROM pragma_table_info('orders')", "PRAGMA"),
        ("SELECT * FROM orders; DELETE FROM orders", "one statement"),
        ("WITH d AS (SELECT 1) DELETE FROM orders", "DELETE"),
    ],
)
def test_sqlite_refusals(lite: SqlGuard, sql: str, words: str) -> None:
    verdict = lite.check(sql)
    assert not verdict.allowed
    assert words.lower() in verdict.reason.lower()


def test_sqlite_dialect_understands_its_quoting(lite: SqlGuard) -> None:
    verdict = lite.check('SELECT count(*) FROM customers WHERE country = "France"')
    assert verdict.allowed, verdict.reason
    assert lite.check("SELECT * FROM main.orders").allowed


def test_system_catalogs_when_configured() -> None:
    guard = SqlGuard("postgres", TABLES, allow_system_catalogs=True)
    assert guard.check("SELECT relname FROM pg_catalog.pg_class").allowed
    assert not guard.check("SELECT pg_sleep(1) FROM pg_class").allowed  # functions stay denied


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT current_setting('data_directory')",
        "SELECT current_setting('TimeZone') FROM orders",
        "SELECT * FROM pg_stat_get_activity(NULL)",
        "SELECT pg_catalog.pg_stat_get_backend_pid(1)",
        "SELECT pg_backend_pid(), pg_postmaster_start_time()",
        "SELECT pg_current_logfile()",
        "SELECT inet_server_addr(), inet_server_port()",
        "SELECT inet_client_addr() FROM orders",
        "SELECT version()",
        "SELECT has_table_privilege('orders', 'UPDATE')",
        "SELECT obj_description(1259)",
        "SELECT txid_current_snapshot()",
        "SELECT to_regclass('pg_authid')",
        "SELECT current_schemas(true)",
        "SELECT id FROM orders WHERE current_setting('is_superuser') = 'on'",
    ],
)
def test_server_state_functions_are_refused_unless_system_catalogs_are_allowed(pg: SqlGuard, sql: str) -> None:
    verdict = pg.check(sql)
    assert not verdict.allowed and "server's configuration, activity or catalogs" in verdict.reason
    assert SqlGuard("postgres", TABLES, allow_system_catalogs=True).check(sql).allowed


def test_sqlite_server_functions_follow_the_same_rule(lite: SqlGuard) -> None:
    assert not lite.check("SELECT sqlite_version()").allowed
    assert not lite.check("SELECT sqlite_compileoption_used('ENABLE_FTS5') FROM orders").allowed
    assert SqlGuard("sqlite", TABLES, allow_system_catalogs=True).check("SELECT sqlite_version()").allowed


def test_no_table_list_allows_any_ordinary_table() -> None:
    guard = SqlGuard("postgres", None)
    assert guard.check("SELECT * FROM anything").allowed
    assert not guard.check("SELECT * FROM pg_shadow").allowed


def test_unknown_dialect_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="dialect"):
        SqlGuard("oracle", None)


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        # What the database reads as code, the guard must read as code too.
        ("postgres", r"SELECT 'a\' , pg_sleep(10) --'"),  # standard strings: the backslash is a character
        ("postgres", "SELECT 1 /* /* */ */, pg_sleep(10)"),  # PostgreSQL block comments nest
        ("postgres", "SELECT 1 -- comment\n, pg_sleep(10)"),
        ("postgres", "SELECT $q$ it's $q$, pg_sleep(10)"),
        ("sqlite", "SELECT [a'] FROM orders, secrets --']"),  # a bracketed identifier, not a string
        ("sqlite", "SELECT `a'` FROM orders, secrets --'`"),
    ],
)
def test_quoting_tricks_do_not_hide_code(dialect: str, sql: str) -> None:
    assert not SqlGuard(dialect, TABLES).check(sql).allowed


@pytest.mark.parametrize(
    "sql",
    [
        r"SELECT E'a\', pg_sleep(10) --' AS s FROM orders",  # one escaped string in PostgreSQL
        "SELECT 'it''s; DROP TABLE orders' FROM orders",
        'SELECT "odd "" name" FROM orders',
        "SELECT 1 /* nested /* */ , pg_sleep(10) */ FROM orders",  # all one nested comment
    ],
)
def test_text_that_only_looks_dangerous_passes(pg: SqlGuard, sql: str) -> None:
    assert pg.check(sql).allowed


def test_deep_nesting_is_refused_cleanly_and_long_flat_queries_pass(pg: SqlGuard) -> None:
    nested = pg.check("SELECT " + "(" * 300 + "1" + ")" * 300 + " FROM orders")
    assert not nested.allowed and "nested too deeply" in nested.reason
    flat = pg.check("SELECT * FROM orders WHERE " + " OR ".join(f"id = {i}" for i in range(2000)))
    assert flat.allowed


@pytest.mark.parametrize(
    ("sql", "words"),
    [
        # A typo in the first keyword: sqlglot reads "SELEC * …" as a multiplication missing an operand.
        ("SELEC * FROM nope", "The SQL could not be parsed (postgres): it starts with 'SELEC' (did you mean SELECT?)"),
        ("SELEC name FROM nope", "it starts with 'SELEC' (did you mean SELECT?)"),
        ("SELECT * FROM t WHERE", "near 'WHERE' (line 1, column 21)"),
        ("SELECT a FROM b WHERE c = = 1", "near '=' (line 1, column 27)"),
        ("SELECT (1", "expecting ) near '1' (line 1, column 9)"),
        ("SELECT 1 FROM", "expected table name at the end of the SQL"),
        ("SELECT 'abc", "is a quote or comment left open?"),
    ],
)
def test_a_parse_error_says_where_in_plain_words(pg: SqlGuard, sql: str, words: str) -> None:
    reason = pg.check(sql).reason or ""
    assert words in reason, reason
    # No parser internals (class names, token reprs), and short enough for Slack's modal errors.
    assert not any(internal in reason for internal in ("<class", "sqlglot", "Required keyword", "TokenType"))
    assert len(reason) <= 150, reason
