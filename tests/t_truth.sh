# The issue's yardstick: the shared generator's log with its defaults and
# --seed 1 (a million lines of an ISP's month, bench/genlog.py), whose truth
# file says what every Postfix relay denial is. report must give exactly
# its login-evidence classes, and probes must flag all its probe bursts and
# no single spam attempt.
. "$ROOT/tests/lib.sh"
if ! command -v python3 >/dev/null 2>&1; then
	skip "generator: python3 is not installed (make check installs it)"
	exit 0
fi
python3 "$ROOT/bench/genlog.py" -n 1000000 --seed 1 -o gen.log \
    --truth truth.json 2>/dev/null
truth() {
	python3 -c 'import json, sys
v = json.load(open("truth.json"))
for k in sys.argv[1].split("."):
    v = v[k]
print(v)' "$1"
}
cat >t.yaml <<YAML
database: $WORK/t.db
retention: never
local_domains: [example.net, example.org, example.com]
YAML
rs t.yaml ingest -q gen.log
eq "generator: ingest completes" "$?" 0
j=$(rs t.yaml report --json)
for cl in in_window expired roaming; do
	eq "generator: postfix $cl = truth" \
	    "$(jget "$j" evidence_class_by_mta.postfix.$cl)" \
	    "$(truth postfix_relay_classes_derived.$cl)"
done
eq "generator: postfix none = truth's other" \
    "$(jget "$j" evidence_class_by_mta.postfix.none)" \
    "$(truth postfix_relay_classes_derived.other)"
p=$(rs t.yaml probes --json)
flagged=$(printf '%s\n' "$p" | sed 's/"networks".*//' | tr '{' '\n' |
    grep -c '"flagged": true')
eq "generator: every burst's IP flagged, no other" "$flagged" \
    "$(truth probe_bursts.distinct_ips)"
eq "generator: every burst attempt is a probe, no single spam attempt" \
    "$(jget "$j" probe)" "$(truth probe_bursts.attempts)"
