#!/bin/sh
# run.sh: runs every tests/t_*.sh against the real binary and prints
# "N passed, N failed" last. RELAYSCOPE_BIN picks the binary (the asan
# build for make check-asan); T=name runs only tests/t_name.sh.
set -u
cd "$(dirname "$0")/.." || exit 1
BIN=${RELAYSCOPE_BIN:-./relayscope}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
export BIN ROOT="$(pwd)"
export TZ=UTC LC_ALL=C.UTF-8
results=$(mktemp)
for t in tests/t_*.sh; do
	name=$(basename "$t" .sh)
	[ -n "${T:-}" ] && [ "t_$T" != "$name" ] && continue
	work=$(mktemp -d /tmp/relayscope-test.XXXXXX)
	echo "# $name"
	( cd "$work" && RESULTS=$results WORK=$work sh "$ROOT/$t" ) 2>&1
	rm -rf "$work"
done
pass=$(grep -c '^ok' "$results")
fail=$(grep -c '^not ok' "$results")
skip=$(grep -c '^skip' "$results")
if [ "$fail" -gt 0 ]; then
	echo
	echo "failed:"
	grep '^not ok' "$results" | sed 's/^/  /'
fi
rm -f "$results"
echo
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
