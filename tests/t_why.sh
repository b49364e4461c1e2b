# `why` and `probes` on the real samples (each run in its own database:
# the two runs reuse users and addresses) and on the generated week.
. "$ROOT/tests/lib.sh"
S=$ROOT/samples/logs

# field JSON KEY: every value of "KEY": in the output, one a line.
field() {
	printf '%s\n' "$1" | grep -o "\"$2\": \"*[^,\"}]*" | sed 's/.*: "*//'
}
# denials JSON MTA: "id class probe" of each denial of MTA, one a line.
denials() {
	printf '%s\n' "$1" | sed 's/{"id": /\n/g' | awk -v mta="$2" '
	index($0, "\"mta\": \"" mta "\"") {
		id = $0; sub(/,.*/, "", id)
		c = $0; sub(/.*"evidence_class": "/, "", c); sub(/".*/, "", c)
		p = substr($0, index($0, "\"probe\": ") + 9); sub(/,.*/, "", p)
		print id, c, p
	}'
}

for mode in syslog file; do
	if [ $mode = syslog ]; then
		mkconfig $mode.yaml
		rs $mode.yaml ingest -q "$S/postfix-dovecot-syslog/mail.log"
	else
		mkconfig $mode.yaml
		rs $mode.yaml ingest -q "$S/postfix-dovecot-file/maillog" \
		    "$S/postfix-dovecot-file/dovecot.log"
	fi
	c=$mode.yaml

	# joe logged in by POP from 127.0.0.10 and was denied seconds later.
	j=$(rs $c why --json 127.0.0.10)
	eq "$mode: why 127.0.0.10: one denial" "$(field "$j" headline | wc -l)" 1
	eq "$mode: joe's denial is popauth-not-applied" \
	    "$(field "$j" headline)" popauth-not-applied
	eq "$mode: joe's denial is in_window" "$(field "$j" evidence_class)" \
	    in_window
	eq "$mode: the last login is joe's, by pop3" \
	    "$(jget "$j" facts.last_login.user) $(jget "$j" facts.last_login.service)" \
	    "joe pop3"
	id=$(jget "$j" id)

	# By address and by event id.
	j=$(rs $c why --json joe@example.net)
	eq "$mode: why joe@example.net: joe's own denial is in it" \
	    "$(denials "$j" postfix | grep -c "^$id in_window false")" 1
	eq "$mode: why joe@example.net: the forged ones are probes" \
	    "$(denials "$j" postfix | grep -v "^$id " | grep -vc ' true$')" 0
	j=$(rs $c why --json "$id")
	eq "$mode: why EVENT-ID" "$(jget "$j" id) $(jget "$j" headline)" \
	    "$id popauth-not-applied"
	j=$(rs $c why --json "#$id")
	eq "$mode: why #EVENT-ID" "$(jget "$j" id)" "$id"
	eq "$mode: why joe (a user) finds joe@example.net's denials" \
	    "$(rs $c why --json joe | denials "$(cat)" postfix | wc -l)" \
	    "$(denials "$(rs $c why --json joe@example.net)" postfix | wc -l)"
	t=$(rs $c why 127.0.0.10)
	case $t in
	*popauth-not-applied*"last login from this IP: joe by pop3"*"pop3-login"*)
		ok "$mode: text: headline, fact and the login's log line" ;;
	*)	notok "$mode: text: headline, fact and the login's log line"
		printf '%s\n' "$t" | sed 's/^/    /' ;;
	esac

	# Without POP-before-SMTP joe is a customer outside our networks.
	mkconfig ${mode}-nopop.yaml "popauth: { enabled: false }"
	sed -i "s|^database: .*|database: $WORK/$mode.db|" ${mode}-nopop.yaml
	j=$(rs ${mode}-nopop.yaml why --json 127.0.0.10)
	eq "$mode: popauth disabled: roaming (class still in_window)" \
	    "$(field "$j" headline) $(field "$j" evidence_class)" \
	    "roaming in_window"

	# The scanner.
	j=$(rs $c why --json 127.0.0.66)
	n=$(field "$j" headline | wc -l)
	check "$mode: why 127.0.0.66 finds its denials ($n)" test "$n" -ge 10
	eq "$mode: every 127.0.0.66 denial is a probe" \
	    "$(field "$j" headline | sort -u) $(denials "$j" postfix | \
	    awk '$3 != "true"' | wc -l)" "probe 0"
	# Its failed POP logins come after its denials: they count in the
	# probe figures of the window (policy's failed_logins fact is only
	# the window before a denial).
	check "$mode: 127.0.0.66: its failed logins show in the facts" \
	    test "$(jget "$j" facts.probe.failed_logins)" -gt 0
	j=$(rs $c probes --json)
	case $j in
	*'"ip": "127.0.0.66", "score": '*', "flagged": true'*)
		ok "$mode: probes: 127.0.0.66 flagged" ;;
	*)	notok "$mode: probes: 127.0.0.66 flagged"; echo "    $j" ;;
	esac
	eq "$mode: probes: only the scanner is flagged" \
	    "$(printf '%s\n' "$j" | grep -o '"ip": "[^"]*"' | tr '\n' ' ')" \
	    '"ip": "127.0.0.66" '
done

# No match: a clear message and exit 0; {"denials": []} with --json.
eq "no match: --json" "$(rs syslog.yaml why --json nobody@example.org)" \
    '{"denials": []}'
check "no match: text says so" sh -c \
    "\"$BIN\" --config syslog.yaml why 192.0.2.99 | grep -q 'no relay denials match'"
eq "since after everything: nothing" \
    "$(rs syslog.yaml why --json --since 2026-11-23 127.0.0.66)" \
    '{"denials": []}'
eq "until: only the denials up to then" \
    "$(rs syslog.yaml why --json --until 2026-11-22T17:14:45Z 127.0.0.66 | \
    denials "$(cat)" postfix | wc -l)" 2
eq "--limit" "$(rs syslog.yaml why --json --limit 3 127.0.0.66 | \
    denials "$(cat)" postfix | wc -l)" 3
check "text --limit: says how to see more" sh -c \
    "\"$BIN\" --config syslog.yaml why --limit 3 127.0.0.66 | grep -q 'the newest 3 shown; --limit N for more'"
check "usage error without an argument" sh -c \
    "! \"$BIN\" --config syslog.yaml why 2>/dev/null"
check "why --help" sh -c "\"$BIN\" --config syslog.yaml why --help | grep -q usage"
check "probes --help" sh -c "\"$BIN\" --config syslog.yaml probes --help | grep -q usage"

# Hostile log text: escape sequences never reach the terminal.
esc=$(printf '\033')
bel=$(printf '\007')
printf 'Nov 22 18:00:00 mail postfix/smtpd[1]: NOQUEUE: reject: RCPT from evil[127.0.0.99]: 554 5.7.1 <x\033[2J@remote.example>: Relay access denied; from=<a\033]0;pwned\007@example.net> to=<x\033[2J@remote.example> proto=ESMTP helo=<\033[31mred>\n' >evil.log
mkconfig evil.yaml
rs evil.yaml ingest -q evil.log
t=$(rs evil.yaml why 127.0.0.99)
j=$(rs evil.yaml why --json 127.0.0.99)
p=$(rs evil.yaml probes; rs evil.yaml probes --json)
eq "hostile line: found" "$(field "$j" id | wc -l)" 1
case "$t$j$p" in
*"$esc"* | *"$bel"*) notok "hostile line: no ESC or BEL in the output" ;;
*) ok "hostile line: no ESC or BEL in the output" ;;
esac
case $t in
*"Relay access denied"*) ok "hostile line: still shown (sanitized)" ;;
*) notok "hostile line: still shown (sanitized)" ;;
esac

# The generated week: the evidence classes of the Postfix relay denials
# equal the truth file's postfix_relay_classes_derived (its "other" is
# our "none"); the one probe burst is flagged, the single spam attempts
# are not. why takes one argument: ask for every denied client IP.
G=$S/generated
mkconfig gen.yaml
rs gen.yaml ingest -q "$G/isp-week.log"
grep 'postfix/smtpd.*Relay access denied' "$G/isp-week.log" |
    sed -n 's/.*RCPT from [^[]*\[\([^]]*\)\].*/\1/p' | sort -u >ips.txt
while read -r ip; do rs gen.yaml why --json "$ip"; done <ips.txt >gen.json
denials "$(cat gen.json)" postfix | sort -u >gen.tsv
truth() {
	sed -n '/"postfix_relay_classes_derived"/,/}/p' "$G/isp-week.truth.json" |
	    grep "\"$1\"" | grep -o '[0-9][0-9]*'
}
for cl in in_window expired roaming; do
	eq "generated: postfix $cl denials" \
	    "$(awk -v c=$cl '$2 == c' gen.tsv | wc -l)" "$(truth $cl)"
done
eq "generated: postfix none (truth: other)" \
    "$(awk '$2 == "none"' gen.tsv | wc -l)" "$(truth other)"
eq "generated: the burst's attempts are probes, nothing else" \
    "$(awk '$3 == "true"' gen.tsv | wc -l)" \
    "$(sed -n '/"probe_bursts": {/,/}/p' "$G/isp-week.truth.json" |
    grep '"attempts"' | grep -o '[0-9][0-9]*')"
eq "generated: probes flags the burst's IPs only" \
    "$(rs gen.yaml probes --json | grep -o '"ip": ' | wc -l)" \
    "$(sed -n '/"probe_bursts": {/,/}/p' "$G/isp-week.truth.json" |
    grep '"distinct_ips"' | grep -o '[0-9][0-9]*')"

# Exim writes no reply code: none shown (null in JSON), never a code 0.
mkconfig ex.yaml
rs ex.yaml ingest -q "$S/exim/mainlog"
j=$(rs ex.yaml why --json 127.0.0.10)
eq "exim: a denial without a reply code has code null" \
    "$(printf '%s\n' "$j" | grep -o '"code": [a-z0-9]*' | sort -u)" '"code": null'
rs ex.yaml why 127.0.0.10 >why.txt
grep -q '^denial #[0-9]*  .* ago)  exim$' why.txt &&
    ok "exim: the text names the MTA alone" || { notok "exim: text head"; head -3 why.txt; }
# A log whose year is guessed ahead of today: "in", not "ago".
mkconfig fut.yaml
sed -n 3p "$S/exim/mainlog" | sed 's/^2026/2099/' >future.log
rs fut.yaml ingest -q future.log
rs fut.yaml why 127.0.0.10 >why.txt
grep -q '^denial #[0-9]*  2099-11-22T17:10:56Z (UTC, in [0-9]*d [0-9]*h)' why.txt &&
    ok "a denial dated ahead: 'in', not 'ago'" || { notok "future denial head"; head -3 why.txt; }

# A network is not one client: why says so; probes names its window as
# the config does.
rs ex.yaml why 127.0.0.0/24 >/dev/null 2>err.txt
eq "why NETWORK: a usage error" "$?" 2
grep -q "'127.0.0.0/24' is a network: give one IP of it" err.txt &&
    ok "why NETWORK: says what to give" || { notok "why NETWORK message"; cat err.txt; }
rs ex.yaml probes | head -1 | grep -q "(window 1h, " &&
    ok "probes: the window as a duration" || { notok "probes window"; rs ex.yaml probes | head -1; }
