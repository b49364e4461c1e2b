/*
 * tap.h: the one check every unit test uses. Each expect() prints a line
 * "ok - what" or "not ok - what" (tests/t_unit.sh counts them); main
 * returns failed.
 */
#ifndef RS_TAP_H
#define RS_TAP_H

#include <stdio.h>

static int failed;

static void
expect(int cond, const char *what)
{
	printf("%s - %s\n", cond ? "ok" : "not ok", what);
	if (!cond)
		failed = 1;
}

#endif
