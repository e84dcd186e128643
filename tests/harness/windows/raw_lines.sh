#!/bin/bash
# The window protocol spoken by a shell script (docs/windows.md), with bad lines among good ones:
# greenbench reports each bad line with its text, and the script goes on to exit 0.
fd="$GREENBENCH_WINDOWS_FD"
[ -n "$fd" ] || exit 0
w() { printf '%s\n' "$1" >&"$fd"; }
w "begin outer"
w "bgin typo"
w "begin inner"
sleep 0.1
w "end inner items=3 note=fine"
w "end nosuch"
w "end outer loss=0.25 bad key=1"
w "end outer loss=0.25"
w "begin never_ended"
exit 0
