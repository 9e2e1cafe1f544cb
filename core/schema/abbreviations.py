"""Abbreviations that database schemas use everywhere, in English and database jargon.

Generic on purpose: none of these is taken from a particular database. A word that is also an
ordinary English word ('cat', 'pop', 'cap') is left out when its abbreviation reading is not the
usual one in column names; 'no' stays because in an identifier it is almost always 'number'.
"""

from __future__ import annotations

ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    # people and parties
    "cust": ("customer",), "cus": ("customer",), "clnt": ("client",), "emp": ("employee",),
    "empl": ("employee",), "mgr": ("manager",), "mngr": ("manager",), "usr": ("user",),
    "vend": ("vendor",), "vndr": ("vendor",), "supp": ("supplier",), "supl": ("supplier",),
    "stu": ("student",), "prof": ("professor",), "instr": ("instructor",), "pers": ("person",),
    "acct": ("account",), "org": ("organization",), "co": ("company",), "cmpy": ("company",),
    "dept": ("department",), "div": ("division",), "grp": ("group",), "mbr": ("member",),
    "cntct": ("contact",), "fname": ("first", "name"), "lname": ("last", "name"),
    "nm": ("name",), "ssn": ("social", "security", "number"),
    # things and events
    "prod": ("product",), "prd": ("product",), "itm": ("item",), "inv": ("invoice",),
    "ord": ("order",), "txn": ("transaction",), "trx": ("transaction",), "trans": ("transaction",),
    "tx": ("transaction",), "pmt": ("payment",), "pymt": ("payment",), "pay": ("payment",),
    "shpmt": ("shipment",), "shp": ("shipment",), "whse": ("warehouse",), "wh": ("warehouse",),
    "svc": ("service",), "tkt": ("ticket",), "msg": ("message",), "img": ("image",),
    "doc": ("document",), "cat": ("category",), "catg": ("category",), "ctgy": ("category",),
    "sched": ("schedule",), "evt": ("event",), "appt": ("appointment",), "crs": ("course",),
    "exch": ("exchange",), "sec": ("security",), "mfr": ("manufacturer",), "mfg": ("manufacturer",),
    "mdl": ("model",), "hq": ("headquarters",), "biz": ("business",), "bldg": ("building",),
    "rm": ("room",), "dist": ("distance",), "reg": ("region",), "rgn": ("region",),
    # measures
    "qty": ("quantity",), "amt": ("amount",), "bal": ("balance",), "cnt": ("count",),
    "tot": ("total",), "ttl": ("total",), "avg": ("average",), "pct": ("percent",),
    "perc": ("percent",), "prc": ("price",), "px": ("price",), "vol": ("volume",),
    "val": ("value",), "sal": ("salary",), "rt": ("rate",), "wt": ("weight",), "ht": ("height",),
    "len": ("length",), "dur": ("duration",), "lvl": ("level",), "seq": ("sequence",),
    "pop": ("population",), "cap": ("capacity",), "rev": ("revenue",),
    "disc": ("discount",), "curr": ("currency",), "ccy": ("currency",), "num": ("number",),
    "no": ("number",), "nbr": ("number",), "nr": ("number",), "nmbr": ("number",),
    # time
    "dt": ("date",), "dte": ("date",), "ts": ("timestamp",), "tm": ("time",), "yr": ("year",),
    "mth": ("month",), "mon": ("month",), "wk": ("week",), "hr": ("hour",), "hrs": ("hour",),
    "dob": ("date", "of", "birth"), "bday": ("birthday",), "eff": ("effective",),
    "exp": ("expiry",), "upd": ("updated",), "crt": ("created",), "mod": ("modified",),
    # places and contact details
    "addr": ("address",), "adr": ("address",), "ctry": ("country",), "cntry": ("country",),
    "cty": ("city",), "st": ("state",), "prov": ("province",), "loc": ("location",),
    "lat": ("latitude",), "lon": ("longitude",), "lng": ("longitude",), "tel": ("telephone",),
    "ph": ("phone",), "phn": ("phone",), "zip": ("zip", "code"), "postcode": ("postal", "code"),
    # descriptors
    "desc": ("description",), "descr": ("description",), "dsc": ("description",),
    "cd": ("code",), "ref": ("reference",), "stat": ("status",), "sts": ("status",),
    "typ": ("type",), "src": ("source",), "dest": ("destination",), "dst": ("destination",),
    "flg": ("flag",), "ind": ("indicator",), "lang": ("language",), "pwd": ("password",),
    "info": ("information",), "attr": ("attribute",), "cmt": ("comment",), "nte": ("note",),
}

# Abbreviations that are also everyday English words: expanded only inside identifiers, never
# when a person writes them in a question ('no', 'pay', 'cat', 'pop', 'cap', 'mod').
EVERYDAY_WORDS = frozenset({"no", "pay", "cat", "pop", "cap", "mod", "doc", "sec", "st", "ind", "exp", "con", "ref"})
