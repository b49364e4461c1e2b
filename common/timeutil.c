/* timeutil.c: local civil time to UTC, with a per-hour offset cache. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static struct {
	int	 valid;
	int	 year, mon, day, hour;
	int64_t	 base;		/* UTC seconds of local hh:00:00 */
} tzcache;

int
tz_set(const char *name, char **cause)
{
	tzcache.valid = 0;
	if (name == NULL || *name == '\0') {
		tzset();
		return 0;
	}
	if (strcmp(name, "UTC") != 0 && strcmp(name, "Etc/UTC") != 0) {
		char	 path[512];

		if (name[0] == '/' || strstr(name, "..") != NULL)
			return set_cause(cause, "timezone '%s' is not an IANA "
			    "zone name such as Europe/Berlin", name);
		snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
		if (access(path, R_OK) != 0)
			return set_cause(cause, "unknown timezone '%s' (no %s; "
			    "is the tzdata package installed?)", name, path);
	}
	setenv("TZ", strcmp(name, "UTC") == 0 ? "UTC0" : name, 1);
	tzset();
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t
utc_from_civil(int year, int mon, int day, int hour, int min, int sec)
{
	return days_from_civil(year, mon, day) * 86400 + hour * 3600 +
	    min * 60 + sec;
}

int64_t
local_to_utc(int year, int mon, int day, int hour, int min, int sec)
{
	if (!tzcache.valid || tzcache.year != year || tzcache.mon != mon ||
	    tzcache.day != day || tzcache.hour != hour) {
		struct tm tm;
		time_t	 t;

		memset(&tm, 0, sizeof(tm));
		tm.tm_year = year - 1900;
		tm.tm_mon = mon - 1;
		tm.tm_mday = day;
		tm.tm_hour = hour;
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1)
			t = (time_t)utc_from_civil(year, mon, day, hour, 0, 0);
		tzcache.valid = 1;
		tzcache.year = year;
		tzcache.mon = mon;
		tzcache.day = day;
		tzcache.hour = hour;
		tzcache.base = (int64_t)t;
	}
	return tzcache.base + min * 60 + sec;
}

void
fmt_iso_utc(int64_t t, char *buf, size_t size)
{
	time_t	 tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
