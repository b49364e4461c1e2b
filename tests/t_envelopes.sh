# Each envelope a merged log can hold, ingested for real; the stored time
# (UTC) proves the timestamp was read, the relay denial that the message
# part was found.
. "$ROOT/tests/lib.sh"
MSG='NOQUEUE: reject: RCPT from x[192.0.2.10]: 554 5.7.1 <a@remote.example>: Relay access denied; from=<joe@example.net> to=<a@remote.example> proto=ESMTP helo=<pc>'

# envelope NAME WANT-UTC LINE [ingest args...]
envelope() {
	name=$1 want=$2 line=$3
	shift 3
	mkconfig e.yaml
	rm -f e.db e.db-wal e.db-shm
	printf '%s\n' "$line" >one.log
	touch -d '2026-11-23 12:00:00' one.log
	rs e.yaml ingest -q "$@" one.log
	j=$(rs e.yaml stats --json)
	eq "$name: a relay denial" "$(jget "$j" events.relay_denial)" 1
	eq "$name: time" "$(jget "$j" first_event)" "$want"
}
envelope "rfc3164 rsyslog" 2026-11-02T03:04:05Z "Nov  2 03:04:05 mx postfix/smtpd[1]: $MSG"
envelope "rfc3164 maillog_file" 2026-11-02T03:04:05Z "Nov 02 03:04:05 mx postfix/smtpd[1]: $MSG"
envelope "rfc3164 one-space day" 2026-09-08T07:46:30Z "Sep 8 07:46:30 mx postfix/smtpd[1]: $MSG"
envelope "rfc3164 priority word" 2026-06-17T14:37:39Z "Jun 17 14:37:39 <mail.notice> mx postfix/smtpd[1]: $MSG"
envelope "rfc3164 no host" 2026-01-29T09:33:58Z "Jan 29 09:33:58 postfix/smtpd[1]: $MSG"
envelope "syslog <pri> prefix" 2026-10-11T22:14:15Z "<22>Oct 11 22:14:15 mx postfix/smtpd[1]: $MSG"
envelope "rsyslog iso 8601" 2026-11-22T02:04:05Z "2026-11-22T03:04:05.123456+01:00 mx postfix/smtpd[1]: $MSG"
envelope "journalctl short-iso" 2026-11-22T02:04:05Z "2026-11-22T03:04:05+0100 mx postfix/smtpd[1]: $MSG"
envelope "rfc 5424" 2026-11-22T03:04:05Z "<34>1 2026-11-22T03:04:05.003Z mx postfix/smtpd 1 - - $MSG"
envelope "rfc 5424 with data" 2026-11-22T03:04:05Z "<34>1 2026-11-22T03:04:05Z mx postfix/smtpd 1 ID47 [x@1 a=\"]\"] $MSG"
# TAI64 label 2^62 + 10 + seconds: 0x4c91b044 - 10 = 1284616250
envelope "tai64n" 2010-09-16T05:50:50Z "@400000004c91b044077a9e94 postfix/smtpd[1]: $MSG"
envelope "explicit --year" 2019-11-02T03:04:05Z "Nov  2 03:04:05 mx postfix/smtpd[1]: $MSG" --year 2019
# A December line in a file last written in November is last year's.
envelope "year inferred from file time" 2025-12-30T23:59:59Z "Dec 30 23:59:59 mx postfix/smtpd[1]: $MSG"

EX='H=(pc) [192.0.2.10] F=<joe@example.net> rejected RCPT <a@remote.example>: relay not permitted'
envelope "exim mainlog" 2026-11-22T17:07:52Z "2026-11-22 17:07:52 [16206] $EX"
envelope "exim mainlog no pid" 2026-11-22T17:07:52Z "2026-11-22 17:07:52 $EX"
envelope "exim via syslog" 2026-11-22T17:07:52Z "Nov 22 17:07:52 mx exim[16206]: 2026-11-22 17:07:52 $EX"
envelope "host before exim, exim's date only" 2021-07-17T23:20:49Z "mx.example.com exim[3751842]: 2021-07-17 23:20:49 $EX"

# span NAME MTIME FIRST LAST [config lines]: ingests span.log (its lines
# already written), last written at MTIME, into a new database, and checks
# the first and last event's times (UTC). The ingest summary is left in out.
span() {
	name=$1 mtime=$2 first=$3 last=$4
	shift 4
	mkconfig s.yaml "$@"
	rm -f s.db s.db-wal s.db-shm
	touch -d "$mtime" span.log
	out=$(rs s.yaml ingest --json span.log)
	j=$(rs s.yaml stats --json)
	eq "$name: first" "$(jget "$j" first_event)" "$first"
	eq "$name: last" "$(jget "$j" last_event)" "$last"
}
# denials DATE...: a Postfix relay denial at each date, one per line.
denials() {
	for d in "$@"; do
		printf '%s mx postfix/smtpd[1]: %s\n' "$d" "$MSG"
	done
}

# The zone of local timestamps comes from config.yaml: summer, then winter.
denials 'Nov 22 17:14:29' 'Jul  1 12:00:00' >span.log
span "timezone Europe/Berlin" '2026-11-23 12:00:00' 2026-07-01T10:00:00Z \
    2026-11-22T16:14:29Z "timezone: Europe/Berlin"

# December to January inside one file: the year rolls over.
denials 'Dec 31 23:59:58' 'Jan  1 00:00:02' >span.log
span "rollover" '2027-01-01 01:00:00' 2026-12-31T23:59:58Z 2027-01-01T00:00:02Z

# The months of lines without events carry the year on too (they are not
# parsed, only skimmed): a denial in December, delivery lines month by
# month, a denial in July of the next year.
{
	denials 'Dec 30 10:00:00'
	for d in 'Dec 31' 'Jan  5' 'Feb 20' 'Mar  1' 'Apr  1' 'May  1' 'Jun  1'; do
		printf '%s 09:00:00 mx postfix/qmgr[2]: 4F1: removed\n' "$d"
	done
	denials 'Jul  2 10:00:00'
} >span.log
span "rollover over quiet lines" '2027-07-02 12:00:00' 2026-12-30T10:00:00Z \
    2027-07-02T10:00:00Z

# A jump forward within a year keeps the year (and is not backwards); a
# quiet New Year (November, then February) still rolls over.
denials 'Feb 10 10:00:00' 'Sep 10 10:00:00' >span.log
span "forward jump" '2026-10-01 12:00:00' 2026-02-10T10:00:00Z 2026-09-10T10:00:00Z
eq "forward jump: no timestamp went backwards" "$(jget "$out" timestamps_backwards)" 0
denials 'Nov 20 10:00:00' 'Feb  3 10:00:00' >span.log
span "quiet new year" '2027-02-05 12:00:00' 2026-11-20T10:00:00Z 2027-02-03T10:00:00Z

# Exim through syslog writes each reject twice (mainlog and rejectlog
# copies): one event. Two identical Postfix lines are two events.
mkconfig t.yaml
{
	printf 'Nov 22 17:07:52 mx exim[16206]: 2026-11-22 17:07:52 %s\n' "$EX"
	printf 'Nov 22 17:07:52 mx exim[16206]: 2026-11-22 17:07:52 %s\n' "$EX"
	printf 'Nov 22 17:07:53 mx postfix/smtpd[1]: %s\n' "$MSG"
	printf 'Nov 22 17:07:53 mx postfix/smtpd[1]: %s\n' "$MSG"
} >twins.log
rs t.yaml ingest -q twins.log
j=$(rs t.yaml stats --json)
eq "exim syslog twin lines are one event" "$(jget "$j" relay_denial_by_mta.exim)" 1
eq "identical postfix lines are two events" "$(jget "$j" relay_denial_by_mta.postfix)" 2
# The same reject again a few lines on, from the same client but another
# process and second, is a retry: an event of its own. A twin pair whose
# syslog stamps straddle a second is still one; so is one of exim4's.
mkconfig t2.yaml
{
	printf 'Nov 22 17:07:52 mx exim[16206]: 2026-11-22 17:07:52 %s\n' "$EX"
	printf 'Nov 22 17:07:53 mx exim[16206]: 2026-11-22 17:07:52 %s\n' "$EX"
	printf 'Nov 22 17:07:58 mx exim[16231]: 2026-11-22 17:07:58 %s\n' "$EX"
	printf 'Nov 22 17:07:58 mx exim[16231]: 2026-11-22 17:07:58 %s\n' "$EX"
	printf '<22>1 2026-11-22T17:08:00Z mx exim4 16240 - - 2026-11-22 17:08:00 %s\n' "$EX"
	printf '<22>1 2026-11-22T17:08:00Z mx exim4 16240 - - 2026-11-22 17:08:00 %s\n' "$EX"
} >retry.log
rs t2.yaml ingest -q retry.log
eq "exim: a retry is an event, each twin pair one (exim4's too)" \
    "$(jget "$(rs t2.yaml stats --json)" relay_denial_by_mta.exim)" 3

# Timestamps going backwards are counted, never fatal.
printf 'Nov 22 17:10:00 mx postfix/smtpd[1]: %s\nNov 22 17:00:00 mx postfix/smtpd[1]: %s\n' "$MSG" "$MSG" >back.log
mkconfig b.yaml
out=$(rs b.yaml ingest --json back.log)
eq "backwards timestamps: ingest succeeds" "$?" 0
eq "backwards timestamps: counted" "$(jget "$out" timestamps_backwards)" 1
eq "backwards timestamps: both stored" "$(stat1 b.yaml events.relay_denial)" 2
