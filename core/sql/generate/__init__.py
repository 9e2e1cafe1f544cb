"""SQL generation: offline (saved questions + pattern engine) and with an LLM through Vanna."""

from core.sql.generate.base import SqlGenerator, SqlProposal

__all__ = ["SqlGenerator", "SqlProposal"]
