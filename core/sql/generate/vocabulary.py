"""The pattern engine's words: fillers, multi-word markers and their meaning, adjectives of columns."""

from __future__ import annotations

from core.sql.generate.tags import NamedColumn, TagData, TagKind

FILLER = set(
    """what which who whom whose where is are was were be been being the a an of all do does did
    have has had there that with in on at for to from and me show list give find return display
    tell get please their its his her they them it this these those as also each every any
    including info information detail details record records value values i we you would like
    know can could see us our entry entries data shown listed given currently named called placed come comes came among
    either across about exist exists compute some but what's who's into""".split()
)
# Words that name a column of whatever table they are said of ("the description of templates"):
# never resolved to a column of some other table that happens to be the only one with it.
GENERIC_COLUMN_WORDS = {"id", "code", "description", "type"}
PREPOSITIONS = {"to", "from", "by", "in", "on", "at", "for", "with"}
QUESTION_VERBS = {
    "show",
    "list",
    "give",
    "find",
    "return",
    "display",
    "tell",
    "get",
    "what",
    "which",
    "how",
    "count",
    "who",
}

MARKERS: dict[tuple[str, ...], tuple[TagKind, TagData]] = {}


def _marker(kind: TagKind, data: TagData, *phrases: str) -> None:
    for phrase in phrases:
        MARKERS[tuple(phrase.split())] = (kind, data)


_marker(
    TagKind.COUNT,
    None,
    "how many",
    "number of",
    "count of",
    "count",
    "total number of",
    "the number of",
    "total count of",
)
_marker(
    TagKind.FILLER,
    None,
    "in total",
    "in all",
    "altogether",
    "amount of",
    "the amount of",
    "along with",
    "as well as",
    "as well",
    "corresponding",
    "the corresponding",
    "corresponding to",
    "correspond to",
    "corresponds to",
)
_marker(TagKind.AGG, "AVG", "average", "mean", "avg", "average of", "mean of")
_marker(TagKind.AGG, "SUM", "sum of", "sum", "total of", "combined", "total")
_marker(TagKind.EXTREME, "MIN", "minimum", "min", "lowest", "smallest", "least", "fewest")
_marker(TagKind.EXTREME, "MAX", "maximum", "max", "highest", "largest", "biggest", "greatest", "most")
_marker(
    TagKind.CMP,
    ">",
    "more than",
    "greater than",
    "larger than",
    "bigger than",
    "higher than",
    "over",
    "above",
    "exceeding",
)
_marker(TagKind.CMP, ">=", "at least", "no less than", "or more", "not less than")
_marker(TagKind.CMP, "<", "less than", "fewer than", "smaller than", "lower than", "below", "under")
_marker(TagKind.CMP, "<=", "at most", "no more than", "or less", "not more than", "or fewer")
_marker(TagKind.CMP, "=", "equal to", "equals", "equal")
# Comparatives parted from their "than" by what they compare: "more products than average".
SPLIT_COMPARATIVES = {
    "more": ">",
    "higher": ">",
    "greater": ">",
    "larger": ">",
    "bigger": ">",
    "fewer": "<",
    "less": "<",
    "lower": "<",
    "smaller": "<",
}
_marker(TagKind.BETWEEN, None, "between")
_marker(
    TagKind.BUCKET,
    "year",
    "per year",
    "by year",
    "each year",
    "every year",
    "yearly",
    "annually",
    "a year",
    "year by year",
)
_marker(
    TagKind.BUCKET,
    "month",
    "per month",
    "by month",
    "each month",
    "every month",
    "monthly",
    "a month",
    "month by month",
)
_marker(TagKind.BUCKET, "day", "per day", "by day", "each day", "every day", "daily", "a day", "day by day")
_marker(TagKind.TIME_CMP, "<", "before", "earlier than", "prior to")
_marker(TagKind.TIME_CMP, ">", "after", "later than")
_marker(TagKind.TIME_CMP, ">=", "since", "or later", "or after")
_marker(TagKind.TIME_CMP, "<=", "or earlier", "or before")
_marker(
    TagKind.ORDER,
    None,
    "ordered by",
    "order by",
    "sorted by",
    "sort by",
    "ranked by",
    "in order of",
    "order of",
    "sorted",
)
_marker(
    TagKind.DIR,
    "DESC",
    "from the oldest to the youngest",
    "from oldest to youngest",
    "descending",
    "desc",
    "in descending order",
    "from highest to lowest",
    "from largest to smallest",
    "decreasing",
)
_marker(
    TagKind.DIR,
    "ASC",
    "from the youngest to the oldest",
    "from youngest to oldest",
    "ascending",
    "asc",
    "in ascending order",
    "alphabetical order",
    "alphabetically",
    "from lowest to highest",
    "increasing",
    "in alphabetical order",
)
_marker(TagKind.DIR, "DESC", "highest first", "largest first", "biggest first", "most first")
_marker(TagKind.DIR, "ASC", "lowest first", "smallest first", "fewest first", "least first")
_marker(TagKind.DIR, "ASC", "from a to z", "a to z", "a-z")
_marker(TagKind.DIR, "DESC", "from z to a", "z to a", "z-a")
_marker(
    TagKind.DIR,
    "DESC",
    "reverse alphabetical order",
    "in reverse alphabetical order",
    "reverse order",
    "in reverse order",
)
_marker(
    TagKind.GROUP,
    None,
    "for each",
    "for every",
    "for different",
    "for each different",
    "in each",
    "of each",
    "per",
    "by each",
    "each",
)
_marker(TagKind.DISTINCT, None, "different", "distinct", "unique")
_marker(TagKind.COMMON, "DESC", "most common", "most frequent", "most popular", "the most common", "most frequently")
_marker(TagKind.COMMON, "ASC", "least common", "least frequent", "least popular", "the least common")
_marker(TagKind.TOP, None, "top")
_marker(TagKind.BOTH, None, "both")
_marker(
    TagKind.CONTAINS,
    None,
    "contains",
    "contain",
    "containing",
    "includes",
    "include",
    "substring",
    "the substring",
    "has the substring",
    "have the substring",
    "with the substring",
    "contains the substring",
    "contain the substring",
    "containing the substring",
    "has the word",
    "with the word",
    "contains the word",
    "contain the word",
    "the letter",
    "contain the letter",
    "contains the letter",
    "with the letter",
)
_marker(TagKind.BY, None, "by")
_marker(TagKind.OR, None, "or")
_marker(
    TagKind.NOT,
    None,
    "not",
    "is not",
    "are not",
    "other than",
    "except",
    "excluding",
    "never",
    "without",
    "no",
    "do not have",
    "does not have",
    "did not have",
    "have no",
    "has no",
    "with no",
    "without any",
    "don't",
    "doesn't",
    "didn't",
    "don't have",
    "doesn't have",
    "didn't have",
    "isn't",
    "aren't",
)
_marker(TagKind.PERIOD, "this_year", "this year", "so far this year", "year to date")
_marker(TagKind.PERIOD, "last_year", "last year", "previous year", "past year")
_marker(TagKind.PERIOD, "this_month", "this month")
_marker(TagKind.PERIOD, "last_month", "last month", "previous month", "past month")
_marker(TagKind.PERIOD, "last_week", "last week", "past week")

DATE_COLUMN = "<date>"
# Comparative and superlative adjectives name their column: "older than 30" is age > 30.
COMPARATIVES = {
    "older": ("age", ">"),
    "younger": ("age", "<"),
    "heavier": ("weight", ">"),
    "lighter": ("weight", "<"),
    "taller": ("height", ">"),
    "shorter": ("height", "<"),
    "longer": ("length", ">"),
    "cheaper": ("price", "<"),
    "more expensive": ("price", ">"),
    "cost more": ("price", ">"),
    "costs more": ("price", ">"),
    "cost less": ("price", "<"),
    "costs less": ("price", "<"),
}
SUPERLATIVES = {
    "oldest": ("age", "DESC"),
    "youngest": ("age", "ASC"),
    "heaviest": ("weight", "DESC"),
    "lightest": ("weight", "ASC"),
    "tallest": ("height", "DESC"),
    "shortest": ("height", "ASC"),
    "longest": ("length", "DESC"),
    "cheapest": ("price", "ASC"),
    "most expensive": ("price", "DESC"),
    # DATE_COLUMN: the one date column of the table ("the 10 most recent orders")
    "most recent": (DATE_COLUMN, "DESC"),
    "latest": (DATE_COLUMN, "DESC"),
    "newest": (DATE_COLUMN, "DESC"),
    "earliest": (DATE_COLUMN, "ASC"),
}
# Other names of the column an adjective is about, tried in order: "cheaper" treatments cost less.
ALSO_CALLED = {"price": ("price", "cost")}
for _phrase, (_col, _op) in COMPARATIVES.items():
    MARKERS[(*_phrase.split(), "than")] = (TagKind.CMP_COL, NamedColumn(_col, _op))
for _phrase, (_col, _dir) in SUPERLATIVES.items():
    MARKERS[tuple(_phrase.split())] = (TagKind.SUPER_COL, NamedColumn(_col, _dir))
    # "oldest first": an ordering by the column the adjective names, not the one row
    MARKERS[(*_phrase.split(), "first")] = (TagKind.ORDER_COL, NamedColumn(_col, _dir))
# Questions that ask for a quantity by its adjective or verb: "how old" is the age, "how much
# does it weigh" the weight.
ASKED_COLUMNS = {
    "how old": "age",
    "how tall": "height",
    "how heavy": "weight",
    "weigh": "weight",
    "weighs": "weight",
    "how long": "length",
}
for _phrase, _col in ASKED_COLUMNS.items():
    MARKERS[tuple(_phrase.split())] = (TagKind.ASK_COL, NamedColumn(_col, ""))
_marker(TagKind.AGG, "AVG", "on average")
MAX_MARKER = max(len(key) for key in MARKERS)

# Adjectives of place, for values stored as the place: "Asian countries" → continent 'Asia'.
DEMONYMS = {
    "asian": "asia",
    "african": "africa",
    "european": "europe",
    "french": "france",
    "german": "germany",
    "italian": "italy",
    "spanish": "spain",
    "british": "united kingdom",
    "dutch": "netherlands",
    "chinese": "china",
    "japanese": "japan",
    "american": "usa",
    "canadian": "canada",
    "polish": "poland",
}
NUMBER_WORDS = {
    w: str(n) for n, w in enumerate("zero _ two three four five six seven eight nine ten".split()) if w != "_"
}
MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november december".split(), start=1
    )
}
