# lib.sh: helpers for the tests. Each test script runs in its own empty
# directory ($WORK) with $BIN the relayscope binary and $ROOT the checkout.

ok() { echo "ok - $*"; echo "ok - $*" >>"$RESULTS"; }
notok() { echo "not ok - $*"; echo "not ok - $* ($T_NAME)" >>"$RESULTS"; }
skip() { echo "skip - $*"; echo "skip - $*" >>"$RESULTS"; }
T_NAME=$(basename "$0" .sh)

# check NAME CMD...: passes when CMD exits 0.
check() {
	name=$1
	shift
	if "$@" >check.out 2>&1; then ok "$name"; else
		notok "$name"
		sed -n '1,15p' check.out | sed 's/^/    /'
	fi
}

# eq NAME GOT WANT
eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		notok "$1"
		echo "    got:  $2"
		echo "    want: $3"
	fi
}

# config FILE [extra yaml lines...]: a config with its database beside it.
mkconfig() {
	f=$1
	shift
	{
		echo "database: $WORK/${f%.yaml}.db"
		echo "retention: never"
		echo "local_domains: [example.net, example.org, example.com]"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}

# rs CONFIG ARGS...: run relayscope with a config.
rs() {
	c=$1
	shift
	"$BIN" --config "$c" "$@"
}

# jget JSON PATH: a number or string from flat JSON, e.g. events.relay_denial
# or relay_denial_by_mta.postfix (the formats relayscope prints).
jget() {
	printf '%s\n' "$1" | awk -v path="$2" '
	{
		n = split(path, k, ".")
		s = $0
		for (i = 1; i <= n; i++) {
			p = index(s, "\"" k[i] "\":")
			if (p == 0) { print ""; exit }
			s = substr(s, p + length(k[i]) + 3)
		}
		sub(/^ */, "", s)
		if (substr(s, 1, 1) == "\"") { s = substr(s, 2); sub(/".*/, "", s) }
		else sub(/[,} ].*/, "", s)
		print s
	}'
}

# stat1 CONFIG PATH: one value of stats --json
stat1() { jget "$(rs "$1" stats --json)" "$2"; }
