# `customer USER|ADDRESS` on the real Postfix+Dovecot sample: the logins
# by IP and the denials with their headlines.
. "$ROOT/tests/lib.sh"
S=$ROOT/samples/logs

# logins JSON: "ip count ok failed services" of each login row, one a line.
logins() {
	printf '%s\n' "$1" | sed 's/.*"logins": \[//; s/\], "denials".*//' |
	    sed 's/{"ip": /\n/g' | awk 'NF {
		ip = $0; sub(/^"/, "", ip); sub(/".*/, "", ip)
		n = split("count ok failed", k, " ")
		out = ip
		for (i = 1; i <= n; i++) {
			v = substr($0, index($0, "\"" k[i] "\": ") + length(k[i]) + 4)
			sub(/,.*/, "", v)
			out = out " " v
		}
		s = $0; sub(/.*"services": \[/, "", s); sub(/\].*/, "", s)
		gsub(/[" ]/, "", s)
		print out, s
	}'
}
# denials JSON: "ip headline" of each denial, one a line.
denials() {
	printf '%s\n' "$1" | sed 's/.*"denials": \[//' |
	    sed 's/{"id": /\n/g' | awk 'NF {
		ip = $0; sub(/.*"ip": "/, "", ip); sub(/".*/, "", ip)
		h = $0; sub(/.*"headline": "/, "", h); sub(/".*/, "", h)
		print ip, h
	}'
}

mkconfig c.yaml
rs c.yaml ingest -q "$S/postfix-dovecot-syslog/mail.log"

j=$(rs c.yaml customer --json joe)
eq "joe: customer key" "$(jget "$j" customer)" joe
eq "joe: 127.0.0.10, one ok pop3 login" \
    "$(logins "$j" | grep '^127\.0\.0\.10 ')" "127.0.0.10 1 1 0 pop3"
eq "joe: the scanner's failed logins as joe" \
    "$(logins "$j" | grep '^127\.0\.0\.66 ' | awk '{print $3, ($4 > 0)}')" \
    "0 1"
eq "joe: the denial from 127.0.0.10 is popauth-not-applied" \
    "$(denials "$j" | grep '^127\.0\.0\.10 ')" \
    "127.0.0.10 popauth-not-applied"
eq "joe: the forged ones are probes" \
    "$(denials "$j" | grep -v '^127\.0\.0\.10 ' | awk '{print $2}' | sort -u)" \
    probe
case $j in
*'"first": "2026-11-22T'*'Z", "last": "2026-11-22T'*'Z"'*)
	ok "joe: first and last seen in ISO UTC" ;;
*)	notok "joe: first and last seen in ISO UTC"; echo "    $j" ;;
esac

a=$(rs c.yaml customer --json joe@example.net)
eq "joe@example.net: the same logins and denials as joe" \
    "$(logins "$a"; denials "$a")" "$(logins "$j"; denials "$j")"

j=$(rs c.yaml customer --json bob)
eq "bob: 127.0.0.12, imap and pop3, count 2" \
    "$(logins "$j")" "127.0.0.12 2 2 0 imap,pop3"

t=$(rs c.yaml customer joe)
case $t in
*"logins by IP"*"127.0.0.10  2026-11-22T17:14:27Z .. 2026-11-22T17:14:27Z  1 ok, 0 failed  pop3"*"relay denials"*"127.0.0.10 -> friend@remote.example  popauth-not-applied"*"POP-before-SMTP"*)
	ok "joe: text: logins, denial with headline and advice" ;;
*)	notok "joe: text: logins, denial with headline and advice"
	printf '%s\n' "$t" | sed 's/^/    /' ;;
esac

# Unknown customer: says so, exit 0, empty lists.
check "unknown customer: text says so, exit 0" sh -c \
    "\"$BIN\" --config c.yaml customer nobody | grep -q 'no logins and no relay denials'"
eq "unknown customer: --json" "$(rs c.yaml customer --json nobody)" \
    '{"customer": "nobody", "logins": [], "denials": []}'
eq "--since after everything: empty" \
    "$(rs c.yaml customer --json --since 2026-11-23 joe)" \
    '{"customer": "joe", "logins": [], "denials": []}'
eq "--until before joe's login: nothing" \
    "$(rs c.yaml customer --json --until 2026-11-22T17:14:26Z joe)" \
    '{"customer": "joe", "logins": [], "denials": []}'
check "text --limit 1: says how to see more" sh -c \
    "\"$BIN\" --config c.yaml customer --limit 1 joe | grep -q -- '--limit N for more'"
eq "--limit 1: one IP, one denial" \
    "$(rs c.yaml customer --json --limit 1 joe | { x=$(cat); logins "$x" | wc -l; denials "$x" | wc -l; } | tr '\n' ' ')" \
    "1 1 "
check "usage error without an argument" sh -c \
    "! \"$BIN\" --config c.yaml customer 2>/dev/null"
check "customer --help" sh -c \
    "\"$BIN\" --config c.yaml customer --help | grep -q usage"

# Hostile log text: escape sequences never reach the output.
esc=$(printf '\033')
bel=$(printf '\007')
printf 'Nov 22 18:00:00 mail dovecot: pop3-login: Login: user=<ev\033[2Jil>, method=PLAIN, rip=127.0.0.98, lip=127.0.0.1, mpid=1, session=<x>\nNov 22 18:00:01 mail postfix/smtpd[1]: NOQUEUE: reject: RCPT from evil[127.0.0.98]: 554 5.7.1 <x\033[2J@remote.example>: Relay access denied; from=<ev\033[2Jil@example.net> to=<x\033]0;pwned\007@remote.example> proto=ESMTP helo=<\033[31mred>\n' >evil.log
mkconfig evil.yaml
rs evil.yaml ingest -q evil.log
u=$(printf 'ev\033[2Jil')
t=$(rs evil.yaml customer "$u"; rs evil.yaml customer --json "$u";
    rs evil.yaml customer "$u@example.net")
case $t in
*127.0.0.98*) ok "hostile lines: found" ;;
*) notok "hostile lines: found"; printf '%s\n' "$t" | cat -v ;;
esac
case "$t" in
*"$esc"* | *"$bel"*) notok "hostile lines: no ESC or BEL in the output" ;;
*) ok "hostile lines: no ESC or BEL in the output" ;;
esac
