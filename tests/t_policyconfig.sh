# probes: and advice: in config.yaml change the answers of why, customer
# and probes when asked again; a burst of a few hundred denials from one
# IP is diagnosed with the right probe flag at its edges.
. "$ROOT/tests/lib.sh"

# relay TIME IP SENDER RECIPIENT: a Postfix relay denial (ISO time, UTC).
relay() {
	echo "$1 mx postfix/smtpd[100]: NOQUEUE: reject: RCPT from unknown[$2]: 554 5.7.1 <$4>: Relay access denied; from=<$3> to=<$4> proto=ESMTP helo=<pc>"
}
# at SECONDS: 2026-11-22 from 00:00:00 UTC plus SECONDS (under a day).
at() {
	printf '2026-11-22T%02d:%02d:%02dZ' $(($1 / 3600)) $(($1 % 3600 / 60)) \
	    $(($1 % 60))
}
# flags JSON: "id probe headline" of each denial, one a line.
flags() {
	printf '%s\n' "$1" | sed 's/{"id": /\n/g' | awk 'NR > 1 {
		id = $0; sub(/,.*/, "", id)
		p = substr($0, index($0, "\"probe\": ") + 9); sub(/,.*/, "", p)
		h = $0; sub(/.*"headline": "/, "", h); sub(/".*/, "", h)
		print id, p, h
	}'
}

# 192.0.2.5: six attempts 10 minutes apart (50 minutes in all) to three
# domains, from a local sender with no login: with the defaults (1h, 10
# attempts, 5 domains, score 100) its score is 60, not a probe.
{
	for i in 0 1 2 3 4 5; do
		relay "$(at $((6 * 3600 + i * 600)))" 192.0.2.5 \
		    kim@example.net "u$i@dom$((i % 3)).example"
	done
} >six.log
mkconfig base.yaml
rs base.yaml ingest -q six.log
with() {
	f=$1
	shift
	mkconfig "$f" "$@"
	sed -i "s|^database: .*|database: $WORK/base.db|" "$f"
}
n_probe() { rs "$1" why --json 192.0.2.5 | grep -o '"probe": true' | wc -l; }

eq "defaults: six attempts in 50 minutes are not a probe" \
    "$(n_probe base.yaml) $(rs base.yaml why --json 192.0.2.5 |
    grep -o '"headline": "[^"]*"' | sort -u)" '0 "headline": "no-login"'
with att5.yaml "probes: { attempts: 5 }"
eq "attempts: 5: all six are probes" "$(n_probe att5.yaml)" 6
eq "attempts: 5: the headline is probe" \
    "$(rs att5.yaml why --json 192.0.2.5 | grep -o '"headline": "[^"]*"' |
    sort -u)" '"headline": "probe"'
with att5w20.yaml "probes: { attempts: 5, window: 20m }"
eq "attempts: 5, window: 20m: at most three in a window, none" \
    "$(n_probe att5w20.yaml)" 0
with dom3.yaml "probes:" "  domains: 3"
eq "domains: 3: all six are probes" "$(n_probe dom3.yaml)" 6
with score60.yaml "probes: {score: 60}"
eq "score: 60: all six are probes" "$(n_probe score60.yaml)" 6
with score61.yaml "probes: {score: 61}"
eq "score: 61: none" "$(n_probe score61.yaml)" 0
j=$(rs dom3.yaml why --json 192.0.2.5)
eq "domains: 3: the score in the facts" "$(jget "$j" facts.probe.score)" 100
eq "probes --json: unflagged with the defaults" \
    "$(rs base.yaml probes --json | grep -c '"ip": "192.0.2.5"')" 0
eq "probes --json: flagged with domains: 3" \
    "$(rs dom3.yaml probes --json | grep -c '"ip": "192.0.2.5", "score": 100, "flagged": true')" 1
case $(rs dom3.yaml probes) in
*"window 1h, 10 attempts, 3 domains, score 100"*)
	ok "probes: the text names the thresholds in effect" ;;
*)	notok "probes: the text names the thresholds in effect" ;;
esac

# Custom advice, %w and %c filled in with popauth's window, in why's
# text and --json and in customer.
with adv.yaml "popauth: { window: 20m }" "advice:" \
    "  no-login: |" \
    "    Check mail every %c minutes (you may send for %w after)." \
    "    Helpdesk 0800 123 4567, https://help.example.net/smtp (100%% free)" \
    "  probe: 'Blocklisted: abuse@example.net'"
t=$(rs adv.yaml why 192.0.2.5)
case $t in
*"  advice
    Check mail every 19 minutes (you may send for 20 after).
    Helpdesk 0800 123 4567, https://help.example.net/smtp (100% free)
"*)	ok "advice: why text, two lines, indented, %c %w %% filled in" ;;
*)	notok "advice: why text, two lines, indented, %c %w %% filled in"
	printf '%s\n' "$t" | sed -n '/advice/,+3p' | sed 's/^/    /' ;;
esac
j=$(rs adv.yaml why --json --limit 1 192.0.2.5)
case $j in
*'"advice": "Check mail every 19 minutes (you may send for 20 after).\u000aHelpdesk 0800 123 4567, https://help.example.net/smtp (100% free)"}]}')
	ok "advice: why --json" ;;
*)	notok "advice: why --json"; echo "    $j" ;;
esac
case $(rs adv.yaml customer --json kim@example.net) in
*'"headline": "no-login", "evidence_class": "none", "probe": false, "advice": "Check mail every 19 minutes'*)
	ok "advice: customer --json" ;;
*)	notok "advice: customer --json" ;;
esac
case $(rs adv.yaml customer kim) in
*"no-login
    Check mail every 19 minutes (you may send for 20 after).
    Helpdesk 0800 123 4567"*)
	ok "advice: customer text" ;;
*)	notok "advice: customer text" ;;
esac
with advp.yaml "probes: { attempts: 5 }" "advice:" \
    "  probe: 'Blocklisted: abuse@example.net'"
eq "advice: the probe headline's own text" \
    "$(rs advp.yaml why --json --limit 1 192.0.2.5 | jget "$(cat)" advice)" \
    "Blocklisted: abuse@example.net"
case $(rs base.yaml why --json --limit 1 192.0.2.5) in
*'"advice": "The customer'"'"'s mail program sends without checking mail first'*)
	ok "advice: without advice: the built-in text" ;;
*)	notok "advice: without advice: the built-in text" ;;
esac

# config check prints the effective settings, and its output loads back
# to the same.
rs adv.yaml config check >eff.yaml 2>/dev/null
case $(cat eff.yaml) in
*"probes:
  window: 1h
  attempts: 10
  domains: 5
  score: 100"*"  no-login: |-
    Check mail every %c minutes (you may send for %w after).
    Helpdesk 0800 123 4567, https://help.example.net/smtp (100%% free)
"*) ok "config check: probes and advice" ;;
*)	notok "config check: probes and advice"; sed 's/^/    /' eff.yaml ;;
esac
rs eff.yaml config check >eff2.yaml 2>/dev/null
eq "config check: its output loads to the same" \
    "$(tail -n +2 eff2.yaml)" "$(tail -n +2 eff.yaml)"

# Mistakes: FILE:LINE:COLUMN, what is wrong, how to fix it; exit 3.
with bad1.yaml "advice:" "  roming: 'x'"
"$BIN" --config bad1.yaml why 192.0.2.5 >/dev/null 2>err.txt
eq "misspelt headline: exit 3" "$?" 3
eq "misspelt headline: the message" "$(cat err.txt)" \
    "relayscope: bad1.yaml:5:3: unknown key 'roming' in 'advice' (did you mean roaming?)"
with bad2.yaml "advice:" "  roaming: 'Save 10%!'"
"$BIN" --config bad2.yaml why 192.0.2.5 >/dev/null 2>err.txt
case $(cat err.txt) in
*"bad2.yaml:5:12: 'advice.roaming': unknown '%!' at character 8: write %w"*)
	ok "a bad % sequence" ;;
*)	notok "a bad % sequence"; cat err.txt ;;
esac
with bad3.yaml "probes: { window: 10 minutes }"
"$BIN" --config bad3.yaml probes >/dev/null 2>err.txt
case $(cat err.txt) in
*"bad3.yaml:4:19: 'probes.window' is not a duration: '10 minutes'"*)
	ok "a bad probes window" ;;
*)	notok "a bad probes window"; cat err.txt ;;
esac

# 198.51.100.7: a burst of 300 attempts, one every 20 seconds (100
# minutes, longer than the window), each to its own domain, with lone
# attempts 61 and 30 minutes before its first and 30 and 61 minutes after
# its last. A denial is a probe when a flagged window contains it: the
# burst, and the lone ones within a window of it.
B=$((8 * 3600))
L=$((B + 299 * 20))
{
	relay "$(at $((B - 3660)))" 198.51.100.7 x@spam.example a@lone1.example
	relay "$(at $((B - 1800)))" 198.51.100.7 x@spam.example a@lone2.example
	i=0
	while [ $i -lt 300 ]; do
		relay "$(at $((B + i * 20)))" 198.51.100.7 "s$((i % 7))@spam.example" \
		    "r$i@d$i.example"
		i=$((i + 1))
	done
	relay "$(at $((L + 1800)))" 198.51.100.7 x@spam.example a@lone3.example
	relay "$(at $((L + 3660)))" 198.51.100.7 x@spam.example a@lone4.example
} >burst.log
mkconfig burst.yaml
rs burst.yaml ingest -q burst.log
j=$(rs burst.yaml why --json 198.51.100.7)
flags "$j" >burst.tsv
eq "burst: 304 denials" "$(wc -l <burst.tsv)" 304
# Newest first: lone4, lone3, the burst (last first), lone2, lone1.
eq "burst: the lone attempt 61 minutes after is no probe" \
    "$(sed -n 1p burst.tsv | cut -d' ' -f2)" false
eq "burst: the lone attempt 30 minutes after is a probe" \
    "$(sed -n 2p burst.tsv | cut -d' ' -f2)" true
eq "burst: all 300 of the burst are probes" \
    "$(sed -n 3,302p burst.tsv | cut -d' ' -f2,3 | sort | uniq -c |
    sed 's/^ *//')" "300 true probe"
eq "burst: the lone attempt 30 minutes before is a probe" \
    "$(sed -n 303p burst.tsv | cut -d' ' -f2)" true
eq "burst: the lone attempt 61 minutes before is no probe" \
    "$(sed -n 304p burst.tsv | cut -d' ' -f2)" false
# Each denial's facts are its own: the same asked alone by its id.
for k in 1 2 3 302 303 304; do
	id=$(sed -n ${k}p burst.tsv | cut -d' ' -f1)
	one=$(rs burst.yaml why --json "$id" | sed 's/^{"denials": \[//; s/\]}$//')
	case $j in
	*"$one"*) ok "burst: denial $k (#$id) alone: the same facts" ;;
	*)	notok "burst: denial $k (#$id) alone: the same facts"
		echo "    $one" ;;
	esac
done
# A 20-minute window: the lone ones 30 minutes away are alone now.
with burst20.yaml "probes: { window: 20m }"
sed -i "s|^database: .*|database: $WORK/burst.db|" burst20.yaml
rs burst20.yaml why --json 198.51.100.7 | flags "$(cat)" >burst20.tsv
eq "burst, window 20m: flags of lone4, lone3, first, last, lone2, lone1" \
    "$(sed -n '1p;2p;3p;302p;303p;304p' burst20.tsv | cut -d' ' -f2 |
    tr '\n' ' ')" "false false true true false false "
eq "burst: customer sees the forged sender's denials as probes" \
    "$(rs burst.yaml customer --json s0@spam.example |
    grep -o '"headline": "probe"' | wc -l)" 43

# facts.failed_logins: failed logins (any service) from the IP within the
# popauth window before the denial, ends included, the same second
# counting as before; facts.probe.failed_logins is the probe window's.
fail() {
	echo "$1 mx dovecot: pop3-login: Disconnected: Aborted login by logging out (auth failed, 1 attempts in 2 secs): user=<kim>, method=PLAIN, rip=$2, lip=127.0.0.1, session=<x$3>"
}
{
	fail "$(at 35099)" 192.0.2.20 1	# 901 s before: outside
	fail "$(at 35100)" 192.0.2.20 2	# 900 s before: inside
	fail "$(at 36000)" 192.0.2.20 3	# the same second: inside
	relay "$(at 36000)" 192.0.2.20 kim@example.net a@far.example
	fail "$(at 36001)" 192.0.2.20 4	# a second later: not before
	fail "$(at 39600)" ::ffff:192.0.2.21 5
	relay "$(at 39900)" 192.0.2.21 kim@example.net a@far.example
} >failed.log
mkconfig failed.yaml
rs failed.yaml ingest -q failed.log
j=$(rs failed.yaml why --json 192.0.2.20)
eq "failed logins: the window's, ends included" \
    "$(jget "$j" headline) $(jget "$j" facts.failed_logins) $(jget "$j" facts.probe.failed_logins)" \
    "login-failed 2 4"
j=$(rs failed.yaml why --json 192.0.2.21)
eq "failed logins: ::ffff: form is the same IP" \
    "$(jget "$j" facts.failed_logins)" 1
