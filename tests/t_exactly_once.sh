# Exactly once: a source is known by its content (the first KiB), and its
# checkpoint commits with its events. Re-reading, renaming, compressing,
# piping, growing and rotating never store an event twice.
. "$ROOT/tests/lib.sh"
S=$ROOT/samples/logs
mkconfig c.yaml
cp "$S/postfix-dovecot-syslog/mail.log" mail.log
total() { j=$(rs c.yaml stats --json); echo $(( $(jget "$j" events.relay_denial) + $(jget "$j" events.login_ok) + $(jget "$j" events.login_failed) + $(jget "$j" events.other_reject) )); }

rs c.yaml ingest -q mail.log
n1=$(total)
[ "$n1" -gt 0 ] && ok "first ingest stores events ($n1)" || notok "first ingest stored nothing"

out=$(rs c.yaml ingest --json mail.log); rc=$?
eq "same file again: exit 0" "$rc" 0
eq "same file again: nothing new" "$(total)" "$n1"
eq "same file again: reported as already ingested" "$(printf '%s' "$out" | grep -c 'already ingested')" 1

cp mail.log copy-of-mail.log
rs c.yaml ingest -q copy-of-mail.log
eq "a copy under another name adds nothing" "$(total)" "$n1"

mv mail.log mail.log.1
rs c.yaml ingest -q mail.log.1
eq "renamed by rotation adds nothing" "$(total)" "$n1"

gzip -c mail.log.1 >mail.log.2.gz
rs c.yaml ingest -q mail.log.2.gz
eq "compressed by rotation (.gz) adds nothing" "$(total)" "$n1"

rs c.yaml ingest -q - <mail.log.1
eq "the same text on stdin adds nothing" "$(total)" "$n1"
gzip -c mail.log.1 | rs c.yaml ingest -q -
eq "the same text gzipped on stdin adds nothing" "$(total)" "$n1"

# A .gz whose compressed size is over the reader's input buffer (128 KiB):
# the same events as the plain text.
gzip -c "$S/generated/isp-week.log" >week.log.gz
[ "$(wc -c <week.log.gz)" -gt 131072 ] || notok "week.log.gz is too small to test this"
mkconfig gz.yaml
mkconfig plain.yaml
rs gz.yaml ingest -q week.log.gz
eq "a big .gz: ingest succeeds" "$?" 0
rs plain.yaml ingest -q "$S/generated/isp-week.log"
for k in events.relay_denial events.login_ok events.login_failed events.other_reject lines_ingested; do
	eq "a big .gz: $k as the plain text" "$(stat1 gz.yaml $k)" "$(stat1 plain.yaml $k)"
done

# A grown file: only the new lines count.
cp mail.log.1 grow.log
rs c.yaml ingest -q grow.log
eq "grown file, before growth: nothing new" "$(total)" "$n1"
grep 'Relay access denied' mail.log.1 | head -3 >>grow.log
rs c.yaml ingest -q grow.log
eq "grown file: exactly the 3 appended denials" "$(total)" $((n1 + 3))

# Rotation: the old file, then the new mail.log; then both again.
mkconfig r.yaml
head -100 "$S/postfix-dovecot-syslog/mail.log" >m.1
tail -n +101 "$S/postfix-dovecot-syslog/mail.log" >m.0
rs r.yaml ingest -q m.1
rs r.yaml ingest -q m.0
rs r.yaml ingest -q m.1 m.0
eq "rotated pair: same counts as the whole file" "$(stat1 r.yaml events.relay_denial)" \
    "$(grep -c 'Relay access denied' "$S/postfix-dovecot-syslog/mail.log")"

# A small file (under a KiB) that grows past a KiB keeps its identity.
mkconfig s.yaml
grep 'Relay access denied' "$S/postfix-dovecot-syslog/mail.log" >all.txt
head -2 all.txt >small.log
rs s.yaml ingest -q small.log
head -12 all.txt >small.log
rs s.yaml ingest -q small.log
rs s.yaml ingest -q small.log
eq "small file grown past 1 KiB: 12 events, none twice" "$(stat1 s.yaml events.relay_denial)" 12
eq "small file grown: still one source" "$(stat1 s.yaml sources)" 1

# An unterminated last line is held back until it is complete.
mkconfig p.yaml
head -2 all.txt >part.log
sed -n 3p all.txt | tr -d '\n' >>part.log
rs p.yaml ingest part.log >out.txt 2>err.txt
eq "partial last line: held back" "$(stat1 p.yaml events.relay_denial)" 2
grep -q 'no newline' err.txt && ok "partial last line: said so" || notok "partial last line: no message"
echo >>part.log
rs p.yaml ingest -q part.log
eq "partial last line: stored once complete" "$(stat1 p.yaml events.relay_denial)" 3

# A copy shorter than what was read from its file (copytruncate copied it
# while lines were still being written, and --follow read them): nothing
# new, not an error.
mkconfig sh.yaml
i=0
while [ $i -lt 40 ]; do printf 'Nov 22 17:%02d:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.%d]: 554 5.7.1 <a@remote.example>: Relay access denied\n' $((i % 60)) $((i + 1)); i=$((i + 1)); done >long.log
rs sh.yaml ingest -q long.log
head -n 30 long.log >long.log.1
gzip -c long.log.1 >long.log.2.gz
rs sh.yaml ingest --json long.log.1 long.log.2.gz >sh.json 2>sh.err
eq "a copy cut short: exit 0" "$?" 0
eq "a copy cut short: already ingested, nothing new" \
    "$(grep -o '"status":"[a-z ]*"' sh.json | sort -u) $(stat1 sh.yaml events.relay_denial)" '"status":"already ingested" 40'
grep -q "long.log.1: shorter than the [0-9]* bytes already read from it" sh.err &&
    ok "a copy cut short: said so" || { notok "a copy cut short: message"; cat sh.err; }
