# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_phase1_supervise_global_optspecs
    string join \n h/help V/version
end

function __fish_phase1_supervise_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_phase1_supervise_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_phase1_supervise_using_subcommand
    set -l cmd (__fish_phase1_supervise_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c phase1-supervise -n "__fish_phase1_supervise_needs_command" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_needs_command" -s V -l version -d 'Print version'
complete -c phase1-supervise -n "__fish_phase1_supervise_needs_command" -f -a "run" -d 'Run a command under a runtime\'s policy'
complete -c phase1-supervise -n "__fish_phase1_supervise_needs_command" -f -a "explain" -d 'Print the plan for a command without running anything'
complete -c phase1-supervise -n "__fish_phase1_supervise_needs_command" -f -a "runtimes" -d 'Runtimes: list, show one\'s capability card, check documentation gates'
complete -c phase1-supervise -n "__fish_phase1_supervise_needs_command" -f -a "plugins" -d 'WebAssembly plugins: inspect a module\'s imports against a runtime'
complete -c phase1-supervise -n "__fish_phase1_supervise_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c phase1-supervise -n "__fish_phase1_supervise_needs_command" -f -a "man" -d 'Print the man page, or write one page per command into DIR'
complete -c phase1-supervise -n "__fish_phase1_supervise_needs_command" -f -a "logs" -d 'Inspect audit logs: sessions, denials, spawns, summary, follow, verify, why'
complete -c phase1-supervise -n "__fish_phase1_supervise_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -s r -l runtime -d 'Runtime whose manifest declares the capabilities' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l manifest -d 'Use this manifest file instead of the runtime\'s' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l runtimes-dir -d 'Directory of runtime manifests (<name>.toml) that take precedence over the built-in ones' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l policies-dir -d 'Directory holding syscalls.toml and baseline.toml (default: built-in policies/)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l allow-read -d 'Also allow reading PATH (and beneath)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l allow-write -d 'Also allow writing PATH (and beneath)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l allow-exec -d 'Also allow executing PATH (and beneath)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l net -d 'Network: none, full (trust gate), connect:PORT[,PORT], bind:PORT[,PORT]. Repeatable' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l env -d 'Pass NAME from the environment, or set NAME=VALUE. Repeatable' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l pids -d 'Maximum processes and threads in the sandbox' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l timeout -d 'Kill the sandbox after SECS seconds of wall-clock time (exit 124)' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l audit-log -d 'Audit log file (default: /var/log/phase1/audit.jsonl for root, $XDG_STATE_HOME/phase1/audit.jsonl otherwise)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l grace -d 'Seconds the sandbox gets to end after SIGTERM/SIGINT/SIGHUP/SIGQUIT is forwarded to it, before it is killed' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l best-effort -d 'Run even if a layer cannot be fully applied; the header says what was downgraded'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l allow-prototype -d 'Admit a runtime labeled `prototype` (it runs with a warning)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l trust -d 'Phase1\'s trust gate, as PHASE1_ALLOW_HOST_TOOLS=1: admit a host-backed `guarded` runtime and `--net full`'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -s q -l quiet -d 'Print nothing of the supervisor\'s own (header, footer)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l dry-run -d 'Block nothing: run to completion and record every would-be denial'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -l json -d 'Header and footer as JSON lines on stderr'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand run" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -s r -l runtime -d 'Runtime whose manifest declares the capabilities' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l manifest -d 'Use this manifest file instead of the runtime\'s' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l runtimes-dir -d 'Directory of runtime manifests (<name>.toml) that take precedence over the built-in ones' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l policies-dir -d 'Directory holding syscalls.toml and baseline.toml (default: built-in policies/)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l allow-read -d 'Also allow reading PATH (and beneath)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l allow-write -d 'Also allow writing PATH (and beneath)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l allow-exec -d 'Also allow executing PATH (and beneath)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l net -d 'Network: none, full (trust gate), connect:PORT[,PORT], bind:PORT[,PORT]. Repeatable' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l env -d 'Pass NAME from the environment, or set NAME=VALUE. Repeatable' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l pids -d 'Maximum processes and threads in the sandbox' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l timeout -d 'Kill the sandbox after SECS seconds of wall-clock time (exit 124)' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l best-effort -d 'Run even if a layer cannot be fully applied; the header says what was downgraded'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l allow-prototype -d 'Admit a runtime labeled `prototype` (it runs with a warning)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l trust -d 'Phase1\'s trust gate, as PHASE1_ALLOW_HOST_TOOLS=1: admit a host-backed `guarded` runtime and `--net full`'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l json -d 'The plan as JSON'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -l dry-run -d 'Explain the dry-run plan (what would be observed instead of blocked)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand explain" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and not __fish_seen_subcommand_from list show check help" -l runtimes-dir -d 'Directory of runtime manifests (<name>.toml) that take precedence over the built-in ones' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and not __fish_seen_subcommand_from list show check help" -l json -d 'As JSON'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and not __fish_seen_subcommand_from list show check help" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and not __fish_seen_subcommand_from list show check help" -f -a "list" -d 'One line per runtime (the default)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and not __fish_seen_subcommand_from list show check help" -f -a "show" -d 'A runtime\'s capability card: what it executes, where files live, host contact, network, spawn, audit records, maturity'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and not __fish_seen_subcommand_from list show check help" -f -a "check" -d 'Documentation gate: runtimes labeled `documented` or higher need docs/runtimes/NAME.md with Tutorial, Examples, Safety boundaries and Non-claims sections (exit 1 when one fails)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and not __fish_seen_subcommand_from list show check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from list" -l runtimes-dir -d 'Directory of runtime manifests (<name>.toml) that take precedence over the built-in ones' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from list" -l json -d 'As JSON'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from show" -l runtimes-dir -d 'Directory of runtime manifests (<name>.toml) that take precedence over the built-in ones' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from show" -l json -d 'As JSON'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from check" -l docs-dir -d 'Directory holding runtimes/NAME.md (default: the docs/ of the source tree this binary was built from)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from check" -l scratch -d 'Scratch directory for the examples (default: a new one under $XDG_CACHE_HOME/phase1 or ~/.cache/phase1, removed when all pass)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from check" -l runtimes-dir -d 'Directory of runtime manifests (<name>.toml) that take precedence over the built-in ones' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from check" -l run-examples -d 'Also run each page\'s examples under this binary and compare their output'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from check" -l json -d 'As JSON'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from help" -f -a "list" -d 'One line per runtime (the default)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from help" -f -a "show" -d 'A runtime\'s capability card: what it executes, where files live, host contact, network, spawn, audit records, maturity'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from help" -f -a "check" -d 'Documentation gate: runtimes labeled `documented` or higher need docs/runtimes/NAME.md with Tutorial, Examples, Safety boundaries and Non-claims sections (exit 1 when one fails)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand runtimes; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand plugins; and not __fish_seen_subcommand_from inspect help" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand plugins; and not __fish_seen_subcommand_from inspect help" -f -a "inspect" -d 'List a module\'s imports, map WASI imports to capabilities, and say whether the runtime\'s manifest declares them (exit 1 when it does not)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand plugins; and not __fish_seen_subcommand_from inspect help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand plugins; and __fish_seen_subcommand_from inspect" -s r -l runtime -d 'Runtime whose manifest declares the capabilities' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand plugins; and __fish_seen_subcommand_from inspect" -l manifest -d 'Use this manifest file instead of the runtime\'s' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand plugins; and __fish_seen_subcommand_from inspect" -l runtimes-dir -d 'Directory of runtime manifests' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand plugins; and __fish_seen_subcommand_from inspect" -l json -d 'As JSON'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand plugins; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand plugins; and __fish_seen_subcommand_from help" -f -a "inspect" -d 'List a module\'s imports, map WASI imports to capabilities, and say whether the runtime\'s manifest declares them (exit 1 when it does not)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand plugins; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand completions" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand man" -l dir -d 'Write phase1-supervise.1 and phase1-supervise-COMMAND.1 here' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand man" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and not __fish_seen_subcommand_from sessions show denials spawns summary follow verify why help" -l audit-log -d 'Audit log file (default as for `run`)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and not __fish_seen_subcommand_from sessions show denials spawns summary follow verify why help" -l json -d 'Output JSON instead of tables'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and not __fish_seen_subcommand_from sessions show denials spawns summary follow verify why help" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and not __fish_seen_subcommand_from sessions show denials spawns summary follow verify why help" -f -a "sessions" -d 'One line per session'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and not __fish_seen_subcommand_from sessions show denials spawns summary follow verify why help" -f -a "show" -d 'Every record of one session (id or unique prefix)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and not __fish_seen_subcommand_from sessions show denials spawns summary follow verify why help" -f -a "denials" -d 'Denials and would-be denials'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and not __fish_seen_subcommand_from sessions show denials spawns summary follow verify why help" -f -a "spawns" -d 'Spawns as a process tree, per session'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and not __fish_seen_subcommand_from sessions show denials spawns summary follow verify why help" -f -a "summary" -d 'Counts by type, capability and syscall'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and not __fish_seen_subcommand_from sessions show denials spawns summary follow verify why help" -f -a "follow" -d 'Print records as they are appended (stops at the session\'s end when --session is given)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and not __fish_seen_subcommand_from sessions show denials spawns summary follow verify why help" -f -a "verify" -d 'Check the hash chain and sequence numbers (exit 1 when tampered or incomplete)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and not __fish_seen_subcommand_from sessions show denials spawns summary follow verify why help" -f -a "why" -d 'Why a record was denied and which manifest change would allow it'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and not __fish_seen_subcommand_from sessions show denials spawns summary follow verify why help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from sessions" -l audit-log -d 'Audit log file (default as for `run`)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from sessions" -l json -d 'Output JSON instead of tables'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from sessions" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from show" -l audit-log -d 'Audit log file (default as for `run`)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from show" -l json -d 'Output JSON instead of tables'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from denials" -l session -d 'Session id or prefix' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from denials" -l runtime -d 'Runtime name' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from denials" -l syscall -d 'Syscall name' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from denials" -l path -d 'Path substring' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from denials" -l since -d 'Only at or after this time (2026-11-25 or 2026-11-25T07:00:00Z)' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from denials" -l audit-log -d 'Audit log file (default as for `run`)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from denials" -l json -d 'Output JSON instead of tables'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from denials" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from spawns" -l session -d 'Session id or prefix' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from spawns" -l audit-log -d 'Audit log file (default as for `run`)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from spawns" -l json -d 'Output JSON instead of tables'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from spawns" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from summary" -l session -d 'Session id or prefix' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from summary" -l audit-log -d 'Audit log file (default as for `run`)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from summary" -l json -d 'Output JSON instead of tables'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from summary" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from follow" -l session -d 'Session id or prefix' -r
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from follow" -l audit-log -d 'Audit log file (default as for `run`)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from follow" -l json -d 'Output JSON instead of tables'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from follow" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from verify" -l audit-log -d 'Audit log file (default as for `run`)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from verify" -l json -d 'Output JSON instead of tables'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from why" -l audit-log -d 'Audit log file (default as for `run`)' -r -F
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from why" -l json -d 'Output JSON instead of tables'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from why" -s h -l help -d 'Print help'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from help" -f -a "sessions" -d 'One line per session'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from help" -f -a "show" -d 'Every record of one session (id or unique prefix)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from help" -f -a "denials" -d 'Denials and would-be denials'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from help" -f -a "spawns" -d 'Spawns as a process tree, per session'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from help" -f -a "summary" -d 'Counts by type, capability and syscall'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from help" -f -a "follow" -d 'Print records as they are appended (stops at the session\'s end when --session is given)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check the hash chain and sequence numbers (exit 1 when tampered or incomplete)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from help" -f -a "why" -d 'Why a record was denied and which manifest change would allow it'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand logs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and not __fish_seen_subcommand_from run explain runtimes plugins completions man logs help" -f -a "run" -d 'Run a command under a runtime\'s policy'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and not __fish_seen_subcommand_from run explain runtimes plugins completions man logs help" -f -a "explain" -d 'Print the plan for a command without running anything'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and not __fish_seen_subcommand_from run explain runtimes plugins completions man logs help" -f -a "runtimes" -d 'Runtimes: list, show one\'s capability card, check documentation gates'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and not __fish_seen_subcommand_from run explain runtimes plugins completions man logs help" -f -a "plugins" -d 'WebAssembly plugins: inspect a module\'s imports against a runtime'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and not __fish_seen_subcommand_from run explain runtimes plugins completions man logs help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and not __fish_seen_subcommand_from run explain runtimes plugins completions man logs help" -f -a "man" -d 'Print the man page, or write one page per command into DIR'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and not __fish_seen_subcommand_from run explain runtimes plugins completions man logs help" -f -a "logs" -d 'Inspect audit logs: sessions, denials, spawns, summary, follow, verify, why'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and not __fish_seen_subcommand_from run explain runtimes plugins completions man logs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and __fish_seen_subcommand_from runtimes" -f -a "list" -d 'One line per runtime (the default)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and __fish_seen_subcommand_from runtimes" -f -a "show" -d 'A runtime\'s capability card: what it executes, where files live, host contact, network, spawn, audit records, maturity'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and __fish_seen_subcommand_from runtimes" -f -a "check" -d 'Documentation gate: runtimes labeled `documented` or higher need docs/runtimes/NAME.md with Tutorial, Examples, Safety boundaries and Non-claims sections (exit 1 when one fails)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and __fish_seen_subcommand_from plugins" -f -a "inspect" -d 'List a module\'s imports, map WASI imports to capabilities, and say whether the runtime\'s manifest declares them (exit 1 when it does not)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and __fish_seen_subcommand_from logs" -f -a "sessions" -d 'One line per session'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and __fish_seen_subcommand_from logs" -f -a "show" -d 'Every record of one session (id or unique prefix)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and __fish_seen_subcommand_from logs" -f -a "denials" -d 'Denials and would-be denials'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and __fish_seen_subcommand_from logs" -f -a "spawns" -d 'Spawns as a process tree, per session'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and __fish_seen_subcommand_from logs" -f -a "summary" -d 'Counts by type, capability and syscall'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and __fish_seen_subcommand_from logs" -f -a "follow" -d 'Print records as they are appended (stops at the session\'s end when --session is given)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and __fish_seen_subcommand_from logs" -f -a "verify" -d 'Check the hash chain and sequence numbers (exit 1 when tampered or incomplete)'
complete -c phase1-supervise -n "__fish_phase1_supervise_using_subcommand help; and __fish_seen_subcommand_from logs" -f -a "why" -d 'Why a record was denied and which manifest change would allow it'
