# The command line: help, usage errors, stats, purge, config check,
# rules test.
. "$ROOT/tests/lib.sh"
MSG='NOQUEUE: reject: RCPT from x[192.0.2.10]: 554 5.7.1 <a@remote.example>: Relay access denied; from=<joe@example.net> to=<a@remote.example> proto=ESMTP helo=<pc>'

"$BIN" --help >out.txt; eq "--help exits 0" "$?" 0
grep -q '^usage: relayscope' out.txt && ok "--help prints the usage on stdout" || notok "--help output"
"$BIN" ingest --help >out.txt; eq "ingest --help exits 0" "$?" 0
grep -q -- '--follow' out.txt && ok "ingest --help lists --follow" || notok "ingest --help output"
"$BIN" --version | grep -q '^relayscope [0-9]' && ok "--version" || notok "--version"
"$BIN" frobnicate 2>err.txt; eq "unknown command: exit 2" "$?" 2
grep -q "unknown command 'frobnicate'" err.txt && ok "unknown command: named" || notok "unknown command message"
"$BIN" 2>/dev/null; eq "no command: exit 2" "$?" 2
mkconfig c.yaml
rs c.yaml ingest 2>err.txt; eq "ingest without FILE: exit 2" "$?" 2
rs c.yaml ingest --year abc x 2>err.txt; eq "ingest --year abc: exit 2" "$?" 2

# stats before any ingest says what to do.
rs c.yaml stats 2>err.txt; eq "stats on a missing database: exit 1" "$?" 1
grep -q "run 'relayscope ingest' first" err.txt && ok "stats on a missing database: says what to do" || { notok "stats missing db message"; cat err.txt; }

# Config found through $RELAYSCOPE_CONFIG and ./config.yaml.
printf 'Nov 22 17:01:00 mx postfix/smtpd[1]: %s\n' "$MSG" >one.log
RELAYSCOPE_CONFIG=c.yaml "$BIN" ingest -q one.log
eq "config from \$RELAYSCOPE_CONFIG" "$(stat1 c.yaml events.relay_denial)" 1
mkdir sub && cd sub && printf 'database: %s/sub.db\nretention: never\n' "$WORK" >config.yaml
"$BIN" ingest -q ../one.log && cd ..
eq "config from ./config.yaml" "$(stat1 sub/config.yaml events.relay_denial)" 1

# stats --json: the stable keys, times in UTC with a Z.
j=$(rs c.yaml stats --json)
for k in events.relay_denial events.relay_denial_temporary events.other_reject \
    events.login_ok events.login_failed relay_denial_by_mta.postfix \
    relay_denial_by_mta.sendmail relay_denial_by_mta.exim \
    relay_denial_by_mta.courier relay_denial_by_mta.other sources first_event; do
	[ -n "$(jget "$j" "$k")" ] && ok "stats --json has $k" || notok "stats --json lacks $k"
done
eq "stats --json first_event is UTC ISO 8601" "$(jget "$j" first_event)" "$(date -u +%Y)-11-22T17:01:00Z"

# purge deletes what is older than the retention; ingest skips it.
printf 'database: %s/p.db\nretention: 30d\n' "$WORK" >p.yaml
old=$(date -u -d '-60 days' '+%Y-%m-%dT%H:%M:%SZ')
new=$(date -u -d '-1 day' '+%Y-%m-%dT%H:%M:%SZ')
printf '%s mx postfix/smtpd[1]: %s\n%s mx postfix/smtpd[1]: %s\n' "$old" "$MSG" "$new" "$MSG" >p.log
out=$(rs p.yaml ingest --json p.log)
eq "retention: the old event is not stored" "$(stat1 p.yaml events.relay_denial)" 1
eq "retention: and is counted as skipped" "$(jget "$out" skipped.older_than_retention)" 1
# A new database: its indexes are built at the end, and the summary says
# how long that took, within the run's seconds.
awk -v j="$out" 'BEGIN {
	match(j, /"seconds":[0-9.]+/); s = substr(j, RSTART + 10, RLENGTH - 10) + 0
	match(j, /"index_seconds":[0-9.]+/); x = substr(j, RSTART + 16, RLENGTH - 16) + 0
	exit !(x > 0 && x <= s + 0) }' &&
    ok "ingest --json: index_seconds, within seconds" ||
    notok "ingest --json: index_seconds missing or wrong: $out"
printf 'database: %s/p.db\nretention: 12h\n' "$WORK" >p2.yaml
rs p2.yaml purge >out.txt
eq "purge: exit 0" "$?" 0
eq "purge: deletes events older than the retention" "$(stat1 p2.yaml events.relay_denial)" 0
grep -q "purged 1 events" out.txt && ok "purge: says how many" || notok "purge message"

# config check prints the effective config, which loads again.
rs c.yaml config check >eff.yaml 2>err.txt
eq "config check: exit 0" "$?" 0
grep -q "window: 15m" eff.yaml && ok "config check: defaults filled in" || notok "config check: no defaults"
"$BIN" --config eff.yaml config check >/dev/null 2>&1
eq "config check: its output is a valid config" "$?" 0

# rules test: counts per rule and the unmatched lines that look relevant.
printf 'Nov 22 17:01:00 mx postfix/smtpd[1]: %s\nNov 22 17:02:00 mx smtpd[9]: 550 5.7.1 relaying is somehow forbidden here\n' "$MSG" >r.log
rs c.yaml rules test r.log >out.txt
grep -Eq 'postfix-reject +1' out.txt && ok "rules test: hits per rule" || { notok "rules test: hits"; cat out.txt; }
grep -q 'unmatched r.log:2:' out.txt && ok "rules test: shows a line no rule matched" || notok "rules test: unmatched line not shown"

# An operator's own rule from config.yaml, for a customised message.
mkconfig o.yaml 'rules:' '  - name: isp-custom' '    kind: relay' \
    "    pattern: 'relaying is somehow forbidden here.*client=(?<ip>[0-9.]+)'" \
    '    contains: somehow forbidden'
printf 'Nov 22 17:02:00 mx smtpd[9]: 550 5.7.1 relaying is somehow forbidden here client=192.0.2.99\n' >o.log
rs o.yaml ingest -q o.log
eq "operator rule: its lines are relay denials" "$(stat1 o.yaml relay_denial_by_mta.other)" 1
rs o.yaml config check 2>warn.txt >/dev/null
grep -q "parses every line" warn.txt && notok "a rule with a contains: warned" || ok "a rule with a contains: no warning"
# Without `contains` (or with one too short to look for), every line is
# parsed: the rule (on a text no built-in rule looks for) and the built-in
# ones still find theirs among lines that hold nothing.
for cont in '' '    contains: fo'; do
	mkconfig on.yaml 'rules:' '  - name: isp-strangers' '    kind: relay' \
	    "    pattern: '550 mail for strangers refused client=(?<ip>[0-9.]+)'" \
	    ${cont:+"$cont"}
	{
		printf 'Nov 22 17:00:0%d mx postfix/qmgr[2]: 4F1: removed\n' 1 2 3
		printf 'Nov 22 17:02:00 mx smtpd[9]: 550 mail for strangers refused client=192.0.2.99\n'
		printf 'Nov 22 17:03:0%d mx postfix/qmgr[2]: 4F1: removed\n' 1 2 3
		printf 'Nov 22 17:04:00 mx postfix/smtpd[1]: %s\n' "$MSG"
	} >on.log
	rs on.yaml ingest -q on.log 2>warn.txt
	[ ! -s warn.txt ] && ok "ingest -q: no warning" || notok "ingest -q warned: $(cat warn.txt)"
	rs on.yaml config check 2>warn.txt >/dev/null
	grep -q "on.yaml:[0-9]*: rule 'isp-strangers'.*ingest parses every line" warn.txt &&
	    ok "config check: warns of the rule that slows ingest" ||
	    notok "config check: no warning ($(cat warn.txt))"
	rm -f on.db on.db-wal on.db-shm
	rs on.yaml ingest on.log 2>warn.txt >/dev/null
	grep -q "rule 'isp-strangers'" warn.txt && ok "ingest: warns of it" || notok "ingest: no warning"
	what=${cont:+with a short contains}
	eq "operator rule ${what:-without contains}: its line" \
	    "$(stat1 on.yaml relay_denial_by_mta.other)" 1
	eq "operator rule ${what:-without contains}: built-in lines" \
	    "$(stat1 on.yaml relay_denial_by_mta.postfix)" 1
	rm -f on.db on.db-wal on.db-shm
done
# config check compiles the operator's rules as ingest does: a bad pattern
# is an error that names the file and the line of the pattern.
mkconfig bp.yaml 'rules:' '  - name: isp-bad' '    kind: relay' \
    "    pattern: 'refused (?<ip>[0-9.]+'" '    contains: refused'
rs bp.yaml config check >/dev/null 2>err.txt
eq "config check: a pattern that does not compile: exit 3" "$?" 3
grep -q "bp.yaml:$(grep -n 'pattern:' bp.yaml | cut -d: -f1): rule 'isp-bad': bad pattern" err.txt &&
    ok "config check: the bad pattern's file and line" ||
    notok "config check: bad pattern message ($(cat err.txt))"

# More distinct literals than ingest looks for at once: every line is
# parsed, and config check and ingest say so. Rules whose texts start
# alike count once, and a few are no cause for a warning.
manyrules() {
	# manyrules FILE N SHARED: N rules; with SHARED, texts that start alike
	f=$1 n=$2 shared=$3 i=1
	{
		echo "database: $WORK/${f%.yaml}.db"
		echo 'rules:'
		while [ "$i" -le "$n" ]; do
			if [ -n "$shared" ]; then w=$(printf 'zqx%03d' "$i")
			else w=$(printf '%s' "$i" | cksum | cut -d' ' -f1); w=k$w; fi
			printf '  - name: r%d\n    kind: relay\n' "$i"
			printf "    pattern: '%s refused client=(?<ip>[0-9.]+)'\n" "$w"
			printf '    contains: %s refused\n' "$w"
			i=$((i + 1))
		done
	} >"$f"
}
manyrules m70.yaml 70 ''
manyrules m20.yaml 20 ''
manyrules s70.yaml 70 shared
w42=k$(printf 42 | cksum | cut -d' ' -f1)
{
	printf 'Nov 22 17:02:00 mx smtpd[9]: 550 %s refused client=192.0.2.99\n' "$w42"
	printf 'Nov 22 17:03:00 mx postfix/qmgr[2]: 4F1: removed\n'
	printf 'Nov 22 17:04:00 mx postfix/smtpd[1]: %s\n' "$MSG"
} >m.log
rs m70.yaml config check 2>warn.txt >/dev/null
eq "70 literal rules: config check exit 0" "$?" 0
grep -q "more than 64 distinct literals" warn.txt &&
    ok "config check: warns of too many literals" ||
    notok "config check: no warning of too many literals ($(cat warn.txt))"
rs m70.yaml ingest m.log 2>warn.txt >/dev/null
grep -q "more than 64 distinct literals" warn.txt &&
    ok "ingest: warns of too many literals" || notok "ingest: no warning"
eq "70 literal rules: the operator's line" "$(stat1 m70.yaml relay_denial_by_mta.other)" 1
eq "70 literal rules: the built-in line" "$(stat1 m70.yaml relay_denial_by_mta.postfix)" 1
for f in m20.yaml s70.yaml; do
	rs $f config check 2>warn.txt >/dev/null
	grep -q "literals" warn.txt && notok "$f: warned ($(cat warn.txt))" ||
	    ok "$f: no warning of too many literals"
done

# An ISP's own relay texts from a program relayscope does not know, in
# any case, at the end of the line or not.
mkconfig g.yaml
for t in '554 We do not Relay' '554 5.7.1 Unable To Relay' '550 RELAY ACCESS DENIED' \
    '550 we do not relay.' '550 relaying mail to <x@y.example> is not allowed'; do
	printf 'Nov 22 17:05:00 mx ispmail[9]: [192.0.2.50] %s\n' "$t"
done >g.log
rs g.yaml ingest -q g.log
eq "customised relay texts of an unknown program" "$(stat1 g.yaml relay_denial_by_mta.other)" 5
mkconfig ob.yaml 'rules:' '  - name: broken' '    kind: relay' "    pattern: 'unclosed(group'"
rs ob.yaml ingest -q o.log 2>err.txt
eq "operator rule with a bad pattern: exit 3" "$?" 3
grep -q "rule 'broken': bad pattern" err.txt && ok "bad pattern: named" || { notok "bad pattern message"; cat err.txt; }
# A named group that is no field (a typo) would lose its value silently.
mkconfig og.yaml 'rules:' '  - name: typo' '    kind: relay_denial' \
    "    pattern: 'no relay for (?<ipaddr>[0-9.]+)'" '    contains: no relay for'
rs og.yaml config check >out.txt 2>err.txt
eq "operator rule with an unknown group: config check exits 3" "$?" 3
grep -q "og.yaml:$(grep -n 'pattern:' og.yaml | cut -d: -f1): rule 'typo': the group 'ipaddr' is not a field (use ip," err.txt &&
    ok "unknown group: named, with its line and the fields" || { notok "unknown group message"; cat err.txt; }
# kind relay: 5xx a denial, 4xx a temporary one, any other code none.
mkconfig ok.yaml 'rules:' '  - name: gate' '    kind: relay' '    contains: gate says' \
    "    pattern: 'gate says (?<code>\\d{3}) for (?<ip>[0-9.]+)'"
for c in 554 451 250 221; do
	printf 'Nov 22 17:06:00 mx gate[9]: gate says %s for 192.0.2.7\n' "$c"
done >gate.log
rs ok.yaml ingest -q gate.log
j=$(rs ok.yaml stats --json)
eq "kind relay: 554 a denial, 451 a temporary one, 250 and 221 none" \
    "$(jget "$j" events.relay_denial) $(jget "$j" events.relay_denial_temporary) $(jget "$j" events.other_reject)" "1 1 0"

# On a terminal: a progress line and a summary; never an escape from a log.
if command -v script >/dev/null; then
	cp "$ROOT/samples/logs/generated/isp-week.log" week.log
	mkconfig t.yaml
	script -qec "$BIN --config t.yaml ingest week.log" /dev/null >tty.txt 2>&1
	grep -q 'lines/s' tty.txt && ok "terminal: progress line" || { notok "terminal: no progress line"; head -c 300 tty.txt; }
	grep -q 'stored .* events' tty.txt && ok "terminal: summary" || notok "terminal: no summary"
	script -qec "$BIN --config t.yaml ingest -q week.log" /dev/null >q.txt 2>&1
	[ ! -s q.txt ] && ok "terminal: -q prints nothing" || notok "terminal: -q printed $(head -c 100 q.txt)"
else
	skip "progress line (no script(1))"
fi

# install and uninstall honour DESTDIR and PREFIX.
( cd "$ROOT" && make -s install DESTDIR="$WORK/dest" PREFIX=/usr >/dev/null 2>&1 )
[ -x dest/usr/bin/relayscope ] && [ -f dest/usr/share/man/man1/relayscope.1 ] &&
    [ -f dest/etc/relayscope/config.yaml ] && ok "make install into DESTDIR" || notok "make install"
( cd "$ROOT" && make -s uninstall DESTDIR="$WORK/dest" PREFIX=/usr >/dev/null 2>&1 )
[ ! -e dest/usr/bin/relayscope ] && ok "make uninstall" || notok "make uninstall"

# ingest with no FILE reads the config's sources.
printf 'Nov 22 17:01:00 mx postfix/smtpd[1]: %s\n' "$MSG" >src1.log
mkconfig s.yaml 'sources:' "  - $WORK/src1.log" "  - path: $WORK/src2.log" '    format: syslog'
printf 'Nov 22 17:02:00 mx postfix/smtpd[1]: %s\n' "$MSG" >src2.log
rs s.yaml ingest -q
eq "ingest without FILE reads the config's sources" "$(stat1 s.yaml events.relay_denial)" 2
mkconfig n.yaml
rs n.yaml ingest 2>err.txt
eq "no FILE and no sources: exit 2" "$?" 2
# Empty input never becomes a source.
rs n.yaml ingest -q - </dev/null
eq "empty stdin: no source recorded" "$(stat1 n.yaml sources)" 0
"$BIN" help ingest | grep -q -- '--follow' && ok "relayscope help COMMAND" || notok "help COMMAND"
"$BIN" rules test --help >/dev/null; eq "rules test --help exits 0" "$?" 0
