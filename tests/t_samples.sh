# The real logs in samples/logs, written by Postfix 3.7, Dovecot 2.3,
# Exim 4.96 and Sendmail 8.17 (see samples/logs/README.md), ingested for real.
. "$ROOT/tests/lib.sh"
S=$ROOT/samples/logs

# Postfix + Dovecot through rsyslog: one mail.log.
mkconfig a.yaml
rs a.yaml ingest -q "$S/postfix-dovecot-syslog/mail.log"
j=$(rs a.yaml stats --json)
eq "syslog sample: every Relay access denied line is a relay denial" \
    "$(jget "$j" relay_denial_by_mta.postfix)" \
    "$(grep -c 'Relay access denied' "$S/postfix-dovecot-syslog/mail.log")"
eq "syslog sample: POP3 logins (joe, ann, bob)" "$(jget "$j" login_ok_by_service.pop3)" 3
eq "syslog sample: IMAP login (bob)" "$(jget "$j" login_ok_by_service.imap)" 1
eq "syslog sample: SMTP AUTH login (ann)" "$(jget "$j" login_ok_by_service.smtp-auth)" 1
# 4 Dovecot auth lines + 4 login-process lines + 1 Postfix SASL failure
eq "syslog sample: failed logins, one per line that reports one" \
    "$(jget "$j" events.login_failed)" 9
eq "syslog sample: first event time (UTC)" "$(jget "$j" first_event)" "2026-11-22T17:14:27Z"

# The same scenario from Postfix's maillog_file and Dovecot's log_path.
mkconfig b.yaml
rs b.yaml ingest -q "$S/postfix-dovecot-file/maillog" "$S/postfix-dovecot-file/dovecot.log"
j=$(rs b.yaml stats --json)
eq "file sample: relay denials" "$(jget "$j" relay_denial_by_mta.postfix)" \
    "$(grep -c 'Relay access denied' "$S/postfix-dovecot-file/maillog")"
eq "file sample: POP3 logins" "$(jget "$j" login_ok_by_service.pop3)" \
    "$(grep -c 'pop3-login: Info: Login:' "$S/postfix-dovecot-file/dovecot.log")"
eq "file sample: sources" "$(jget "$j" sources)" 2

# Exim's own mainlog: no duplicates there, every reject is one event.
mkconfig c.yaml
rs c.yaml ingest -q "$S/exim/mainlog"
j=$(rs c.yaml stats --json)
eq "exim mainlog: relay not permitted" "$(jget "$j" relay_denial_by_mta.exim)" \
    "$(grep -c 'relay not permitted' "$S/exim/mainlog")"
eq "exim mainlog: restricted characters are other rejections" \
    "$(jget "$j" events.other_reject)" "$(grep -c 'Restricted characters' "$S/exim/mainlog")"
eq "exim mainlog: A=PLAIN:ann is an SMTP AUTH login" "$(jget "$j" login_ok_by_service.smtp-auth)" 1
eq "exim mainlog: authenticator failed" "$(jget "$j" events.login_failed)" 1

# Sendmail: 550 Relaying denied, 450 Relaying temporarily denied, and the
# sender joined from the from= line that follows the reject.
mkconfig d.yaml
rs d.yaml ingest -q "$S/sendmail/mail.log"
j=$(rs d.yaml stats --json)
eq "sendmail: 550 relay denial" "$(jget "$j" relay_denial_by_mta.sendmail)" 1
eq "sendmail: 450 temporary denials" "$(jget "$j" events.relay_denial_temporary)" \
    "$(grep -c 'Relaying temporarily denied' "$S/sendmail/mail.log")"
rs d.yaml rules test --tsv "$S/sendmail/mail.log" >s.tsv
eq "sendmail: denial carries the sender of its from= line" \
    "$(awk -F'\t' '$2 == "relay_denial" { print $4 " " $7 " " $8 }' s.tsv)" \
    "127.0.0.10 joe@example.net friend@remote.example"
eq "sendmail: null sender <> joined too" \
    "$(awk -F'\t' '$2 == "relay_denial_temporary" && $8 == "user@aol.example" { print $7 "|" }' s.tsv)" "|"

# A from= line joins its denial within 200 lines, not later; denials whose
# from= never comes (a log cut down to its rejects) are stored, each once.
rej=$(sed -n 4p "$S/sendmail/mail.log")
from=$(sed -n 5p "$S/sendmail/mail.log")
filler() {
	i=0
	while [ $i -lt "$1" ]; do
		echo "Nov 22 17:11:03 mail sendmail[17950]: 6AMHB3Zz017950: to=<x$i@example.net>, delay=00:00:01, mailer=local, pri=30000, dsn=2.0.0, stat=Sent"
		i=$((i + 1))
	done
}
{
	echo "$rej"; filler 150; echo "$from"
	echo "$rej" | sed 's/6AMHB20q017943/6AMHB20q017999/'; filler 250
	echo "$from" | sed 's/6AMHB20q017943/6AMHB20q017999/'
} >late.log
rs d.yaml rules test --tsv late.log >late.tsv
eq "sendmail: from= 150 lines on joins, 250 lines on does not" \
    "$(awk -F'\t' '$2 == "relay_denial" { print $7 "|" }' late.tsv | tr '\n' ' ')" \
    "joe@example.net| | "
i=0
while [ $i -lt 300 ]; do
	echo "$rej" | sed "s/6AMHB20q017943/6AMHB20q$((100000 + i))/"
	i=$((i + 1))
done >rejects.log
mkconfig d2.yaml
rs d2.yaml ingest -q rejects.log
eq "sendmail: 300 rejects without from= lines are 300 denials" \
    "$(jget "$(rs d2.yaml stats --json)" relay_denial_by_mta.sendmail)" 300

# The generated ISP week: counts equal the generator's truth file.
mkconfig e.yaml
rs e.yaml ingest -q "$S/generated/isp-week.log"
j=$(rs e.yaml stats --json)
truth=$(tr -d '\n ' <"$S/generated/isp-week.truth.json")
eq "generated week: postfix relay denials = truth" "$(jget "$j" relay_denial_by_mta.postfix)" \
    "$(jget "$truth" relay_denials.postfix)"
eq "generated week: sendmail 550 = truth" "$(jget "$j" relay_denial_by_mta.sendmail)" \
    "$(jget "$truth" relay_denials.sendmail_550)"
eq "generated week: exim events (syslog twins collapsed) = truth" \
    "$(jget "$j" relay_denial_by_mta.exim)" "$(jget "$truth" relay_denials.exim_events)"
eq "generated week: temporary = truth" "$(jget "$j" events.relay_denial_temporary)" \
    "$(jget "$truth" relay_denials.sendmail_450_temporary)"
eq "generated week: pop3 logins = truth" "$(jget "$j" login_ok_by_service.pop3)" \
    "$(jget "$truth" logins.pop3)"
eq "generated week: imap logins = truth" "$(jget "$j" login_ok_by_service.imap)" \
    "$(jget "$truth" logins.imap)"
