# Unit tests of common/, the envelope and the config loader (C programs).
. "$ROOT/tests/lib.sh"
for u in "$ROOT"/build/tests/test_*; do
	case $u in *.d) continue ;; esac
	[ -x "$u" ] || continue
	( cd "$ROOT" && "$u" ) >unit.out 2>&1
	rc=$?
	grep -E '^(not )?ok' unit.out | sed "s|^ok - |ok - $(basename "$u"): |;s|^not ok - |not ok - $(basename "$u"): |" |
	while IFS= read -r l; do
		case $l in
		ok*) ok "${l#ok - }" ;;
		*) notok "${l#not ok - }" ;;
		esac
	done
	[ $rc -eq 0 ] || notok "$(basename "$u") exited $rc"
done
