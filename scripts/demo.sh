#!/bin/sh
# demo.sh: ingest the sample logs into a fresh demo database and show them.
#
# Run from the repository root after the build; `make demo` does both.
# It writes ./demo.yaml if there is none (an existing one is kept, so edit
# it freely), starts again from an empty demo.db, ingests samples/logs,
# prints `relayscope stats` and a short `relayscope rules test`.
#
# Once the console exists, the demo will end by opening it on demo.db.
set -u

RS=./relayscope
CONF=demo.yaml
S=samples/logs

if [ ! -x "$RS" ] || [ ! -d "$S" ]; then
	echo "demo: run it from the repository root after the build" \
	    "(make demo does both)" >&2
	exit 1
fi

if [ ! -e "$CONF" ]; then
	cat >"$CONF" <<'EOF'
# relayscope demo configuration, written by scripts/demo.sh, which keeps
# it from then on. config.yaml describes every key.
database: demo.db
# The samples are dated November 2026: never purge them for their age.
retention: never
local_domains:
  - example.net
  - example.org
  - example.com
relay_networks:
  - 127.0.0.1/32
  - "::1/128"
EOF
	echo "demo: wrote $CONF"
fi

# A fresh database each time, so the counts below are always the same.
rm -f demo.db demo.db-wal demo.db-shm

# What goes in, and what stays out:
# - samples/logs/exim/rejectlog repeats the reject lines of exim/mainlog;
#   reading both would count every Exim reject twice.
# - samples/logs/postfix-dovecot-syslog/mail.log is a second run of the
#   Postfix/Dovecot scenario of postfix-dovecot-file/, with the same users
#   and addresses about a minute and a half later; in one database the two
#   runs would read as one customer doing everything twice. Ingest it into
#   a database of its own.
# The syslog timestamps carry no year and every sample is from 2026, so
# --year 2026 keeps the demo's dates right whatever today's date is.
echo "demo: ingesting samples/logs into demo.db"
"$RS" --config "$CONF" ingest --year 2026 \
    "$S/postfix-dovecot-file/maillog" \
    "$S/postfix-dovecot-file/dovecot.log" \
    "$S/exim/mainlog" \
    "$S/sendmail/mail.log" \
    "$S/generated/isp-week.log" || exit 1

echo
echo "\$ relayscope --config $CONF stats"
"$RS" --config "$CONF" stats || exit 1

echo
echo "\$ relayscope --config $CONF rules test $S/sendmail/mail.log"
echo "(rules without a hit left out)"
out=$("$RS" --config "$CONF" rules test "$S/sendmail/mail.log") || exit 1
printf '%s\n' "$out" | grep -v '^  [^ ]*  *0$'

echo
echo "\$ relayscope --config $CONF report --limit 5"
"$RS" --config "$CONF" report --limit 5 || exit 1

cat <<EOF

Try next:
  ./relayscope --config $CONF probes
  ./relayscope --config $CONF why 127.0.0.66          # the sample's open-relay scanner
  ./relayscope --config $CONF customer joe
  ./relayscope --config $CONF report --json
  ./relayscope --config $CONF stats --json
  ./relayscope --config $CONF rules test --tsv $S/exim/mainlog
  ./relayscope --config $CONF rules test $S/postfix-dovecot-syslog/mail.log
  ./relayscope --config $CONF ingest $S/exim/mainlog   # again: adds nothing
  ./relayscope --config $CONF config check
  ./relayscope --help        # and man/relayscope.1
EOF
