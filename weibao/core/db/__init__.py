"""Database helpers shared by the apps."""

#: The largest value of a 64-bit database integer (SQLite's INTEGER, PostgreSQL's bigint). A number
#: from a client that the database cannot hold is an input error, refused before any query.
DB_INT_MAX = 2**63 - 1


def as_id(raw: object) -> int | None:
    """``raw`` (a form or query value) as a row id, or None if it cannot be one: only ASCII
    digits (``str.isdigit`` also accepts "²", which ``int`` refuses) within the database's range."""
    text = str(raw).strip() if raw is not None else ""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= DB_INT_MAX else None
