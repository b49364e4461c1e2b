/*
 * helper_lockdb DB SECONDS: holds a write lock on DB for SECONDS, as a
 * long-running writer would, for the locked-database test. Prints "locked"
 * once it holds the lock.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	sqlite3	*db;

	if (argc != 3 || sqlite3_open(argv[1], &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL; BEGIN IMMEDIATE;"
	    "CREATE TABLE IF NOT EXISTS lock_holder(x);", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "usage: helper_lockdb DB SECONDS\n");
		return 1;
	}
	printf("locked\n");
	fflush(stdout);
	sleep((unsigned)atoi(argv[2]));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return 0;
}
