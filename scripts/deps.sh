#!/bin/sh
# deps.sh [build|check|bench]: install what relayscope needs on Debian.
# As root it runs apt-get for whatever is missing; otherwise it prints the
# one apt-get line to run and fails.
set -u
want="gcc libc6-dev make pkg-config libsqlite3-dev libpcre2-dev libyaml-dev libncurses-dev zlib1g-dev tzdata"
case "${1:-build}" in
check) want="$want gzip procps python3 tmux" ;;
bench) want="$want gzip procps python3 time" ;;
esac
missing=""
for p in $want; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ "$s" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "relayscope needs these packages:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || exit 1
apt-get install -y -qq --no-install-recommends $missing >&2
