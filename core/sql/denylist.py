"""Functions a read-only query must never call, with the reason a refusal names.

Shared by the guard (refuses the SQL) and the SQLite runner (its authorizer refuses the call), so
the two lines of defence agree. Names are matched case-insensitively, with any schema removed.
"""

from __future__ import annotations

_EXACT: dict[str, str] = {}
_PREFIXES: list[tuple[str, str]] = []


def _deny(reason: str, *names: str) -> None:
    for name in names:
        if name.endswith("*"):
            _PREFIXES.append((name[:-1], reason))
        else:
            _EXACT[name] = reason


_deny("it sleeps (ties up a connection)", "pg_sleep*", "sleep", "benchmark")
_deny(
    "it reads or writes server files",
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_*",
    "pg_stat_file",
    "pg_file_*",
    "pg_logdir_ls",
    "readfile",
    "writefile",
    "edit",
    "load_file",
)
_deny("it accesses large objects (server files)", "lo_*", "loread", "lowrite")
_deny("it connects to other databases", "dblink*", "postgres_fdw*")
_deny("it changes configuration", "set_config", "pg_reload_conf", "pg_rotate_logfile", "pg_promote")
_deny(
    "it signals other server processes",
    "pg_cancel_backend",
    "pg_terminate_backend",
    "pg_signal_backend",
    "pg_log_backend_memory_contexts",
)
_deny("it takes advisory locks", "pg_advisory_*", "pg_try_advisory_*")
_deny("it changes a sequence", "nextval", "setval")
_deny(
    "it executes a query string",
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "table_to_xml",
    "table_to_xmlschema",
    "table_to_xml_and_xmlschema",
    "schema_to_xml",
    "schema_to_xmlschema",
    "schema_to_xml_and_xmlschema",
    "database_to_xml",
    "database_to_xmlschema",
    "database_to_xml_and_xmlschema",
    "ts_stat",
    "pg_catalog.ts_stat",
    "exec",
    "execute",
    "eval",
)
_deny(
    "it administers the server",
    "pg_switch_wal",
    "pg_create_restore_point",
    "pg_backup_start",
    "pg_backup_stop",
    "pg_start_backup",
    "pg_stop_backup",
    "pg_create_physical_replication_slot",
    "pg_create_logical_replication_slot",
    "pg_drop_replication_slot",
    "pg_copy_*_replication_slot",
    "pg_replication_origin_*",
    "pg_logical_emit_message",
    "pg_logical_slot_*",
    "pg_wal_replay_*",
    "pg_stat_reset*",
    "pg_stat_statements_reset",
    "pg_notify",
    "pg_import_system_collations",
    "pg_current_xact_id",
    "txid_current",
)
_deny("it loads native code", "load_extension", "fts3_tokenizer")
_deny("it reads database internals (a PRAGMA)", "pragma_*")


# Functions that read the server rather than the data: its configuration, its sessions and
# activity, its address and version, object privileges and catalog lookups. They are the function
# form of the system catalogs, so they follow the same switch (ALLOW_SYSTEM_CATALOGS). PostgreSQL
# names nearly all of them pg_*; the rest are listed by family (SQL-standard and legacy names).
_SYSTEM_PREFIXES = ("pg_", "sqlite_", "has_", "txid_", "to_reg", "acl", "inet_server_", "inet_client_")
_SYSTEM_SUFFIXES = ("_privilege", "_description")
_SYSTEM_NAMES = frozenset(
    {
        "current_setting",
        "version",
        "current_version",
        "current_schemas",
        "current_statement",
        "current_session",
        "current_transaction",
        "current_client",
        "current_ip_address",
        "format_type",
        "row_security_active",
        "makeaclitem",
        "obj_description",
        "col_description",
        "shobj_description",
        "mxid_age",
    }
)


def _bare(name: str) -> str:
    return name.strip().strip('"').lower().rsplit(".", 1)[-1].strip('"')


def system_function_reason(name: str) -> str | None:
    """Why a function that reads server state (not data) is refused while system catalogs are not allowed."""
    bare = _bare(name)
    if bare in _SYSTEM_NAMES or bare.startswith(_SYSTEM_PREFIXES) or bare.endswith(_SYSTEM_SUFFIXES):
        return "it reads the server's configuration, activity or catalogs rather than the data"
    return None


def denied_function_reason(name: str) -> str | None:
    """Why the function may not run, or None when it may. `name` may carry a schema."""
    bare = _bare(name)
    if bare in _EXACT:
        return _EXACT[bare]
    for prefix, reason in _PREFIXES:
        if bare.startswith(prefix):
            return reason
    return None
