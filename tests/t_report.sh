# `report`: its counts equal what `why --json` says of every denial (the
# real samples, the generated week, popauth off, a --since/--until range),
# the text and CSV forms, bad arguments, an empty database, hostile text.
. "$ROOT/tests/lib.sh"
S=$ROOT/samples/logs

# why_all CONFIG LOG... [-- SINCE UNTIL]: "id mta class headline time" of
# every relay denial, asking why for each client IP the logs name (the
# rules' own view of the lines: rules test --tsv), each denial once.
why_all() {
	c=$1
	shift
	for f in "$@"; do
		"$BIN" rules test --tsv "$f"
	done | awk -F'\t' '$2 ~ /^relay_denial/ && $4 != "" { print $4 }' |
	    sort -u | while read -r ip; do
		rs "$c" why --json "$ip"
	done | sed 's/{"id": /\n/g' | awk '
	/"evidence_class": / {
		id = $0; sub(/,.*/, "", id)
		m = $0; sub(/.*"mta": "/, "", m); sub(/".*/, "", m)
		c = $0; sub(/.*"evidence_class": "/, "", c); sub(/".*/, "", c)
		h = $0; sub(/.*"headline": "/, "", h); sub(/".*/, "", h)
		t = $0; sub(/.*"time": "/, "", t); sub(/".*/, "", t)
		print id, m, c, h, t
	}' | sort -u -k1,1n
}

# same NAME CONFIG WHYFILE [REPORT ARGS...]: report --json's by_headline,
# evidence_class_by_mta and total against the lines of WHYFILE.
same() {
	name=$1 c=$2 w=$3
	shift 3
	j=$(rs "$c" report --json "$@")
	bad=""
	for h in in-relay-networks exception-not-applied exception-expired \
	    popauth-not-applied popauth-expired probe roaming login-failed \
	    no-login foreign; do
		[ "$(jget "$j" "by_headline.$h")" = \
		    "$(awk -v h=$h '$4 == h' "$w" | wc -l)" ] || bad="$bad $h"
	done
	for m in postfix sendmail exim courier; do
		for cl in in_window expired roaming none; do
			[ "$(jget "$j" "evidence_class_by_mta.$m.$cl")" = \
			    "$(awk -v m=$m -v c=$cl '$2 == m && $3 == c' "$w" | \
			    wc -l)" ] || bad="$bad $m/$cl"
		done
	done
	[ "$(jget "$j" denials)" = "$(wc -l <"$w")" ] || bad="$bad total"
	if [ -z "$bad" ] && [ -s "$w" ]; then ok "$name ($(wc -l <"$w") denials)"
	else
		notok "$name"
		echo "    differ:$bad"
		printf '%s\n' "$j" | cut -c1-600 | sed 's/^/    /'
	fi
}

# Each sample in its own database (the runs reuse users and addresses).
mkconfig syslog.yaml
rs syslog.yaml ingest -q "$S/postfix-dovecot-syslog/mail.log"
why_all syslog.yaml "$S/postfix-dovecot-syslog/mail.log" >syslog.why
same "postfix+dovecot syslog: report = why" syslog.yaml syslog.why

mkconfig file.yaml
rs file.yaml ingest -q "$S/postfix-dovecot-file/maillog" \
    "$S/postfix-dovecot-file/dovecot.log"
why_all file.yaml "$S/postfix-dovecot-file/maillog" >file.why
same "postfix+dovecot files: report = why" file.yaml file.why

mkconfig others.yaml
rs others.yaml ingest -q "$S/exim/mainlog" "$S/sendmail/mail.log"
why_all others.yaml "$S/exim/mainlog" "$S/sendmail/mail.log" >others.why
same "exim and sendmail: report = why" others.yaml others.why
check "exim and sendmail: both MTAs counted" test \
    "$(awk '{ print $2 }' others.why | sort -u | tr '\n' ' ')" = "exim sendmail "

# POP-before-SMTP off: the same denials, other headlines.
mkconfig nopop.yaml "popauth: { enabled: false }"
sed -i "s|^database: .*|database: $WORK/syslog.db|" nopop.yaml
why_all nopop.yaml "$S/postfix-dovecot-syslog/mail.log" >nopop.why
same "popauth disabled: report = why" nopop.yaml nopop.why
eq "popauth disabled: no popauth headline left" \
    "$(jget "$(rs nopop.yaml report --json)" by_headline.popauth-not-applied)" 0
check "popauth enabled: joe's popauth-not-applied is counted" test \
    "$(jget "$(rs syslog.yaml report --json)" by_headline.popauth-not-applied)" -ge 1

# The generated week: against why, and against its truth file.
G=$S/generated
mkconfig gen.yaml
rs gen.yaml ingest -q "$G/isp-week.log"
why_all gen.yaml "$G/isp-week.log" >gen.why
same "generated week: report = why" gen.yaml gen.why
truth() {
	sed -n '/"postfix_relay_classes_derived"/,/}/p' "$G/isp-week.truth.json" |
	    grep "\"$1\"" | grep -o '[0-9][0-9]*'
}
j=$(rs gen.yaml report --json)
for cl in in_window expired roaming; do
	eq "generated: postfix $cl = truth" \
	    "$(jget "$j" evidence_class_by_mta.postfix.$cl)" "$(truth $cl)"
done
eq "generated: postfix none = truth's other" \
    "$(jget "$j" evidence_class_by_mta.postfix.none)" "$(truth other)"

# A range: history before it (a login long ago, a probe window that
# starts before it) must judge the denials as why does.
since=$(awk 'NR == int(n / 3) { print $5 }' n="$(wc -l <gen.why)" gen.why)
until=$(awk 'NR == int(2 * n / 3) { print $5 }' n="$(wc -l <gen.why)" gen.why)
awk -v s="$since" -v u="$until" '$5 >= s && $5 <= u' gen.why >range.why
same "generated, --since/--until: report = why" gen.yaml range.why \
    --since "$since" --until "$until"
awk -v s="$since" '$5 >= s' gen.why >since.why
same "generated, --since only: report = why" gen.yaml since.why \
    --since "$since"
# Both ways of reading the history before a range: a lookup per address
# and login name (a range late in the week), and reading it in the scan (a
# range that starts soon after the first event).
for part in "late 18" "early 1"; do
	set -- $part
	at=$(awk -v k="$2" 'NR == int(k * n / 20) + 1 { print $5 }' n="$(wc -l <gen.why)" gen.why)
	awk -v s="$at" '$5 >= s' gen.why >part.why
	same "generated, --since $1 in the week: report = why" gen.yaml part.why \
	    --since "$at"
done
eq "--since after everything: no denials" \
    "$(jget "$(rs gen.yaml report --json --since 2099-01-01)" denials)" 0
eq "--since, --until echoed" \
    "$(jget "$(rs gen.yaml report --json --since "$since" --until "$until")" since)" \
    "$since"

# The sections.
j=$(rs syslog.yaml report --json)
case $j in
*'"probe_ips": [{"ip": "127.0.0.66", "network": "127.0.0.0/24", "denials": '*)
	ok "probe_ips: the scanner first" ;;
*)	notok "probe_ips: the scanner first"; echo "    $j" | cut -c1-300 ;;
esac
case $j in
*'"probe_networks": [{"network": "127.0.0.0/24", "ips": 1,'*)
	ok "probe_networks: its /24" ;;
*)	notok "probe_networks: its /24" ;;
esac
case $j in
*'"customers": [{"sender": "'*'"headline": "'*) ok "customers listed" ;;
*)	notok "customers listed" ;;
esac
eq "by_hour: 24 hours" "$(printf '%s\n' "$j" | grep -o '"hour": ' | wc -l)" 24
eq "by_day: the denials add up" \
    "$(printf '%s\n' "$j" | grep -o '"day": "[^"]*", "denials": [0-9]*' | \
    awk '{ s += $NF } END { print s }')" "$(jget "$j" denials)"
eq "ingest: last_event as stats says" "$(jget "$j" ingest.last_event)" \
    "$(stat1 syslog.yaml last_event)"
eq "ingest: lines as stats says" "$(jget "$j" ingest.lines_ingested)" \
    "$(stat1 syslog.yaml lines_ingested)"

# Text: the same numbers, readable.
t=$(rs syslog.yaml report)
eq "text: probe line" \
    "$(printf '%s\n' "$t" | awk '$1 == "probe" { print $2 }')" \
    "$(jget "$j" by_headline.probe)"
case $t in
*"by headline"*"evidence class by MTA"*"by day (UTC)"*"by hour of day"*"customers most affected"*"probing IPs"*"127.0.0.66"*"ingest health"*)
	ok "text: every section, in order" ;;
*)	notok "text: every section, in order"; printf '%s\n' "$t" | sed 's/^/    /' ;;
esac
check "text: --limit 1 says how to see more" sh -c \
    "\"$BIN\" --config gen.yaml report --limit 1 | grep -q '(1 of [0-9]* shown; --limit N for more)'"

# CSV: one table, eight columns, the same numbers.
rs syslog.yaml report --csv | tr -d '\r' >r.csv
eq "csv: header" "$(head -n 1 r.csv)" \
    "section,key,detail,count,probe,score,first,last"
eq "csv: every row has 8 fields" \
    "$(awk -F, 'NF != 8' r.csv | wc -l)" 0
eq "csv: headline rows = json" \
    "$(awk -F, '$1 == "headline" && $2 == "probe" { print $4 }' r.csv)" \
    "$(jget "$j" by_headline.probe)"
eq "csv: class_by_mta rows" "$(grep -c '^class_by_mta,' r.csv)" 20
eq "csv: hour rows" "$(grep -c '^hour,' r.csv)" 24
eq "csv: postfix none = json" \
    "$(awk -F, '$1 == "class_by_mta" && $2 == "postfix" && $3 == "none" { print $4 }' r.csv)" \
    "$(jget "$j" evidence_class_by_mta.postfix.none)"
check "csv: probe_ip row of the scanner" grep -q '^probe_ip,127\.0\.0\.66,127\.0\.0\.0/24,' r.csv

# Bad arguments: a clear message and status 2.
for args in "--since yesterday" "--until" "--limit x" "--json --csv" \
    "--since 2026-11-22 --until 2026-11-21" "--bogus" "extra"; do
	# shellcheck disable=SC2086
	rs syslog.yaml report $args >bad.out 2>bad.err
	rc=$?
	if [ $rc -eq 2 ] && grep -q '^relayscope: report: ' bad.err; then
		ok "bad arguments '$args': status 2 and a message"
	else
		notok "bad arguments '$args': status 2 and a message (got $rc)"
		sed 's/^/    /' bad.err
	fi
done
check "report --help" sh -c "\"$BIN\" --config syslog.yaml report --help | grep -q 'section,key,detail'"
check "help report" sh -c "\"$BIN\" help report | grep -q 'usage: relayscope'"

# An empty database.
mkconfig empty.yaml
: >empty.log
rs empty.yaml ingest -q empty.log
j=$(rs empty.yaml report --json)
eq "empty: no denials" "$(jget "$j" denials)" 0
eq "empty: every headline 0" "$(printf '%s\n' "$j" | \
    sed 's/.*"by_headline": {//; s/}.*//' | tr ',' '\n' | grep -c ': 0$')" 10
eq "empty: last_event null" "$(jget "$j" ingest.last_event)" null
check "empty: text says none" sh -c "\"$BIN\" --config empty.yaml report | grep -q '^  none'"
eq "empty: csv still has its rows" \
    "$(rs empty.yaml report --csv | grep -c '^headline,')" 10

# Hostile senders: no escape reaches the terminal; no formula in CSV.
esc=$(printf '\033')
printf 'Nov 22 18:00:00 mail postfix/smtpd[1]: NOQUEUE: reject: RCPT from evil[127.0.0.99]: 554 5.7.1 <x@remote.example>: Relay access denied; from=<=1+2,x"y@example.net> to=<x@remote.example> proto=ESMTP helo=<h>\n' >evil.log
printf 'Nov 22 18:00:02 mail postfix/smtpd[1]: NOQUEUE: reject: RCPT from evil[127.0.0.97]: 554 5.7.1 <x@remote.example>: Relay access denied; from=<-a\033]0;t\007b@example.net> to=<x@remote.example> proto=ESMTP helo=<h>\n' >>evil.log
mkconfig evil.yaml
rs evil.yaml ingest -q evil.log
all=$(rs evil.yaml report; rs evil.yaml report --json; rs evil.yaml report --csv)
case $all in
*"$esc"*) notok "hostile: no ESC in text, JSON or CSV" ;;
*) ok "hostile: no ESC in text, JSON or CSV" ;;
esac
c=$(rs evil.yaml report --csv)
case $c in
*'customer,"'"'"'=1+2,x""y@example.net",no-login,1,'*)
	ok "csv: formula neutralized, comma and quote quoted" ;;
*)	notok "csv: formula neutralized, comma and quote quoted"
	printf '%s\n' "$c" | grep customer | sed 's/^/    /' ;;
esac
case $c in
*"customer,'-a"*) ok "csv: a leading - neutralized" ;;
*) notok "csv: a leading - neutralized" ;;
esac

# Ingest health: lines that look like a denial or a login but that no rule
# read are counted once each, with the checkpoint of the lines around them:
# a second ingest of the same file adds none, new lines add theirs.
mkconfig un.yaml
good='Nov 22 17:00:00 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.10]: 554 5.7.1 <a@remote.example>: Relay access denied; from=<joe@example.net> to=<a@remote.example> proto=ESMTP helo=<pc>'
{ echo "$good"; echo 'Nov 22 17:00:01 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from nowhere: Relay access denied'; echo "$good"; } >un.log
n=$(jget "$(rs un.yaml ingest --json un.log)" suspicious_unmatched)
eq "health: ingest saw the unreadable denial" "$n" 1
eq "health: report counts it" "$(jget "$(rs un.yaml report --json)" ingest.unmatched_lines)" 1
rs un.yaml ingest -q un.log
eq "health: ingesting the file again adds nothing" \
    "$(jget "$(rs un.yaml report --json)" ingest.unmatched_lines)" 1
echo 'Nov 22 17:00:02 mx dovecot: pop3-login: Login: user=<joe>, method=PLAIN' >>un.log
rs un.yaml ingest -q un.log
eq "health: a new unreadable login line counts" \
    "$(jget "$(rs un.yaml report --json)" ingest.unmatched_lines)" 2
check "health: text says how to list them" sh -c "\"$BIN\" --config un.yaml report | grep -q 'unmatched     2 lines (relayscope rules test'"

# After an upgrade: a database of schema 1 is read as it is (the helpdesk
# keeps working) and says its unmatched lines are not counted; the next
# ingest upgrades it and counts from then on.
mkconfig old.yaml
rs old.yaml ingest -q un.log
"$ROOT/build/tests/helper_schema1" old.db
j=$(rs old.yaml report --json)
eq "schema 1: report still works" "$(jget "$j" denials)" 2
eq "schema 1: unmatched not counted" "$(jget "$j" ingest.unmatched_lines)" null
check "schema 1: why still works" sh -c "\"$BIN\" --config old.yaml why 192.0.2.10 | grep -q 'denial #'"
echo 'Nov 22 17:00:03 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from nowhere: Relay access denied' >>un.log
rs old.yaml ingest -q un.log
j=$(rs old.yaml report --json)
eq "schema 1, then ingest: counts the new line" "$(jget "$j" ingest.unmatched_lines)" 1
[ "$(jget "$j" ingest.unmatched_since)" != null ] &&
    ok "schema 1, then ingest: says since when it counts" ||
    notok "schema 1, then ingest: no unmatched_since"
# The upgrade to schema 3 keeps every field: the first denial's HELO,
# client host, program and rule are in its detail, its line still whole.
sql() { "$ROOT/build/tests/helper_sql" "$@"; }
eq "schema 3: the upgrade is recorded" "$(sql old.db 'PRAGMA user_version')" 3
eq "schema 3, upgraded: the detail of a denial" \
    "$(sql old.db "SELECT json_extract(detail, '\$.helo'), json_extract(detail, '\$.client_host'), json_extract(detail, '\$.prog'), json_extract(detail, '\$.rule'), json_extract(detail, '\$.pid') FROM events ORDER BY id LIMIT 1")" \
    'pc|x|postfix/smtpd|postfix-reject|1'
eq "schema 3, upgraded: its line" "$(sql old.db 'SELECT raw FROM events ORDER BY id LIMIT 1')" "$good"
eq "schema 3, upgraded: the old columns are gone" \
    "$(sql old.db "SELECT count(*) FROM pragma_table_info('events') WHERE name IN ('helo', 'usec', 'rule')")" 0
mkconfig new3.yaml
{ echo "$good"; echo 'Nov 22 17:00:05 mx dovecot: pop3-login: Login: user=<joe>, method=PLAIN, rip=192.0.2.10, lip=192.0.2.1'; } >new3.log
rs new3.yaml ingest -q new3.log
# A new database stores what the rule read; the envelope (host, program,
# pid) is the start of the line, and not repeated.
eq "schema 3, new: the detail of a denial" \
    "$(sql new3.db "SELECT detail FROM events ORDER BY id LIMIT 1")" \
    '{"status":"5.7.1","client_host":"x","helo":"pc","rule":"postfix-reject"}'
# Hostile text in a field stays text: the detail is valid JSON.
printf 'Nov 22 17:00:06 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.11]: 554 5.7.1 <a@remote.example>: Relay access denied; from=<> to=<a@remote.example> proto=ESMTP helo=<q"b\\s\033[2J>\n' >>new3.log
rs new3.yaml ingest -q new3.log
eq "schema 3, new: a hostile HELO is valid JSON, and whole" \
    "$(sql new3.db "SELECT json_valid(detail), json_extract(detail, '\$.helo') = 'q\"b\\s' || char(27) || '[2J' FROM events WHERE ip = (192 << 24) + 2 * 256 + 11")" '1|1'
# Long fields (a spammer picks his HELO and host name): whole JSON still.
long=$(printf '%0200d' 0 | tr 0 a)
printf 'Nov 22 17:00:07 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from %s[192.0.2.12]: 554 5.7.1 <a@remote.example>: Relay access denied; from=<> to=<a@remote.example> proto=ESMTP helo=<%s%s>\n' "$long" "$long" "$long" >>new3.log
rs new3.yaml ingest -q new3.log
eq "schema 3, new: long HELO and host, the detail is whole" \
    "$(sql new3.db "SELECT json_valid(detail), length(json_extract(detail, '\$.helo')) > 200, length(json_extract(detail, '\$.client_host')), json_extract(detail, '\$.rule') FROM events WHERE ip = (192 << 24) + 2 * 256 + 12")" \
    '1|1|200|postfix-reject'
eq "schema 3, new: a login's method and service" \
    "$(sql new3.db "SELECT service, json_extract(detail, '\$.method') FROM events WHERE kind = 4")" 'pop3|PLAIN'
# Addresses as the parser read them: IPv4 (and IPv4-mapped IPv6) as an
# INTEGER, IPv6 as its 16 bytes.
printf '%s\n' \
    'Nov 22 17:00:08 mx dovecot: imap-login: Login: user=<v6>, method=PLAIN, rip=2001:DB8:0:0::1, lip=192.0.2.1' \
    'Nov 22 17:00:09 mx dovecot: imap-login: Login: user=<v4m>, method=PLAIN, rip=::ffff:192.0.2.30, lip=192.0.2.1' >>new3.log
rs new3.yaml ingest -q new3.log
eq "schema 3, new: IPv6 and mapped IPv4 as stored" \
    "$(sql new3.db "SELECT user, typeof(ip), CASE typeof(ip) WHEN 'blob' THEN hex(ip) ELSE ip END FROM events WHERE user IN ('v6', 'v4m') ORDER BY user")" \
    "$(printf 'v4m|integer|%d\nv6|blob|20010DB8000000000000000000000001' $(( (192 << 24) + (2 << 8) + 30 )))"
