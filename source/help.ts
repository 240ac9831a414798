/**
 * Help text and version, in a chunk of their own: `rewind --help` loads nothing else.
 */
export const HELP = `rewind — a guided, verified rollback of a git-deployed web app over SSH

Usage
  rewind [rollback] [options]   roll the server back, screen by screen (the default)
  rewind rehearse [options]     practise on a sandbox "production" on this machine
  rewind resume [options]       continue an interrupted run from its journal
  rewind undo [options]         return the server to where the last rollback started
  rewind plan [options]         print each step of a rollback and its key commands (same as --dry-run)
  rewind drills                 list the rehearsal drills
  rewind scores [options]       the trainees' rehearsals: a table, and per trainee what is
                                passed, the best and latest times, what is left
  rewind init [options]         ask about (or take flags for) a server and write rewind.config.yaml
  rewind check [options]        check everything a rollback depends on, on the real server,
                                changing nothing (✓/✗ per check; exit 0 ready, 1 not; --json)

Options
  -c, --config PATH             config file (default: ./rewind.config.yaml, .yml or .json)
      --stage NAME              the config's stage to work on (staging, production…);
                                required when the config has more than one
  -t, --target COMMIT           roll back to this commit (hash, tag or branch) without the picker
  -y, --yes                     confirm the reset and save uncommitted changes without asking
      --dry-run                 print the plan without connecting
      --verbose                 plan, --dry-run: every command in full, not one line per step
      --reason TEXT             why you roll back (one line: release history and report)
      --plain                   plain lines instead of the full-screen UI; in a terminal it
                                still asks its questions, one per line (screen readers)
      --json                    JSON lines on stdout (schema 1: the journal's events, redacted);
                                questions must be answered by flags (--target, --yes)
                                rewind check --json: one object {schema, ok, checks}
      --no-color                no colours (NO_COLOR=1 does the same)
      --reduced-motion          no spinners or animation: elapsed time as text
      --accept-new-host-key     trust a server whose host key is not in known_hosts yet
      --take-over-stale-lock    take over a stale lock without asking (logged)
      --skip-backup REASON      reset without a database backup; the reason is logged
      --accept-toolchain REASON build with a Node the target does not ask for (engines,
                                .nvmrc); otherwise such a run stops before the reset
      --journal PATH            the journal to resume or undo (default: the latest run)
      --drill NAME              rehearsal: inject one of the drills' faults
      --drills-dir DIR          rehearsal: also load drills from DIR
      --keep                    rehearsal: keep the sandbox to inspect afterwards
      --mystery                 rehearsal: a drill you have not passed yet, named only at the end
      --any                     with --mystery: any drill, passed or not
      --trainee NAME            rehearsal: whose rehearsal it is (default: your user name);
                                rewind scores: only this trainee's

rewind init
      --host HOST               the server (an alias from ~/.ssh/config works)
      --port N, --user NAME, --identity FILE, --known-hosts FILE, --ssh-config FILE
      --app-dir DIR             the checkout on the server (else: the ones found are offered)
      --site-url URL            the site that verification checks
      --reload HOW              a ..._wsgi.py file to touch, manual, none, or a command
      --database none|URL       the app has no database, or mysql://user@host:port/name (no password)
  -o, --output FILE             where to write (default ./rewind.config.yaml; never overwritten)
  -h, --help                    this text
  -v, --version                 the version

Exit codes
  0 rolled back and verified   1 a step or a check failed   2 bad input (config, flags)
  3 refused for safety (lock held, host key, no backup)      130 stopped or aborted by you

Without a terminal (CI, a pipe) rewind prints plain progress lines; pass --target and --yes.
Config, drills and the operator guide: README.md.
`;
