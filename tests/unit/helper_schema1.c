/*
 * helper_schema1 DB: turns a relayscope database back into schema 1 (no
 * sources.unmatched, user_version 1), as a database written before the
 * upgrade to schema 2 is, for the upgrade test.
 */
#include <sqlite3.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	sqlite3	*db;

	if (argc != 2 || sqlite3_open(argv[1], &db) != SQLITE_OK ||
	    sqlite3_exec(db, "ALTER TABLE sources DROP COLUMN unmatched;"
	    "DELETE FROM meta WHERE key = 'unmatched_since';"
	    "PRAGMA user_version = 1;", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "usage: helper_schema1 DB\n");
		return 1;
	}
	sqlite3_close(db);
	return 0;
}
