/*
 * helper_schema1 DB: turns a relayscope database back into schema 1 (the
 * events table with a column for each field, no sources.unmatched,
 * user_version 1), as a database written before the upgrades to schemas
 * 2 and 3 is, for the upgrade test. Schema 1 kept the line's host,
 * program and pid, which the detail of new events leaves to the line: for
 * an RFC 3164 line ("Nov 22 17:00:03 host prog[pid]: ...") they are read
 * back from it, as the old version stored them.
 */
#include <sqlite3.h>
#include <stdio.h>

static const char downgrade[] =
    "CREATE TABLE events1("
    "  id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    "  usec INTEGER NOT NULL DEFAULT 0, kind INTEGER NOT NULL, ip,"
    "  user TEXT, sender TEXT, rcpt_domain TEXT, recipient TEXT,"
    "  mta TEXT NOT NULL, service TEXT, method TEXT, code INTEGER,"
    "  status TEXT, host TEXT, prog TEXT, pid INTEGER, client_host TEXT,"
    "  helo TEXT, rule TEXT NOT NULL,"
    "  source_id INTEGER NOT NULL REFERENCES sources(id),"
    "  offset INTEGER NOT NULL, raw TEXT NOT NULL);"
    "WITH e AS (SELECT *, substr(raw, 17) AS r FROM events),"
    "  f AS (SELECT *, substr(r, 1, instr(r, ' ') - 1) AS h,"
    "    substr(r, instr(r, ' ') + 1) AS r2 FROM e)"
    "INSERT INTO events1 SELECT id, time,"
    "  coalesce(json_extract(detail, '$.usec'), 0), kind, ip, user, sender,"
    "  rcpt_domain, recipient, mta, service,"
    "  json_extract(detail, '$.method'), code,"
    "  json_extract(detail, '$.status'),"
    "  coalesce(json_extract(detail, '$.host'), nullif(h, '')),"
    "  coalesce(json_extract(detail, '$.prog'),"
    "    nullif(substr(r2, 1, instr(r2, '[') - 1), '')),"
    "  coalesce(json_extract(detail, '$.pid'), CASE WHEN instr(r2, '[') > 0"
    "    THEN CAST(substr(r2, instr(r2, '[') + 1) AS INTEGER) END),"
    "  json_extract(detail, '$.client_host'),"
    "  json_extract(detail, '$.helo'),"
    "  coalesce(json_extract(detail, '$.rule'), ''), source_id, offset, raw"
    "  FROM f ORDER BY id;"
    "DROP TABLE events;"
    "ALTER TABLE events1 RENAME TO events;"
    "CREATE INDEX events_time ON events(time);"
    "CREATE INDEX events_ip_time ON events(ip, time) WHERE ip IS NOT NULL;"
    "CREATE INDEX events_sender ON events(sender) WHERE sender IS NOT NULL;"
    "CREATE INDEX events_rcpt_domain ON events(rcpt_domain)"
    "  WHERE rcpt_domain IS NOT NULL;"
    "CREATE INDEX events_user_time ON events(user, time)"
    "  WHERE user IS NOT NULL;"
    "ALTER TABLE sources DROP COLUMN unmatched;"
    "DELETE FROM meta WHERE key = 'unmatched_since';"
    "PRAGMA user_version = 1;";

int
main(int argc, char **argv)
{
	sqlite3	*db;
	char	*err = NULL;

	if (argc != 2 || sqlite3_open(argv[1], &db) != SQLITE_OK) {
		fprintf(stderr, "usage: helper_schema1 DB\n");
		return 1;
	}
	if (sqlite3_exec(db, downgrade, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "helper_schema1: %s\n", err ? err : "failed");
		return 1;
	}
	sqlite3_close(db);
	return 0;
}
