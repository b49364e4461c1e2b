#!/bin/sh
# bench/run.sh -- how fast and how lean is `relayscope ingest`, and does it
# count right?  Run by `make bench` after ./relayscope is built.
#
#   1. Generate (or reuse) a synthetic mail log with exact ground truth
#      (bench/genlog.py; 10M lines, about 1.4 GB, by default).
#   2. Time BENCH_RUNS rounds of `grep -c` (the floor: one pass over the file
#      doing almost nothing) and of a full ingest into a fresh database.
#      Report medians, throughput and peak RSS against the targets
#      (ingest <= 5x grep, peak RSS < 32 MiB).
#   3. Compare `relayscope stats --json` with the truth file.
#
# Environment:
#   BENCH_LINES  log size in lines (default 10000000; 1000000 -> mail-1M.log)
#   BENCH_RUNS   rounds of grep + ingest (default 5)
#
# Exit status: 0 whatever the figures and counts say (they are informational);
# 1 if the setup is missing something or relayscope itself fails (ingest or
# stats exits non-zero, or stats prints no JSON).
set -u

# Work from the repository root whatever the caller's directory.
cd "$(dirname "$0")/.." || exit 1

lines=${BENCH_LINES:-10000000}
runs=${BENCH_RUNS:-5}
case $lines in '' | *[!0-9]* | 0) echo "bench: BENCH_LINES must be a positive integer" >&2; exit 1 ;; esac
case $runs in '' | *[!0-9]* | 0) echo "bench: BENCH_RUNS must be a positive integer" >&2; exit 1 ;; esac

bin=./relayscope
TIME=/usr/bin/time   # GNU time: the shell builtin cannot report peak RSS
[ -x "$bin" ] || { echo "bench: $bin not built (run make)" >&2; exit 1; }
[ -x "$TIME" ] || { echo "bench: $TIME (GNU time) not found" >&2; exit 1; }
command -v python3 >/dev/null 2>&1 || { echo "bench: python3 not found" >&2; exit 1; }

dir=bench/data   # git-ignored: the logs are far too big to commit
mkdir -p "$dir" || exit 1

# 10000000 -> 10M, 250000 -> 250k, 1234 -> 1234: the file name says the size.
if [ $((lines % 1000000)) -eq 0 ]; then size=$((lines / 1000000))M
elif [ $((lines % 1000)) -eq 0 ]; then size=$((lines / 1000))k
else size=$lines
fi
log=$dir/mail-$size.log
truth=$dir/mail-$size.truth.json

# ---------------------------------------------------------------- helpers

# truth KEY.SUBKEY...: one value from the truth file.
truthval() {
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k]
print(v)' "$truth" "$1"
}

# median: of the numbers on stdin, one a line.
median() {
	sort -n | awk '{ v[NR] = $1 }
	END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]
		else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# timed OUTFILE CMD...: run CMD under GNU time, leaving "seconds KiB" as the
# last line of OUTFILE (time puts "Command exited with non-zero status N"
# above it when CMD fails).  Returns CMD's exit status.
timed() {
	_out=$1
	shift
	"$TIME" -f '%e %M' -o "$_out" "$@"
}

# mib KIB: KiB as MiB with one decimal.
mib() {
	awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'
}

# ---------------------------------------------------------------- 1. data

# Reuse the log only if the truth file describes exactly this file: an
# interrupted generation or a log of another size must not be benchmarked.
reuse=no
if [ -s "$log" ] && [ -s "$truth" ]; then
	tl=$(truthval lines 2>/dev/null) || tl=
	tb=$(truthval bytes 2>/dev/null) || tb=
	fb=$(wc -c <"$log" | tr -d ' ')
	[ "$tl" = "$lines" ] && [ "$tb" = "$fb" ] && reuse=yes
fi
if [ $reuse = yes ]; then
	echo "bench: reusing $log"
else
	echo "bench: generating $log ($lines lines; 10M lines take a minute or two)"
	# Write under temporary names and rename at the end, so that a killed
	# generation leaves nothing that the reuse test above would accept.
	rm -f "$log" "$truth"
	python3 bench/genlog.py -n "$lines" --seed 1 -o "$log.tmp" --truth "$truth.tmp" 2>"$dir/genlog.err" || {
		cat "$dir/genlog.err" >&2
		echo "bench: genlog.py failed" >&2
		exit 1
	}
	mv "$log.tmp" "$log" && mv "$truth.tmp" "$truth" || exit 1
fi
bytes=$(wc -c <"$log" | tr -d ' ')

# Syslog lines carry no year.  The generator knows it, so tell relayscope
# rather than let it guess from today's date (which could move part of an
# older log into another year).
year=$(truthval first_timestamp | cut -c1-4)

# The database path is absolute so that it means the same thing whether
# relayscope resolves it against the working directory or the config's.
db=$(pwd)/$dir/bench.db
cfg=$dir/bench.yaml
cat >"$cfg" <<EOF
# written by bench/run.sh
database: '$(printf '%s' "$db" | sed "s/'/''/g")'
retention: never
local_domains: [example.net, example.org, example.com]
EOF

# ---------------------------------------------------------------- 2. speed

# Read the file once so that the first round (grep comes first) does not pay
# for the disk while the others read from the page cache.
cat "$log" >/dev/null

rm -f "$dir/grep.times" "$dir/ingest.times" "$dir/ingest.rss" "$dir/ingest.split"

# jnum KEY FILE: a number from ingest's one-line JSON summary.
jnum() {
	sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" "$2"
}
i=1
while [ $i -le "$runs" ]; do
	# grep: exit 1 only means "no match"; 2 is an error.
	timed "$dir/grep.time" grep -c 'Relay access denied' "$log" >"$dir/grep.count"
	[ $? -le 1 ] || { echo "bench: grep failed" >&2; exit 1; }
	gt=$(tail -n 1 "$dir/grep.time" | cut -d' ' -f1)
	echo "$gt" >>"$dir/grep.times"

	# A fresh database each round: ingest must do all the work every time.
	# The sync lets the file system finish freeing the last round's
	# database first (a disk mounted with discard trims it), so that no
	# round pays for the one before.
	rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
	sync
	if ! timed "$dir/ingest.time" "$bin" --config "$cfg" ingest --json --year "$year" "$log" \
		>"$dir/ingest.out" 2>"$dir/ingest.err"; then
		echo "bench: ingest failed (round $i):" >&2
		cat "$dir/ingest.time" >&2
		tail -n 20 "$dir/ingest.err" >&2
		exit 1
	fi
	read -r secs kib <<-EOF
	$(tail -n 1 "$dir/ingest.time")
	EOF
	echo "$secs" >>"$dir/ingest.times"
	echo "$kib" >>"$dir/ingest.rss"
	# Where the time went: storing rows (reading and parsing alongside),
	# building the indexes left to the end, and the rest: starting (config,
	# rules, opening the database) and closing (the last checkpoint).
	split=$(awk -v w="$secs" -v s="$(jnum seconds "$dir/ingest.out")" \
	    -v x="$(jnum index_seconds "$dir/ingest.out")" \
	    'BEGIN { printf "%.2f %.2f %.2f", s - x, x, w - s }')
	echo "$split" >>"$dir/ingest.split"
	set -- $split
	echo "  round $i/$runs: grep $gt s, ingest $secs s (rows $1, indexes $2, start and close $3), peak RSS $(mib "$kib") MiB"
	i=$((i + 1))
done

ing=$(median <"$dir/ingest.times")
rows=$(cut -d' ' -f1 "$dir/ingest.split" | median)
idx=$(cut -d' ' -f2 "$dir/ingest.split" | median)
cls=$(cut -d' ' -f3 "$dir/ingest.split" | median)
grp=$(median <"$dir/grep.times")
rss=$(sort -n "$dir/ingest.rss" | tail -n 1)

awk -v lines="$lines" -v bytes="$bytes" -v runs="$runs" -v ing="$ing" -v grp="$grp" -v rss="$rss" -v file="$log" \
    -v rows="$rows" -v idx="$idx" -v cls="$cls" '
function verdict(ok) { return ok ? "PASS" : "MISS" }
BEGIN {
	mb = bytes / 1e6
	mib = rss / 1024
	printf "\nrelayscope ingest benchmark: %s\n", file
	printf "  lines             %d\n", lines
	printf "  size              %.1f MB\n", mb
	printf "  runs              %d (median times, max RSS)\n", runs
	if (ing > 0)
		printf "  ingest            %.2f s   %.0f lines/s   %.1f MB/s\n", ing, lines / ing, mb / ing
	else
		printf "  ingest            %.2f s   (too fast to measure: use more BENCH_LINES)\n", ing
	printf "    storing rows    %.2f s   (reading and parsing alongside)\n", rows
	printf "    indexes         %.2f s   (built at the end of the bulk load)\n", idx
	printf "    start, close    %.2f s   (config, rules, open; last checkpoint, WAL removed)\n", cls
	printf "  peak RSS          %.1f MiB      target < 32 MiB   %s\n", mib, verdict(mib < 32)
	printf "  grep -c           %.2f s\n", grp
	if (grp > 0)
		printf "  ingest / grep     %.1fx         target <= 5x      %s\n", ing / grp, verdict(ing / grp <= 5)
	else
		printf "  ingest / grep     n/a (grep took 0.00 s: use more BENCH_LINES)\n"
}'

# ---------------------------------------------------------------- 3. counts

# The database now holds the last round's ingest.  Time the report too: it
# is what a postmaster waits for after every ingest.
if ! timed "$dir/stats.time" "$bin" --config "$cfg" stats --json >"$dir/stats.json" 2>"$dir/stats.err"; then
	echo "bench: stats --json failed:" >&2
	cat "$dir/stats.time" >&2
	tail -n 20 "$dir/stats.err" >&2
	exit 1
fi
read -r secs kib <<EOF
$(tail -n 1 "$dir/stats.time")
EOF
printf '  stats --json      %s s   peak RSS %s MiB\n' "$secs" "$(mib "$kib")"

# report over the 30 days before the last event (the whole 10M log): every
# relay denial diagnosed as `why` would, in one pass.  Target: 1 s.
rsince=$(python3 -c 'import json, sys, datetime
t = json.load(open(sys.argv[1]))["last_event"]
d = datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ") - datetime.timedelta(days=30)
print(d.strftime("%Y-%m-%dT%H:%M:%SZ"))' "$dir/stats.json")
if ! timed "$dir/report.time" "$bin" --config "$cfg" report --json --since "$rsince" >"$dir/report.json" 2>"$dir/report.err"; then
	echo "bench: report --json failed:" >&2
	cat "$dir/report.time" >&2
	tail -n 20 "$dir/report.err" >&2
	exit 1
fi
read -r secs kib <<EOF
$(tail -n 1 "$dir/report.time")
EOF
awk -v s="$secs" -v k="$kib" 'BEGIN { printf "  report, 30 days   %s s   peak RSS %.1f MiB   target <= 1 s   %s\n", s, k / 1024, s <= 1 ? "PASS" : "MISS" }'

# The diagnosis a helpdesk waits for, on the same database: one subject of
# each kind, taken from the middle of the log (a denied client and its
# sender, a POP3 customer), each command the median of 3 runs.
mid=$((lines / 2))
dline=$(tail -n +"$mid" "$log" | grep -m 1 'Relay access denied; from=<[^>]')
qip=$(printf '%s\n' "$dline" | sed -n 's/.* from [^[]*\[\([0-9a-fA-F.:]*\)\].*/\1/p')
qaddr=$(printf '%s\n' "$dline" | sed -n 's/.*; from=<\([^>]*\)>.*/\1/p')
quser=$(tail -n +"$mid" "$log" | grep -m 1 'pop3-login: Login: user=<' | sed -n 's/.*user=<\([^>]*\)>.*/\1/p')
# qtime NAME TARGET_MS CMD...: the median of 3 runs against a target, timed
# in milliseconds (GNU time counts hundredths).
qtime() {
	_name=$1 _target=$2
	shift 2
	: >"$dir/q.times"
	for _k in 1 2 3; do
		_t0=$(date +%s%N)
		if ! "$bin" --config "$cfg" "$@" >/dev/null 2>"$dir/q.err"; then
			echo "bench: $* failed:" >&2
			tail -n 5 "$dir/q.err" >&2
			return 1
		fi
		echo $(( ($(date +%s%N) - _t0) / 1000000 )) >>"$dir/q.times"
	done
	awk -v n="$_name" -v ms="$(median <"$dir/q.times")" -v t="$_target" 'BEGIN {
		printf "  %-17s %4d ms   target <= %d ms   %s\n", n, ms, t, ms <= t ? "PASS" : "MISS" }'
}
echo "diagnosis on this database (why $qip, why $qaddr, customer $quser):"
qtime "why IP" 50 why "$qip"
qtime "why ADDRESS" 50 why "$qaddr"
qtime "customer" 100 customer "$quser"
qtime "probes, 30 days" 1000 probes --since "$rsince"
qtime "report, 30 days" 1000 report --since "$rsince"

# The parser alone (no reading, no storing) over the first million lines,
# in memory: the share of the ingest that is parsing.
if [ -x build/bench/parsebench ]; then
	head -n 1000000 "$log" >"$dir/head-1M.log"
	printf '  parser alone      %s\n' "$(build/bench/parsebench "$dir/head-1M.log" 3)"
	rm -f "$dir/head-1M.log"
fi

echo
echo "counts: stats --json against $truth"
# Pairs of (stats path, truth path).  The generator's Postfix relay denials
# are all 5xx and its Sendmail denials are 550 or 450, so:
#   by_mta.sendmail counts the 550s, relay_denial_temporary the 450s;
#   Exim logs each reject twice through syslog: one event, two lines;
#   smtp-auth logins are Postfix's "sasl_username=" client lines.
python3 - "$dir/stats.json" "$truth" "$(cat "$dir/grep.count")" <<'EOF' || exit 1
import json
import sys

try:
    stats = json.load(open(sys.argv[1]))
except ValueError as e:
    sys.exit("bench: stats --json did not print JSON: %s" % e)
truth = json.load(open(sys.argv[2]))
grep_count = int(sys.argv[3])

checks = [
    ("relay_denial_by_mta.postfix", "relay_denials.postfix"),
    ("relay_denial_by_mta.sendmail", "relay_denials.sendmail_550"),
    ("relay_denial_by_mta.exim", "relay_denials.exim_events"),
    ("events.relay_denial", "relay_denials.total_events_5xx"),
    ("events.relay_denial_temporary", "relay_denials.sendmail_450_temporary"),
    ("login_ok_by_service.pop3", "logins.pop3"),
    ("login_ok_by_service.imap", "logins.imap"),
    ("login_ok_by_service.smtp-auth", "sasl.logins"),
]


def get(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


bad = 0
for sp, tp in checks:
    s, t = get(stats, sp), get(truth, tp)
    ok = s == t
    bad += not ok
    print("  %-32s %9s   truth %-38s %9s   %s"
          % (sp, "missing" if s is None else s, tp, t, "ok" if ok else "MISMATCH"))

# Not relayscope's doing, but a wrong data file would make every line above
# meaningless: grep's count must be the generator's.
t = truth["grep_line_counts"]["Relay access denied"]
print("  %-32s %9s   truth %-38s %9s   %s" % ("(grep -c 'Relay access denied')", grep_count,
      "grep_line_counts", t, "ok" if grep_count == t else "MISMATCH"))
bad += grep_count != t

# The first and last events must fall inside the log's span (the log's
# first and last lines are ordinary traffic, so equality is not expected);
# this catches a wrong year or a time zone shift.  Syslog stamps are local
# time and so are the generator's.
span = (truth["first_timestamp"].replace("T", " ")[:19], truth["last_timestamp"].replace("T", " ")[:19])
for sp in ("first_event", "last_event"):
    s = get(stats, sp)
    v = s.replace("T", " ")[:19] if isinstance(s, str) else None
    ok = v is not None and span[0] <= v <= span[1]
    bad += not ok
    print("  %-32s %19s   within %s .. %s   %s" % (sp, s, span[0], span[1], "ok" if ok else "MISMATCH"))

print("counts: %s" % ("all ok" if not bad else "%d MISMATCH(ES)" % bad))
EOF
exit 0
