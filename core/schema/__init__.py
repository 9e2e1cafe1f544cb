"""Schema understanding: identifiers as plain words, and question words matched to them by meaning."""

from core.schema.descriptions import Descriptions, DescriptionsError, load_descriptions
from core.schema.understanding import ColumnMeaning, ConceptMatch, IdentifierMeaning, SchemaUnderstanding, TableMeaning

__all__ = [
    "ColumnMeaning",
    "ConceptMatch",
    "Descriptions",
    "DescriptionsError",
    "IdentifierMeaning",
    "SchemaUnderstanding",
    "TableMeaning",
    "load_descriptions",
]
