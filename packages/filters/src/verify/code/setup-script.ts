/**
 * The shell script that runs as process 1 of a sandbox's fresh PID namespace, before the untrusted
 * program: it makes the file system read-only, hides private directories, mounts a small private
 * `/tmp` holding the program's files, then runs the program and waits for it.
 *
 * It stays alive as PID 1 (never `exec`s the program) on purpose: `unshare --kill-child` gives it a
 * parent-death signal, which the kernel clears when a process changes credentials. The program
 * drops its uid, so it could not carry that signal; this root-owned shell does, and when it dies the
 * kernel kills every process of the namespace, including ones that called `setsid()`.
 */

/**
 * Positional arguments, in order: `WORK` (host directory whose files are copied into the private
 * `/tmp`), `OWNER` (numeric uid the private `/tmp` belongs to, empty for the current uid), `TMP_KB` (size of the private `/tmp`), `STRICT` (`1`: a mount that cannot be made
 * read-only fails the setup; `0`: it is reported and skipped), then paths to hide behind empty
 * read-only tmpfs mounts, then `--`, then the program and its arguments.
 *
 * File descriptor 3 is the status channel: `warn <text>` lines, then `ready` just before the
 * program starts; the program never sees it. Setup failures print `oversight-sandbox: …` on stderr
 * and exit 125 without `ready`.
 */
export const SETUP_SCRIPT = String.raw`set -eu
fail() { printf 'oversight-sandbox: %s\n' "$*" >&2; exit 125; }
work=$1 owner=$2 tmp_kb=$3 strict=$4
shift 4
cd "$work" || fail "cannot enter $work"
# Every mount read-only (in this private mount namespace only): nothing the program can reach is
# writable. One "mount --all" does it (util-linux >= 2.34); mount by mount where that fails. The fresh
# /proc of this PID namespace stays writable: the nested user namespace sets a limit in it.
if ! mount --all -t noproc -o remount,bind,ro 2>/dev/null; then
  while read -r _ _ _ _ point options _; do
    case ",$options," in *,ro,*) continue ;; esac
    [ "$point" = /proc ] && continue
    case $point in *\\*) point=$(printf '%b' "$(printf '%s' "$point" | sed 's/\\\([0-7][0-7][0-7]\)/\\0\1/g')") ;; esac
    if ! mount -o remount,bind,ro "$point" 2>/dev/null; then
      [ "$strict" = 1 ] && fail "cannot make $point read-only"
      printf 'warn cannot make %s read-only\n' "$point" >&3
    fi
  done < /proc/self/mountinfo
fi
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  if [ -d "$1" ]; then mount -t tmpfs -o ro,size=4k,mode=0755 oversight-hidden "$1" || fail "cannot hide $1"; fi
  shift
done
[ "$#" -gt 0 ] || fail 'no program given'
shift
ids=
[ -n "$owner" ] && ids=",uid=$owner,gid=$owner"
mount -t tmpfs -o "size=$tmp_kb"k,mode=0700"$ids" oversight-tmp /tmp || fail 'cannot mount the private /tmp'
# The files stay root's (readable); /tmp itself belongs to the program.
cp -R ./. /tmp/ || fail 'cannot copy the program files'
cd /tmp
printf 'ready\n' >&3
exec 3>&-
set +e
"$@"
exit $?
`;
