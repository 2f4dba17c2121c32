#!/bin/sh
# without-tools.sh "NAME ..." COMMAND [ARG...]: runs COMMAND where none of the named tools can
# run. Meant for a mount namespace of its own (`unshare -m`, private: nothing leaks to the
# machine, and it ends with the command). /dev/null is bind-mounted over each NAME, its
# versioned and target-prefixed names (gcc-12, x86_64-linux-gnu-g++-12, python3.11) in every
# PATH directory, and over GCC's own compilers (cc1, cc1plus); then each NAME is tried, and
# any that still runs stops this with status 99 before COMMAND starts.
set -eu
names=$1
shift
hide() { [ -e "$1" ] && mount --bind /dev/null "$1"; return 0; }
for name in $names; do
  for dir in $(echo "$PATH" | tr ':' ' '); do
    for file in "$dir/$name" "$dir/$name"-[0-9]* "$dir/$name"[0-9].* "$dir"/*-linux-gnu-"$name" "$dir"/*-linux-gnu-"$name"-[0-9]*; do
      hide "$file"
    done
  done
done
for file in /usr/lib/gcc/*/*/cc1 /usr/lib/gcc/*/*/cc1plus /usr/libexec/gcc/*/*/cc1 /usr/libexec/gcc/*/*/cc1plus; do
  hide "$file"
done
for name in $names; do
  if "$name" --version >/dev/null 2>&1; then
    echo "without-tools: $name still runs" >&2
    exit 99
  fi
done
exec "$@"
