"""The operator's descriptions file (SCHEMA_DESCRIPTIONS_FILE): what names cannot say.

YAML or JSON, table → column → plain-English description; a table's own description goes under
the key `_table`, or the table maps straight to a string:

    sbcustomer:
      _table: people and companies holding a brokerage account
      sbcustname: the customer's full name
    sbdailyprice: closing prices per ticker and day

Names are matched case-insensitively (PostgreSQL folds unquoted names to lower case).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

TABLE_KEY = "_table"


class DescriptionsError(ValueError):
    """The file cannot be read or is not shaped table → column → text; the message names where."""


@dataclass
class Descriptions:
    tables: dict[str, str] = field(default_factory=dict)  # lower-case table → text
    columns: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, column) lower case → text

    def table(self, name: str) -> str | None:
        return self.tables.get(name.lower()) or self.tables.get(_unqualified(name))

    def column(self, table: str, column: str) -> str | None:
        key = column.lower()
        return self.columns.get((table.lower(), key)) or self.columns.get((_unqualified(table), key))

    def __len__(self) -> int:
        return len(self.tables) + len(self.columns)


def load_descriptions(path: Path) -> Descriptions:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise DescriptionsError(f"cannot read the descriptions file {path}: {error.strerror or error}") from None
    data = _parse(text, Path(path))
    if data is None:
        return Descriptions()
    if not isinstance(data, dict):
        raise DescriptionsError(f"{path}: expected a mapping of table → column → description at the top level")
    result = Descriptions()
    for table, entry in data.items():
        table_key = str(table).strip().lower()
        if isinstance(entry, str):
            result.tables[table_key] = entry.strip()
            continue
        if not isinstance(entry, dict):
            raise DescriptionsError(f"{path}: table {table!r} must map to a description or to column → description")
        for column, text in entry.items():
            if not isinstance(text, str):
                raise DescriptionsError(
                    f"{path}: {table}.{column} must be a text description, not {type(text).__name__}"
                )
            if str(column) == TABLE_KEY:
                result.tables[table_key] = text.strip()
            else:
                result.columns[(table_key, str(column).strip().lower())] = text.strip()
    return result


def _parse(text: str, path: Path) -> object:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise DescriptionsError(f"{path}: not valid JSON ({error})") from None
    import yaml  # JSON is YAML too, so any other suffix goes through the YAML parser

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise DescriptionsError(f"{path}: not valid YAML ({_first_line(str(error))})") from None


def _unqualified(name: str) -> str:
    return name.lower().rsplit(".", 1)[-1]


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"
