# Every relay denial and login in the public corpus (tests/corpus, see its
# SOURCES.md) parses as its .expect.tsv says; no other line becomes one.
# Then each file goes through a real ingest and the database's counts
# match the labels.
. "$ROOT/tests/lib.sh"
mkconfig c.yaml
for log in "$ROOT"/tests/corpus/*/*.log "$ROOT"/tests/cases/*.log; do
	exp=${log%.log}.expect.tsv
	name=${log#"$ROOT"/tests/}
	rs c.yaml rules test --tsv "$log" >got.tsv 2>err.txt
	bad=$(awk -F'\t' '
	NR == FNR { if (FNR > 1) got[$1] = $0; next }
	FNR > 1 {
		split(got[$1], g, "\t")
		strict = $2 ~ /^(relay_denial|relay_denial_temporary|login_ok|login_failed)$/
		gstrict = g[2] ~ /^(relay_denial|relay_denial_temporary|login_ok|login_failed)$/
		if (strict && got[$1] != $0)
			printf "line %s: want [%s] got [%s]\n", $1, $0, got[$1]
		else if (!strict && gstrict)
			printf "line %s: is %s, must not be\n", $1, g[2]
	}' got.tsv "$exp")
	if [ -z "$bad" ]; then ok "corpus $name: fields"; else
		notok "corpus $name: fields"
		printf '%s\n' "$bad" | head -5 | sed 's/^/    /'
	fi
	# The real ingest into SQLite holds exactly the labelled events.
	rm -f c.db c.db-wal c.db-shm
	rs c.yaml ingest -q "$log" 2>err.txt
	json=$(rs c.yaml stats --json)
	for k in relay_denial relay_denial_temporary login_ok login_failed; do
		want=$(awk -F'\t' -v k=$k 'FNR > 1 && $2 == k { n++ } END { print n + 0 }' "$exp")
		got=$(jget "$json" "events.$k")
		[ "$got" = "$want" ] || { notok "corpus $name: $k stored $got, labelled $want"; continue 2; }
	done
	for m in postfix sendmail exim courier; do
		want=$(awk -F'\t' -v m=$m 'FNR > 1 && $2 == "relay_denial" && $3 == m { n++ } END { print n + 0 }' "$exp")
		got=$(jget "$json" "relay_denial_by_mta.$m")
		[ "$got" = "$want" ] || { notok "corpus $name: $m relay denials stored $got, labelled $want"; continue 2; }
	done
	ok "corpus $name: stored counts"
done
