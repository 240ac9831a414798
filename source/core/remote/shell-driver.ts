/**
 * The server side of the one-shell transport: a small POSIX sh program that reads requests
 * (a line `<id> <script's length in bytes> <stdin, base64 or ->`, then the script itself, read
 * with bash's `read -N`: no process to decode it) and runs each as a job in its own process group,
 * framing its output with markers: two RS bytes, the connection's nonce, the kind (ready, start,
 * pid, end, leftover, fallback), the request's id and a value (the pid, the exit status). Each
 * command writes into pipes of its own that the driver relays, so output a left-behind process
 * writes after its command ended never lands in another command's output. Under a shell other than
 * bash it re-runs itself in bash, whose job control gives every job its own process group.
 */
import {sh} from '../command.js';

/** The driver, in POSIX sh; under a shell other than bash it re-runs itself in bash (for job control). */
export function driverScript(nonce: string): string {
	const driver = [
		`n=${nonce}`,
		'exec 3<&0 4>&1 5>&2 2>/dev/null </dev/null',
		'set -m',
		'command -v base64 >/dev/null || { printf \'\\036\\036%s:fallback:no base64 on the server\\n\' "$n" >&4; exit 0; }',
		// read -N (an exact count of bytes, with LC_ALL=C) needs bash 4.1.
		'[ "${BASH_VERSINFO[0]}" -gt 4 ] || { [ "${BASH_VERSINFO[0]}" -eq 4 ] && [ "${BASH_VERSINFO[1]}" -ge 1 ]; } || { printf \'\\036\\036%s:fallback:bash %s is older than 4.1\\n\' "$n" "$BASH_VERSION" >&4; exit 0; }',
		// A private folder for each command's output pipes.
		't=$(mktemp -d 2>/dev/null) || { printf \'\\036\\036%s:fallback:no mktemp -d on the server\\n\' "$n" >&4; exit 0; }',
		'printf \'\\036\\036%s:ready:%s:%s\\n\' "$n" "$$" "$BASH_VERSION" >&4',
		"while IFS=' ' read -r id len i <&3; do",
		'  [ "$id" = bye ] && break',
		'  LC_ALL=C IFS= read -r -N "$len" s <&3 || break',
		// The command writes into pipes of its own, relayed to the channel: once it has ended and the
		// relays have drained, a process it left behind that still writes reaches nobody (it is cut off
		// after 1 s and the client told), never the next command's output.
		'  o="$t/o$id" e="$t/e$id"; mkfifo "$o" "$e" || break',
		'  cat "$o" >&4 & co=$!',
		'  cat "$e" >&5 & ce=$!',
		'  printf \'\\036\\036%s:start:%s\\n\' "$n" "$id" >&5',
		'  printf \'\\036\\036%s:start:%s\\n\' "$n" "$id" >&4',
		'  if [ "$i" = - ]; then ( eval "$s" ) 3<&- 4>&- 5>&- >"$o" 2>"$e" </dev/null &',
		'  else ( printf \'%s\' "$i" | base64 -d | { eval "$s"; } ) 3<&- 4>&- 5>&- >"$o" 2>"$e" &',
		'  fi',
		'  p=$!',
		'  printf \'\\036\\036%s:pid:%s:%s\\n\' "$n" "$id" "$p" >&4',
		'  wait "$p"; r=$?',
		'  [ "$r" -gt 128 ] && kill -KILL -"$p" 2>/dev/null',
		// The watcher marks that it cut the readers off before it does: this loop, which stops the
		// watcher the moment the readers end, tells the client (a marker printed by the watcher could be lost).
		'  ( sleep 1; : >"$t/l$id"; kill $co $ce 2>/dev/null ) 3<&- & w=$!',
		'  wait $co $ce; kill -- -$w 2>/dev/null; wait $w 2>/dev/null',
		'  [ -e "$t/l$id" ] && printf \'\\036\\036%s:leftover:%s\\n\' "$n" "$id" >&4; rm -f "$o" "$e" "$t/l$id"',
		'  printf \'\\036\\036%s:end:%s:%s\\n\' "$n" "$id" "$r" >&5',
		'  printf \'\\036\\036%s:end:%s:%s\\n\' "$n" "$id" "$r" >&4',
		'done',
		// Not an EXIT trap: the commands' subshells would run it too.
		'rm -rf "$t"',
	].join('\n');
	return sh`REWIND_DRIVER=${driver}
if [ -z "\${BASH_VERSION:-}" ]; then if command -v bash >/dev/null 2>&1; then exec bash -c "$REWIND_DRIVER"; fi; printf '\\036\\036%s:fallback:no bash on the server (job control)\\n' ${nonce}; exit 0; fi
eval "$REWIND_DRIVER"`.script();
}
