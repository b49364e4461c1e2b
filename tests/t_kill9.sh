# kill -9 at any moment of an ingest, then resume: the database ends with
# exactly what one clean run stores, nothing lost, nothing twice.
. "$ROOT/tests/lib.sh"
# About 40 MB: the generated ISP week ten times over (identical repeats are
# distinct lines of one file, so all of them count).
i=0
while [ $i -lt 10 ]; do cat "$ROOT/samples/logs/generated/isp-week.log"; i=$((i + 1)); done >big.log
mkconfig clean.yaml
start=$(date +%s%N)
rs clean.yaml ingest -q big.log
# Kill moments are spread over the length of a clean run (in ms), so a
# slower build (the sanitizer one) is killed mid-run too.
run_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $run_ms -lt 50 ] && run_ms=50
want=$(rs clean.yaml stats --json | sed 's/"sources.*//')

mkconfig k.yaml
kills=0 rounds=0 done=0
while [ $rounds -lt 40 ] && [ $done -eq 0 ]; do
	rounds=$((rounds + 1))
	# Small WAL checkpoints: the background ones run all the time. Every
	# other round the bulk load holds them back, as by default, so the
	# kill lands on a WAL that holds all of the load so far.
	hold=40
	[ $((rounds % 2)) -eq 0 ] && hold=1000000
	RELAYSCOPE_WAL_PAGES=20 RELAYSCOPE_WAL_HOLD=$hold "$BIN" \
	    --config k.yaml ingest -q big.log 2>/dev/null &
	pid=$!
	# A different moment each round: 10% to 90% of a clean run.
	ms=$(( run_ms * ((rounds * 37) % 9 + 1) / 10 ))
	sleep "$(printf "%d.%03d" $((ms / 1000)) $((ms % 1000)))"
	if kill -9 $pid 2>/dev/null; then kills=$((kills + 1)); fi
	wait $pid 2>/dev/null
	[ $? -eq 0 ] && done=1
done
partial=$(stat1 k.yaml lines_ingested)
rs k.yaml ingest -q big.log
got=$(rs k.yaml stats --json | sed 's/"sources.*//')
[ $kills -ge 2 ] && ok "killed the ingest $kills times mid-run" ||
    notok "could not kill the ingest mid-run ($kills kills)"
eq "after kill -9 and resume: exactly the clean counts" "$got" "$want"
[ "${partial:-0}" -gt 0 ] && ok "killed runs kept their committed progress ($partial lines)" ||
    notok "no checkpoint survived the kills: resume not exercised"
eq "after kill -9: one source" "$(stat1 k.yaml sources)" 1
eq "after kill -9: every line accounted once" "$(stat1 k.yaml lines_ingested)" "$(wc -l <big.log | tr -d ' ')"
