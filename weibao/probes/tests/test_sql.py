"""SQL probes against the PostgreSQL and MariaDB servers of the machine (databases ``test``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from weibao.probes.runners import Range, SqlOptions, State, Target, run_probe

from .conftest import PG_DSN, free_port


def sql(dsn: str, query: str, *, warn: str | None = None, crit: str | None = None, host: str = "", port=None):
    target = Target(
        host,
        port,
        SqlOptions(dsn=dsn, query=query),
        warn=Range.parse(warn) if warn else None,
        crit=Range.parse(crit) if crit else None,
    )
    return run_probe("sql", target, timeout=10)


def with_user(dsn: str, user: str, password: str = "") -> str:
    parts = urlsplit(dsn)
    auth = f"{user}:{password}@" if password else f"{user}@"
    return parts._replace(netloc=f"{auth}{parts.hostname}:{parts.port}").geturl()


def test_postgresql_query_within_thresholds_is_ok():
    result = sql(PG_DSN, "SELECT count(*) FROM pg_stat_activity", warn="1000", crit="5000")
    assert result.state == State.OK, result
    assert result.message.startswith("postgresql query returned ")
    assert result.metrics[0].label == "value" and result.metrics[0].value >= 1


def test_postgresql_threshold_exceeded_is_crit():
    result = sql(PG_DSN, "SELECT 42", warn="10", crit="20")
    assert result.state == State.CRIT
    assert "value 42 outside 20" in result.message
    assert result.perfdata().startswith("value=42;10;20 ")
    assert sql(PG_DSN, "SELECT 15", warn="10", crit="20").state == State.WARN


def test_postgresql_refused_login_and_peer_down_are_crit():
    # the machine's PostgreSQL trusts local connections, so a wrong password is not refused there;
    # a role that does not exist is
    refused = sql(with_user(PG_DSN, "no_such_probe_role", "wrong"), "SELECT 1")
    assert refused.state == State.CRIT, refused
    assert "cannot connect to PostgreSQL" in refused.message and "no_such_probe_role" in refused.message
    assert "wrong" not in refused.message.replace("no_such_probe_role", "")
    down = sql(PG_DSN, "SELECT 1", host="127.0.0.1", port=free_port())
    assert down.state == State.CRIT and "cannot connect" in down.message


def test_postgresql_session_is_read_only_and_bad_queries_are_unknown():
    write = sql(PG_DSN, "CREATE TABLE weibao_probe_should_not_exist (id int)")
    assert write.state == State.UNKNOWN
    assert (
        write.message
        == "bad configuration: query failed: cannot execute CREATE TABLE in a read-only transaction"
    )
    assert sql(PG_DSN, "SELEC 1").state == State.UNKNOWN
    text = sql(PG_DSN, "SELECT 'abc'")
    assert text.state == State.UNKNOWN and "not a number" in text.message


def test_postgresql_slow_query_is_bounded_by_the_timeout():
    target = Target(options=SqlOptions(dsn=PG_DSN, query="SELECT pg_sleep(10)"))
    result = run_probe("sql", target, timeout=2.5)
    assert result.state == State.CRIT and "timed out" in result.message
    assert result.duration < 4


def test_mariadb_query_ok_and_threshold_crit(mariadb):
    ok = sql(mariadb, "SELECT COUNT(*) FROM information_schema.SCHEMATA", crit="1:")
    assert ok.state == State.OK, ok
    assert ok.message.startswith("mysql query returned ")
    crit = sql(mariadb, "SELECT 99.5", crit="~:50")
    assert crit.state == State.CRIT and "value 99.5 outside ~:50" in crit.message


def test_mariadb_wrong_password_is_crit(mariadb):
    result = sql(with_user(mariadb, "root", "not-the-password"), "SELECT 1")
    assert result.state == State.CRIT, result
    assert "Access denied for user 'root'" in result.message
    assert "not-the-password" not in result.message


def test_mariadb_down_and_bad_query(mariadb):
    down = sql(mariadb, "SELECT 1", port=free_port())
    assert down.state == State.CRIT and "cannot connect to MySQL/MariaDB" in down.message
    bad = sql(mariadb, "SELECT * FROM no_such_table_for_probes")
    assert bad.state == State.UNKNOWN and "query failed" in bad.message
    write = sql(mariadb, "CREATE TABLE weibao_probe_should_not_exist (id int)")
    assert write.state == State.UNKNOWN, write
    assert (
        write.message
        == "bad configuration: query failed: Cannot execute statement in a READ ONLY transaction"
    )


def test_mariadb_slow_query_is_bounded_by_the_timeout(mariadb):
    result = run_probe("sql", Target(options=SqlOptions(dsn=mariadb, query="SELECT SLEEP(10)")), timeout=1.5)
    assert result.state == State.CRIT, result
    assert "max_statement_time exceeded" in result.message or "timed out" in result.message
    assert result.duration < 3
