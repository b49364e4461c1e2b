# Checkpoints of a bulk load: held back while it stores rows (its WAL
# grows and the database file does not), run while its indexes build, and
# the database file is whole once the ingest has ended.
. "$ROOT/tests/lib.sh"
i=0
while [ $i -lt 20 ]; do cat "$ROOT/samples/logs/generated/isp-week.log"; i=$((i + 1)); done >big.log

# sizes NAME [ENV...]: ingests big.log into the new database NAME.db,
# writing "WAL-bytes DB-bytes" lines to NAME.sizes as it runs; prints the
# ingest's exit status.
sizes() {
	n=$1
	shift
	mkconfig $n.yaml
	env "$@" "$BIN" --config $n.yaml ingest -q big.log 2>/dev/null &
	pid=$!
	# One stat a sample (both files, the WAL first): as often as it can.
	while kill -0 $pid 2>/dev/null; do
		stat -c %s $n.db-wal $n.db 2>/dev/null | tr '\n' ' '
		echo
	done | awk 'NF == 2' >$n.sizes
	wait $pid
	echo $?
}
# copied NAME: the largest size of the database file while the WAL was
# growing and under half of its peak: while rows were stored, before the
# index builds (the WAL is gone once the ingest has closed the file).
copied() {
	awk '{ w[NR] = $1; d[NR] = $2; if ($1 > peak) { peak = $1; at = NR } }
	END { for (i = 1; i < at; i++) if (w[i] < peak / 2 && d[i] > m) m = d[i]
	      print m + 0 }' $1.sizes
}
eq "held: the ingest succeeds" "$(sizes held RELAYSCOPE_WAL_PAGES=20)" 0
eq "not held: the ingest succeeds" \
    "$(sizes free RELAYSCOPE_WAL_PAGES=20 RELAYSCOPE_WAL_HOLD=64)" 0
samples=$(awk -v p="$(sort -n held.sizes | tail -1 | cut -d' ' -f1)" \
    '$1 < p / 2' held.sizes | wc -l)
if [ "$samples" -lt 3 ]; then
	skip "held: the load was too quick to watch ($samples samples)"
else
	h=$(copied held)
	[ "$h" -lt 1048576 ] &&
	    ok "held: no checkpoint while rows were stored (file $h bytes)" ||
	    notok "held: the file grew to $h bytes while rows were stored"
	f=$(copied free)
	[ "$f" -ge 1048576 ] &&
	    ok "past RELAYSCOPE_WAL_HOLD pages: checkpoints run during the load (file $f bytes)" ||
	    notok "past RELAYSCOPE_WAL_HOLD pages: the file stayed at $f bytes"
fi
for n in held free; do
	eq "$n: no WAL left after the ingest" \
	    "$(stat -c %s $n.db-wal 2>/dev/null || echo 0)" 0
done
eq "held or not, the same events" \
    "$(rs held.yaml stats --json | sed 's/"first_event.*//')" \
    "$(rs free.yaml stats --json | sed 's/"first_event.*//')"
