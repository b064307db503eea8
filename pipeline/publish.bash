# publish.bash: sourced (not run) by pipeline/price, prepare-run and
# parallel-run, which publish their files through it. price-shard keeps a
# copy of its own: it goes alone to ssh hosts in parallel-run's bundle.
#
# Loads bash's loadable ln and rm (Debian's bash-builtins) when they are
# there, so that publishing a file starts no process (a mv was one a file:
# issue 20, session 12, bench/RESULTS.md); publish_builtins says whether.
#
# publish TMP FILE: the whole file TMP becomes FILE. A FILE not there
# yet, with the builtins: link(2) then unlink(2), FILE appearing whole as
# rename(2) made it; otherwise (FILE there, a rerun's; no builtins; a file
# system that refuses links) mv.
publish_builtins=
if enable -f /usr/lib/bash/ln ln 2>/dev/null && enable -f /usr/lib/bash/rm rm 2>/dev/null; then
	publish_builtins=1
else
	enable -d ln 2>/dev/null || true
fi
publish() {
	if [ -n "$publish_builtins" ] && [ ! -e "$2" ] && ln -- "$1" "$2" 2>/dev/null; then
		rm -f -- "$1"
	else
		mv -f -- "$1" "$2"
	fi
}
