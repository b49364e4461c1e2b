# Checkpoints of a bulk load are held back while it stores rows: the WAL
# grows and the database file does not, up to RELAYSCOPE_WAL_HOLD pages.
# A crash meanwhile loses nothing: the WAL holds every committed batch.
# After the ingest the database file is whole (no WAL left).
. "$ROOT/tests/lib.sh"
i=0
while [ $i -lt 20 ]; do cat "$ROOT/samples/logs/generated/isp-week.log"; i=$((i + 1)); done >big.log
want=150000

# midload NAME [ENV...]: gives the ingest the first 450,000 lines of
# big.log through a pipe, 50,000 at a time with a pause of 0.3 s after
# each (as a slow reader pauses: the middle of a load, not its end, which
# a second of waiting on the pipe says), and keeps the pipe open; waits
# until $want lines are committed, kills the ingest with SIGKILL there,
# and prints the size of the database file (0 on a timeout).
midload() {
	n=$1
	shift
	mkconfig $n.yaml
	mkfifo $n.fifo
	env "$@" "$BIN" --config $n.yaml ingest -q - <$n.fifo 2>/dev/null &
	pid=$!
	{
		c=0
		while [ $c -lt 9 ]; do
			sed -n "$((c * 50000 + 1)),$(((c + 1) * 50000))p" big.log
			sleep 0.3
			c=$((c + 1))
		done
		sleep 60
	} >$n.fifo &
	feeder=$!
	k=0 size=0
	while [ $k -lt 300 ]; do
		l=$(stat1 $n.yaml lines_ingested 2>/dev/null)
		if [ "${l:-0}" -ge $want ]; then
			kill -9 $pid
			size=$(stat -c %s $n.db)
			break
		fi
		sleep 0.02
		k=$((k + 1))
	done
	kill -9 $pid 2>/dev/null
	# The feeder's sleep holds the pipe open; its shell and sleep go.
	pkill -9 -P $feeder 2>/dev/null
	kill -9 $feeder 2>/dev/null
	wait $pid $feeder 2>/dev/null
	echo "$size"
}
held=$(midload held RELAYSCOPE_WAL_PAGES=8)
free=$(midload free RELAYSCOPE_WAL_PAGES=8 RELAYSCOPE_WAL_HOLD=16)
# The file holds the schema's few pages; the rows are another 10 MiB.
[ "$held" -gt 0 ] && [ "$held" -lt 1048576 ] &&
    ok "held: no checkpoint while rows were stored (file $held bytes)" ||
    notok "held: the file was $held bytes after $want lines"
[ "$free" -ge 2097152 ] &&
    ok "past RELAYSCOPE_WAL_HOLD pages: checkpoints ran during the load (file $free bytes)" ||
    notok "past RELAYSCOPE_WAL_HOLD pages: the file was $free bytes"
# Killed with everything in the WAL: the next reader recovers all of it.
l=$(stat1 held.yaml lines_ingested)
[ "${l:-0}" -ge $want ] &&
    ok "held, killed: the WAL kept the committed batches ($l lines)" ||
    notok "held, killed: $l lines survived"
# Finishing the load: the same file again resumes from its checkpoint...
# not for a pipe (no identity to resume by); a file ingest then ends whole.
mkconfig whole.yaml
rs whole.yaml ingest -q big.log
eq "a finished load: exit 0" "$?" 0
eq "a finished load: no WAL left" "$(stat -c %s whole.db-wal 2>/dev/null || echo 0)" 0
eq "a finished load: every line" "$(stat1 whole.yaml lines_ingested)" "$(wc -l <big.log | tr -d ' ')"

# A pipe that goes quiet has caught up: the indexes a bulk load left to
# its end are built while the ingest waits for more.
mkconfig quiet.yaml
mkfifo quiet.fifo
"$BIN" --config quiet.yaml ingest -q - <quiet.fifo 2>/dev/null &
pid=$!
{ head -n 100000 big.log; sleep 60; } >quiet.fifo &
feeder=$!
k=0 n=0
while [ $k -lt 150 ]; do
	n=$("$ROOT/build/tests/helper_sql" quiet.db "SELECT count(*) FROM sqlite_schema WHERE name = 'events_ip_time'" 2>/dev/null)
	[ "$n" = 1 ] && break
	sleep 0.1
	k=$((k + 1))
done
eq "a quiet pipe: the indexes are built while ingest waits" "$n" 1
kill -0 $pid 2>/dev/null && ok "a quiet pipe: the ingest still waits for more" ||
    notok "a quiet pipe: the ingest ended"
kill $pid 2>/dev/null
pkill -9 -P $feeder 2>/dev/null
kill -9 $feeder 2>/dev/null
wait $pid $feeder 2>/dev/null
