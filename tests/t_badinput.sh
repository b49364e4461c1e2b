# Hostile and broken input: each gets a clear message, a non-zero exit when
# the run could not complete, and a database that holds exactly what was
# reported as stored.
. "$ROOT/tests/lib.sh"
S=$ROOT/samples/logs
MSG='NOQUEUE: reject: RCPT from x[192.0.2.10]: 554 5.7.1 <a@remote.example>: Relay access denied; from=<joe@example.net> to=<a@remote.example> proto=ESMTP helo=<pc>'
good() { printf 'Nov 22 17:%02d:00 mx postfix/smtpd[1]: %s\n' "$1" "$MSG"; }
mkconfig c.yaml

# Binary data and NUL bytes between good lines.
{ good 1; head -c 3000 /dev/urandom; echo; printf 'Nov 22 17:02:00 mx \0postfix: x\n'; good 3; } >bin.log
rs c.yaml ingest --json bin.log >out.json 2>err.txt
eq "binary data: run completes" "$?" 0
eq "binary data: good lines around it stored" "$(stat1 c.yaml events.relay_denial)" 2
[ "$(jget "$(cat out.json)" skipped.binary)" -ge 1 ] && ok "binary data: NUL lines counted as skipped" || notok "binary data: not counted"
grep -q "bin.log:[0-9]*: binary data" err.txt && ok "binary data: file:line in the message" || notok "binary data: no file:line message"

# NUL bytes are found a buffer at a time: many of them, across several
# buffer refills, one, two or at the very end of a line. Every NUL line is
# skipped and counted, every other line stored.
mkconfig nul.yaml
awk -v msg="$MSG" 'BEGIN { for (i = 1; i <= 30000; i++)
	if (i % 250 == 0) printf "Nov 22 17:00:00 mx postfix/smtpd[1]: ~%s~%s\n", msg, (i % 500 ? "" : "~");
	else printf "Nov 22 17:00:00 mx postfix/smtpd[1]: %s\n", msg }' | tr '~' '\0' >nul.log
rs nul.yaml ingest --json nul.log >nul.json 2>/dev/null
eq "NUL lines: every one skipped" "$(jget "$(cat nul.json)" skipped.binary)" 120
eq "NUL lines: every other line stored" "$(stat1 nul.yaml events.relay_denial)" 29880

# A line over 64 KiB, then a good line.
mkconfig l.yaml
{ good 1; printf 'Nov 22 17:02:00 mx postfix/smtpd[1]: '; head -c 100000 /dev/zero | tr '\0' x; echo; good 3; } >long.log
rs l.yaml ingest long.log >out.txt 2>err.txt
eq "long line: run completes" "$?" 0
eq "long line: the lines around it stored" "$(stat1 l.yaml events.relay_denial)" 2
grep -q "long.log:2: line longer than 64 KiB skipped" err.txt && ok "long line: file:line message" || { notok "long line: message"; cat err.txt; }
grep -q "1 longer than 64 KiB" out.txt && ok "long line: in the summary" || notok "long line: not in the summary"

# Invalid UTF-8 and terminal escapes in a field: stored, and JSON stays valid.
mkconfig u.yaml
printf 'Nov 22 17:01:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.10]: 554 5.7.1 <a@r.example>: Relay access denied; from=<j\377\033[2J@example.net> to=<a@r.example> proto=ESMTP helo=<pc>\n' >utf.log
rs u.yaml ingest -q utf.log
eq "invalid utf-8: stored" "$(stat1 u.yaml events.relay_denial)" 1
rs u.yaml rules test utf.log >rt.txt
if grep -q "$(printf '\033')" rt.txt; then notok "escape sequences reach the terminal"; else ok "escape sequences never reach the terminal"; fi

# Missing, unreadable and directory arguments: non-zero, the others still read.
mkconfig m.yaml
good 1 >fine.log
rs m.yaml ingest -q missing.log fine.log 2>err.txt
eq "missing file: exit 1" "$?" 1
grep -q "cannot open 'missing.log': No such file or directory" err.txt && ok "missing file: clear message" || notok "missing file: message"
eq "missing file: the other file still ingested" "$(stat1 m.yaml events.relay_denial)" 1
rs m.yaml ingest -q "$WORK" 2>err.txt
eq "directory: exit 1" "$?" 1
grep -q "is a directory" err.txt && ok "directory: clear message" || notok "directory: message"
if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
	chmod 755 "$WORK"; mkdir -p nb && chmod 777 nb
	printf 'database: %s/nb/n.db\nretention: never\n' "$WORK" >nb/n.yaml
	good 1 >nb/secret.log && chmod 000 nb/secret.log
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" --config nb/n.yaml ingest -q nb/secret.log 2>err.txt
	eq "unreadable file: exit 1" "$?" 1
	grep -q "cannot open 'nb/secret.log': Permission denied" err.txt && ok "unreadable file: clear message" || { notok "unreadable file: message"; cat err.txt; }
else
	skip "unreadable file (needs root to switch users)"
fi

# A database another writer holds locked: a clear message after the busy
# timeout, exit 1, and nothing half-written.
mkconfig k.yaml
rs k.yaml ingest -q fine.log
"$ROOT/build/tests/helper_lockdb" k.db 8 >lock.out &
lpid=$!
i=0; while [ ! -s lock.out ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
good 2 >more.log
rs k.yaml ingest -q more.log 2>err.txt
eq "locked database: exit 1" "$?" 1
grep -q "another process is writing" err.txt && ok "locked database: clear message" || { notok "locked database: message"; cat err.txt; }
kill $lpid 2>/dev/null; wait $lpid 2>/dev/null
eq "locked database: still exactly the first file" "$(stat1 k.yaml events.relay_denial)" 1
rs k.yaml ingest -q more.log
eq "locked database: the retry stores it" "$(stat1 k.yaml events.relay_denial)" 2

# A full disk: the run stops with a clear message; what it reported as
# stored is exactly what the database holds.
if [ "$(id -u)" -eq 0 ] && mkdir -p full && mount -t tmpfs -o size=640k tmpfs full 2>/dev/null; then
	printf 'database: %s/full/f.db\nretention: never\n' "$WORK" >f.yaml
	rs f.yaml ingest --json "$S/generated/isp-week.log" >out.json 2>err.txt
	rc=$?
	eq "full disk: exit 1" "$rc" 1
	grep -q "disk is full" err.txt && ok "full disk: clear message" || { notok "full disk: message"; cat err.txt; }
	reported=$(jget "$(cat out.json)" events.relay_denial)
	eq "full disk: database holds exactly what was reported" "$(stat1 f.yaml events.relay_denial)" "$reported"
	umount full
else
	skip "full disk (needs root to mount a small tmpfs)"
fi

# Stdin that pauses: what arrived is committed, the lock is not held while
# waiting for more.
mkconfig p.yaml
mkfifo pipe
( good 1; good 2; sleep 4; good 3 ) >pipe &
wpid=$!
"$BIN" --config p.yaml ingest -q - <pipe &
ipid=$!
sleep 3
eq "paused pipe: lines so far committed" "$(stat1 p.yaml events.relay_denial)" 2
good 9 >other.log
rs p.yaml ingest -q other.log
eq "paused pipe: another writer is not locked out" "$?" 0
wait $wpid; wait $ipid
eq "paused pipe: the rest stored when it comes" "$(stat1 p.yaml events.relay_denial)" 4

# A bad config: file:line:column, a hint, exit 3, and nothing runs.
printf 'database: %s/bad.db\nrelay_network: [192.0.2.0/24]\n' "$WORK" >bad.yaml
"$BIN" --config bad.yaml ingest fine.log 2>err.txt
eq "bad config: exit 3" "$?" 3
grep -q "bad.yaml:2:1: unknown key 'relay_network' (did you mean relay_networks?)" err.txt && ok "bad config: file:line:column and a hint" || { notok "bad config: message"; cat err.txt; }
[ ! -e bad.db ] && ok "bad config: nothing ran" || notok "bad config: a database was created"
printf 'database: %s/bad.db\nrelay_networks: [192.0.2.1/24]\n' "$WORK" >bad2.yaml
"$BIN" --config bad2.yaml ingest fine.log 2>err.txt
grep -q "bad2.yaml:2:.*host bits" err.txt && ok "bad config: a bad network is named" || { notok "bad network message"; cat err.txt; }

# A source that fails midway (a .gz cut short, as while it is being
# compressed): the whole lines before the cut are stored and the error
# says so; the next source is read as usual, and the whole file later
# adds exactly the rest.
mkconfig cut.yaml
i=0
while [ $i -lt 2200 ]; do good $((i % 60)); i=$((i + 1)); done >full.log
echo 'Nov 22 17:00:01 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from nowhere: Relay access denied' >>full.log
gzip -c full.log >full.gz
head -c $(($(wc -c <full.gz) - 20)) full.gz >cut.gz
{ good 1; echo 'Nov 22 17:00:02 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from nowhere: Relay access denied'; } >other.log
rs cut.yaml ingest -q cut.gz other.log 2>err.txt
eq "cut .gz: exit 1" "$?" 1
gzip -dc cut.gz >part.txt 2>/dev/null
whole=$(wc -l <part.txt)
[ "$whole" -gt 1000 ] && [ "$whole" -lt 2201 ] || notok "cut.gz: $whole whole lines, expected a cut within the file"
grep -q "cut.gz': the gzip data ends early.*the $whole lines before it are stored" err.txt &&
    ok "cut .gz: the message says it ends early and what was kept" || { notok "cut .gz message"; cat err.txt; }
eq "cut .gz: its whole lines stored, and the next file's" \
    "$(stat1 cut.yaml events.relay_denial)" \
    "$(($(head -n "$whole" part.txt | grep -c 'Relay access denied') + 1))"
rs cut.yaml ingest -q full.gz
eq "cut .gz, then whole: every denial stored once" \
    "$(stat1 cut.yaml events.relay_denial)" 2201
eq "cut .gz, then whole: every unmatched line counted once" \
    "$(jget "$(rs cut.yaml report --json)" ingest.unmatched_lines)" 2
# Not gzip past its magic bytes: named as damaged, not as an errno.
{ printf '\037\213\010\000\000\000\000\000\000\003'; head -c 3000 /dev/zero | tr '\0' x; } >junk.gz
rs cut.yaml ingest -q junk.gz 2>err.txt
eq "damaged .gz: exit 1" "$?" 1
grep -q "junk.gz': the gzip data is damaged" err.txt &&
    ok "damaged .gz: named as such" || { notok "damaged .gz message"; cat err.txt; }

# A line over 64 KiB still being written when the ingest reaches the end
# of the file: the next ingest starts at its beginning, so its tail (here
# shaped like a denial) is never read as a line of its own.
mkconfig grow.yaml
{ good 1; head -c 100000 /dev/zero | tr '\0' x; } >grow.log
rs grow.yaml ingest -q grow.log 2>/dev/null
{ printf ' '; good 5; good 6; } >>grow.log
rs grow.yaml ingest -q grow.log 2>/dev/null
eq "over-long line growing at the end: its tail is not an event" \
    "$(stat1 grow.yaml events.relay_denial)" 2
# Lines read: the good ones around it, and the over-long line once (it is
# skipped, but read), never its tail on its own.
eq "over-long line growing at the end: its tail is not a line" \
    "$(stat1 grow.yaml lines_ingested)" 3

# A short line that looks like the start of a date, ending exactly at the
# end of the reader's 1 MiB buffer: the envelope is not looked for past
# the line (the sanitizer build catches a read beyond it).
i=0
while [ $i -lt 10485 ]; do printf '%099d\n' 0; i=$((i + 1)); done | tr 0 x >edge.log
printf '%066d\n2026-11-\n' 0 | tr 0 x >>edge.log
eq "edge.log: the short line ends at 1 MiB" "$(wc -c <edge.log)" 1048576
rs c.yaml rules test edge.log >edge.txt 2>&1
eq "a short date-like line at the buffer's end: rules test completes" "$?" 0
grep -q "10487 read" edge.txt && ok "edge.log: every line read" || { notok "edge.log: lines"; head -3 edge.txt; }

# Resumed: messages number lines from the file's start, not the resume
# (an over-long line among them is a line read too).
mkconfig rl.yaml
i=0
while [ $i -lt 19 ]; do
	good 1
	[ $i = 9 ] && { head -c 70000 /dev/zero | tr '\0' x; echo; }
	i=$((i + 1))
done >resumed.log
out=$(rs rl.yaml ingest --json resumed.log 2>/dev/null)
eq "an over-long line is a line read (and counted as too long)" \
    "$(jget "$out" lines) $(jget "$out" skipped.too_long)" "20 1"
printf 'Nov 22 17:11:02 mx x\0y\n' >>resumed.log
rs rl.yaml ingest resumed.log 2>err.txt >/dev/null
grep -q "resumed.log:21: binary data" err.txt && ok "resumed: a bad line is named by its line in the file" ||
    { notok "resumed: line number"; cat err.txt; }

# Over-long lines one after another: each is named.
mkconfig ll.yaml
{ good 1; head -c 70000 /dev/zero | tr '\0' x; echo; head -c 70000 /dev/zero | tr '\0' y; echo; good 2; } >twolong.log
rs ll.yaml ingest twolong.log >/dev/null 2>err.txt
eq "two over-long lines in a row: each named" \
    "$(grep -o 'twolong.log:[0-9]*: line longer than 64 KiB skipped' err.txt | cut -d: -f2 | tr '\n' ' ')" "2 3 "
