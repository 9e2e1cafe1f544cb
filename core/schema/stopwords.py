"""English function words and question words: never evidence for a table or column on their own."""

from __future__ import annotations

STOPWORDS = frozenset(
    """a an the of in on at to for from by with about as into than then and or but not no nor so if
    is are was were be been being am do does did done have has had having can could will would shall
    should may might must what which who whom whose where when why how all any each every some many
    much more most less least few fewer other another such own same this that these those there here
    it its they them their theirs he him his she her hers we us our ours you your yours i me my mine
    list show give find tell get return display name names number count total amount per also only
    just each both either neither very one ones please whether among across via over under up down
    out off again further once first last next previous top bottom high low highest lowest largest
    smallest best worst before after since until during""".split()
)
# Words that name a column of almost any table: weak evidence alone.
GENERIC_COLUMN_WORDS = frozenset({"id", "name", "code", "type", "description", "date", "number", "value", "key"})
