/*
 * helper_sql DB SQL: prints the rows of a query, columns separated by |,
 * NULL as NULL: for tests that look at what the database holds (a fresh
 * machine has no sqlite3 shell).
 */
#include <sqlite3.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	sqlite3	*db;
	sqlite3_stmt *s;
	int	 i, rc;

	if (argc != 3 || sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY,
	    NULL) != SQLITE_OK || sqlite3_prepare_v2(db, argv[2], -1, &s,
	    NULL) != SQLITE_OK) {
		fprintf(stderr, "usage: helper_sql DB SQL\n");
		return 1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		for (i = 0; i < sqlite3_column_count(s); i++) {
			const unsigned char *t = sqlite3_column_text(s, i);

			printf("%s%s", t != NULL ? (const char *)t : "NULL",
			    i + 1 < sqlite3_column_count(s) ? "|" : "\n");
		}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return rc == SQLITE_DONE ? 0 : 1;
}
