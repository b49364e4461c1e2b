# ingest --follow behaves like tail -F: new lines are stored within a
# second or two, a partial line only once complete, and it carries on
# across rotation by rename and by copytruncate.
. "$ROOT/tests/lib.sh"
MSG='NOQUEUE: reject: RCPT from x[192.0.2.10]: 554 5.7.1 <a@remote.example>: Relay access denied; from=<joe@example.net> to=<a@remote.example> proto=ESMTP helo=<pc>'
line() { printf 'Nov 22 17:%02d:00 mx postfix/smtpd[1]: %s\n' "$1" "$MSG"; }
# denials [CONFIG]: the relay denials its database holds (0 before any).
denials() { v=$(stat1 "${1:-f.yaml}" events.relay_denial 2>/dev/null); echo "${v:-0}"; }
# wait_for N [CONFIG] [-ge]: until the database holds N relay denials
# (with -ge, N or more), at most 10 s.
wait_for() {
	i=0
	while [ $i -lt 50 ]; do
		[ "$(denials "${2:-f.yaml}")" "${3:--eq}" "$1" ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
mkconfig f.yaml
line 1 >mail.log
"$BIN" --config f.yaml ingest -q --follow mail.log 2>follow.err &
pid=$!
wait_for 1 && ok "follow: existing lines stored" || notok "follow: existing lines not stored"
line 2 >>mail.log
line 3 >>mail.log
wait_for 3 && ok "follow: appended lines stored promptly" || notok "follow: appended lines not seen"

line 4 | tr -d '\n' >>mail.log
sleep 1.5
eq "follow: a partial line waits" "$(stat1 f.yaml events.relay_denial)" 3
echo >>mail.log
wait_for 4 && ok "follow: the line is stored once complete" || notok "follow: completed line not stored"

# Rotation by rename: a line written to the old file just before, then a
# new file.
line 5 >>mail.log
mv mail.log mail.log.1
line 6 >mail.log
line 7 >>mail.log
wait_for 7 && ok "follow: survives rotation by rename" || notok "follow: lost lines across rename ($(stat1 f.yaml events.relay_denial))"

# copytruncate: the file is copied and emptied in place.
cp mail.log mail.log.1
: >mail.log
sleep 0.5
line 8 >>mail.log
line 9 >>mail.log
wait_for 9 && ok "follow: survives copytruncate" || notok "follow: lost lines across copytruncate ($(stat1 f.yaml events.relay_denial))"

kill -TERM $pid
wait $pid
eq "follow: stops cleanly on SIGTERM" "$?" 0
# Nothing twice: the rotated copies are known by their content.
rs f.yaml ingest -q mail.log.1 mail.log
eq "follow: rotated copies add nothing afterwards" "$(stat1 f.yaml events.relay_denial)" 9

# SIGTERM while standard input (a pipe) has gone quiet: ingest stops at
# once with what it read, rather than when the writer closes the pipe.
mkconfig p.yaml
mkfifo pipe
( line 1; line 2; exec sleep 30 ) >pipe &
wpid=$!
"$BIN" --config p.yaml ingest -q - <pipe 2>pipe.err &
pid=$!
wait_for 2 p.yaml
kill -TERM $pid
i=0
while [ $i -lt 15 ] && kill -0 $pid 2>/dev/null; do sleep 0.2; i=$((i + 1)); done
if kill -0 $pid 2>/dev/null; then
	notok "quiet pipe: SIGTERM did not stop ingest within 3 s"
	kill -KILL $pid
else
	ok "quiet pipe: SIGTERM stops ingest at once"
fi
wait $pid
kill $wpid 2>/dev/null
wait $wpid 2>/dev/null
eq "quiet pipe: what it read is stored" "$(stat1 p.yaml events.relay_denial)" 2

# --follow on a .gz: it cannot grow, and is not read again and again (the
# bytes it reads stay put while it waits).
mkconfig z.yaml
i=0
while [ $i -lt 20000 ]; do line $((i % 60)); i=$((i + 1)); done | gzip -c >big.gz
"$BIN" --config z.yaml ingest -q --follow big.gz 2>z.err &
pid=$!
sleep 1.5
r1=$(sed -n 's/^rchar: //p' /proc/$pid/io)
sleep 1
r2=$(sed -n 's/^rchar: //p' /proc/$pid/io)
kill -TERM $pid
wait $pid
[ $((r2 - r1)) -lt "$(wc -c <big.gz)" ] && ok "follow .gz: not read again while it waits" ||
    notok "follow .gz: read $((r2 - r1)) bytes in a second of waiting"
eq "follow .gz: its lines stored once" "$(stat1 z.yaml events.relay_denial)" 20000

# Stopped while waiting for a renamed file to come back: the summary
# counts what was read once (no wrapped byte count).
mkconfig w.yaml
line 1 >w.log
rs w.yaml ingest -q w.log
line 2 >>w.log
"$BIN" --config w.yaml ingest --json --follow w.log >w.json 2>w.err &
pid=$!
sleep 1
mv w.log w.log.1
sleep 1
kill -INT $pid
wait $pid
eq "stopped while the file is away: bytes counted once" "$(jget "$(cat w.json)" bytes)" "$(line 2 | wc -c)"

# Sendmail writes a denial's from= line when the client's session ends:
# followed, the denial waits a few seconds for it, across a quiet spell.
S=$ROOT/samples/logs/sendmail/mail.log
mkconfig sm.yaml
: >sm.log
"$BIN" --config sm.yaml ingest -q --follow --year 2026 sm.log 2>sm.err &
pid=$!
sleep 0.5
sed -n 4p "$S" >>sm.log
sleep 1.2
sed -n 5p "$S" >>sm.log
wait_for 1 sm.yaml
kill -TERM $pid
wait $pid
rs sm.yaml why --json 127.0.0.10 >sm.json
eq "follow: a Sendmail denial gets the sender of a from= line a second later" \
    "$(grep -o '"sender": "[^"]*"' sm.json | head -1)" '"sender": "joe@example.net"'

# A stream of Sendmail rejects (their from= lines filtered out) is stored
# as it comes, not held to its end: with more coming all the time, the
# first are in the database within seconds.
mkconfig sr.yaml
rej=$(sed -n 4p "$S")
mkfifo rpipe
(
	i=0
	while [ $i -lt 200 ]; do echo "$rej"; i=$((i + 1)); done
	i=0
	while [ $i -lt 60 ]; do echo "$rej"; sleep 0.2; i=$((i + 1)); done
) >rpipe &
wpid=$!
"$BIN" --config sr.yaml ingest -q --year 2026 - <rpipe 2>sr.err &
pid=$!
wait_for 200 sr.yaml -ge
n=$(denials sr.yaml)
kill -KILL $pid
wait $pid 2>/dev/null
kill $wpid 2>/dev/null
wait $wpid 2>/dev/null
[ "$n" -ge 200 ] && ok "a stream of Sendmail rejects is committed as it comes ($n)" ||
    notok "a stream of Sendmail rejects: $n stored after 10 s"

# A pipe that never goes quiet for a second (a line every 0.2 s): what
# came is still committed about every second.
mkconfig tr.yaml
mkfifo tpipe
( i=0; while [ $i -lt 50 ]; do line $((i % 60)); sleep 0.2; i=$((i + 1)); done ) >tpipe &
wpid=$!
"$BIN" --config tr.yaml ingest -q - <tpipe 2>tr.err &
pid=$!
sleep 3
v=$(stat1 tr.yaml events.relay_denial 2>/dev/null)
kill -TERM $pid
wait $pid
kill $wpid 2>/dev/null
wait $wpid 2>/dev/null
[ "${v:-0}" -ge 5 ] && ok "a steady trickle on a pipe is committed as it comes (${v:-0} after 3 s)" ||
    notok "a steady trickle on a pipe: ${v:-0} stored after 3 s"
