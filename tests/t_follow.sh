# ingest --follow behaves like tail -F: new lines are stored within a
# second or two, a partial line only once complete, and it carries on
# across rotation by rename and by copytruncate.
. "$ROOT/tests/lib.sh"
MSG='NOQUEUE: reject: RCPT from x[192.0.2.10]: 554 5.7.1 <a@remote.example>: Relay access denied; from=<joe@example.net> to=<a@remote.example> proto=ESMTP helo=<pc>'
line() { printf 'Nov 22 17:%02d:00 mx postfix/smtpd[1]: %s\n' "$1" "$MSG"; }
# wait_for N: until the database holds N relay denials (at most 10 s).
wait_for() {
	i=0
	while [ $i -lt 50 ]; do
		[ "$(stat1 f.yaml events.relay_denial 2>/dev/null)" = "$1" ] && return 0
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
