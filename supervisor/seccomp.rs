//! Compiling a [`SeccompPlan`] into BPF (pure) and installing it (syscalls).
//!
//! seccompiler builds each filter; two things are added around it:
//! - an x32 guard after seccompiler's arch check (it does not reject syscall
//!   numbers >= 0x40000000 on x86_64);
//! - recorded denials are built as `Trace(NOTIFY_MARK)` and rewritten into
//!   `SECCOMP_RET_USER_NOTIF`, which seccompiler 0.5 cannot express.
//!
//! Several actions need several stacked filters; the kernel runs them all and
//! keeps the highest-precedence answer (KILL > ERRNO > USER_NOTIF > ALLOW). The
//! filter that carries USER_NOTIF is the only one with a listener, so every
//! recorded denial is folded into it (and it is installed last): an allow rule for a syscall that also has
//! deny rules carries the negation of their conditions.

use crate::plan::{Action, ArgMatch, SeccompPlan, SyscallRule};
use seccompiler::{
    sock_filter, BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition,
    SeccompFilter, SeccompRule, TargetArch,
};
use std::collections::BTreeMap;
use std::os::fd::{FromRawFd, OwnedFd};

/// Data value of the marker action that becomes SECCOMP_RET_USER_NOTIF.
pub const NOTIFY_MARK: u32 = 0x05ec;
const SECCOMP_RET_TRACE: u32 = 0x7ff0_0000;
const SECCOMP_RET_USER_NOTIF: u32 = 0x7fc0_0000;
const SECCOMP_RET_KILL_PROCESS: u32 = 0x8000_0000;
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// Errors compiling or installing filters.
#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    /// seccompiler rejected a filter.
    #[error("seccomp: building the {filter} filter: {source}")]
    Build {
        /// Which filter.
        filter: &'static str,
        /// Why.
        source: seccompiler::BackendError,
    },
    /// The kernel refused the filter.
    #[error("seccomp: installing the {filter} filter: {source}")]
    Install {
        /// Which filter.
        filter: &'static str,
        /// errno.
        source: std::io::Error,
    },
    /// Setting a flag on the listener failed.
    #[error("seccomp: configuring the notification listener: {source}")]
    Listener {
        /// errno.
        source: std::io::Error,
    },
}

/// One compiled filter.
#[derive(Debug, Clone)]
pub struct Filter {
    /// What it is for (for messages).
    pub label: &'static str,
    /// The BPF program.
    pub program: BpfProgram,
    /// Install with SECCOMP_FILTER_FLAG_NEW_LISTENER.
    pub listener: bool,
}

fn cond(m: ArgMatch) -> Result<SeccompCondition, seccompiler::BackendError> {
    match m {
        ArgMatch::Eq { index, value } => {
            SeccompCondition::new(index, SeccompCmpArgLen::Qword, SeccompCmpOp::Eq, value)
        }
        ArgMatch::AllSet { index, mask } => SeccompCondition::new(
            index,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(mask),
            mask,
        ),
    }
}

/// The negation of a single-condition deny rule, as one condition. Only
/// single-bit masks can be negated into one condition; others return None.
fn negate(m: ArgMatch) -> Option<Result<SeccompCondition, seccompiler::BackendError>> {
    match m {
        ArgMatch::Eq { index, value } => Some(SeccompCondition::new(
            index,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::Ne,
            value,
        )),
        ArgMatch::AllSet { index, mask } if mask.count_ones() == 1 => Some(SeccompCondition::new(
            index,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(mask),
            0,
        )),
        ArgMatch::AllSet { .. } => None,
    }
}

fn to_seccompiler(action: Action, record: bool) -> SeccompAction {
    match action {
        Action::Allow => SeccompAction::Allow,
        Action::Deny { .. } if record => SeccompAction::Trace(NOTIFY_MARK),
        Action::Deny { errno } | Action::Compat { errno } => SeccompAction::Errno(errno as u32),
        Action::Kill => SeccompAction::KillProcess,
        Action::Observe => SeccompAction::Trace(NOTIFY_MARK),
    }
}

/// Put the x32 guard after the arch check and turn the notify marker into USER_NOTIF.
fn finish(mut prog: BpfProgram, x32_guard: bool) -> BpfProgram {
    let marker = SECCOMP_RET_TRACE | NOTIFY_MARK;
    for insn in prog.iter_mut() {
        if insn.code == (BPF_RET | BPF_K) as u16 && insn.k == marker {
            insn.k = SECCOMP_RET_USER_NOTIF;
        }
    }
    if x32_guard && prog.len() >= 3 {
        let guard = [
            stmt(BPF_LD | BPF_W | BPF_ABS, 0),
            jump(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 1),
            stmt(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        ];
        prog.splice(3..3, guard);
    }
    prog
}

const BPF_LD: u32 = 0x00;
const BPF_W: u32 = 0x00;
const BPF_ABS: u32 = 0x20;
const BPF_JMP: u32 = 0x05;
const BPF_JGE: u32 = 0x30;
const BPF_K: u32 = 0x00;
const BPF_RET: u32 = 0x06;

fn stmt(code: u32, k: u32) -> sock_filter {
    sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u32, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    }
}

fn build(
    label: &'static str,
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    mismatch: SeccompAction,
    matched: SeccompAction,
) -> Result<BpfProgram, SeccompError> {
    let filter =
        SeccompFilter::new(rules, mismatch, matched, TargetArch::x86_64).map_err(|source| {
            SeccompError::Build {
                filter: label,
                source,
            }
        })?;
    BpfProgram::try_from(filter).map_err(|source| SeccompError::Build {
        filter: label,
        source,
    })
}

fn is_recorded_deny(r: &SyscallRule, record: bool) -> bool {
    matches!(r.action, Action::Deny { .. }) && record
}

/// Compile the workload's filters. With `record`, denials become USER_NOTIF
/// (the first filter then needs a listener).
pub fn compile(plan: &SeccompPlan, record: bool) -> Result<Vec<Filter>, SeccompError> {
    let build_err = |source| SeccompError::Build {
        filter: "allowlist",
        source,
    };
    let default_errno = match plan.default {
        Action::Deny { errno } | Action::Compat { errno } => Some(errno),
        _ => None,
    };
    // Deny rules that the default action already expresses are folded into the
    // allowlist (their conditions negated on the allow rules of that syscall).
    let folded = |r: &SyscallRule| {
        is_recorded_deny(r, record)
            || (record && r.action == Action::Observe)
            || matches!(r.action, Action::Deny { errno } if Some(errno) == default_errno)
    };
    let mut allow: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    let mut unconditional: BTreeMap<i64, bool> = BTreeMap::new();
    let mut overrides: BTreeMap<Action, BTreeMap<i64, Vec<SeccompRule>>> = BTreeMap::new();
    for r in &plan.rules {
        if r.action == Action::Observe && !record {
            // Nothing to observe without a listener.
            continue;
        }
        if r.action != Action::Allow {
            if folded(r) {
                continue;
            }
            let entry = overrides
                .entry(r.action)
                .or_default()
                .entry(r.nr)
                .or_default();
            if let Some(w) = r.when {
                entry.push(SeccompRule::new(vec![cond(w).map_err(build_err)?]).map_err(build_err)?);
                // The allowlist lets exactly this through, so that the override's
                // action decides by precedence and never ties with the default.
                allow
                    .entry(r.nr)
                    .or_default()
                    .push(SeccompRule::new(vec![cond(w).map_err(build_err)?]).map_err(build_err)?);
            } else {
                unconditional.insert(r.nr, true);
            }
            continue;
        }
        // Conditions of folded deny rules for this syscall, negated.
        let mut conds = Vec::new();
        if let Some(w) = r.when {
            conds.push(cond(w).map_err(build_err)?);
        }
        let mut dropped = false;
        for d in plan.rules.iter().filter(|d| {
            d.nr == r.nr
                && d.action != Action::Allow
                && folded(d)
                && (record || d.action != Action::Observe)
        }) {
            match d.when.and_then(negate) {
                Some(c) => conds.push(c.map_err(build_err)?),
                // An unconditional (or unnegatable) deny removes the allow rule.
                None => dropped = true,
            }
        }
        if dropped {
            continue;
        }
        if conds.is_empty() {
            unconditional.insert(r.nr, true);
        } else {
            allow
                .entry(r.nr)
                .or_default()
                .push(SeccompRule::new(conds).map_err(build_err)?);
        }
    }
    for (nr, _) in unconditional {
        // An unconditional allow: an empty chain matches always.
        allow.insert(nr, Vec::new());
    }
    let mut filters = Vec::new();
    for (action, rules) in overrides {
        let label = match action {
            Action::Compat { .. } => "compat",
            Action::Kill => "kill",
            _ => "deny",
        };
        filters.push(Filter {
            label,
            program: finish(
                build(
                    label,
                    rules,
                    SeccompAction::Allow,
                    to_seccompiler(action, record),
                )?,
                false,
            ),
            listener: false,
        });
    }
    // The allowlist goes last: once it is in place, seccomp(2) itself is denied.
    filters.push(Filter {
        label: "allowlist",
        program: finish(
            build(
                "allowlist",
                allow,
                to_seccompiler(plan.default, record),
                SeccompAction::Allow,
            )?,
            plan.x32_guard,
        ),
        listener: record,
    });
    Ok(filters)
}

/// The sandbox init's own filter: only what init does after forking the workload.
pub fn init_filter() -> Result<Filter, SeccompError> {
    let names = [
        "read",
        "write",
        "close",
        "sendmsg",
        "recvmsg",
        "wait4",
        "waitid",
        "kill",
        "tgkill",
        "rt_sigprocmask",
        "rt_sigtimedwait",
        "rt_sigaction",
        "rt_sigreturn",
        "exit",
        "exit_group",
        "getpid",
        "clock_gettime",
        "clock_nanosleep",
        "nanosleep",
        "poll",
        "ppoll",
        "futex",
        "munmap",
        "brk",
        "mmap",
        "restart_syscall",
    ];
    let mut rules = BTreeMap::new();
    for n in names {
        if let Some(nr) = crate::policy::syscall_nr(n) {
            rules.insert(nr, Vec::new());
        }
    }
    Ok(Filter {
        label: "init",
        program: finish(
            build(
                "init",
                rules,
                SeccompAction::Errno(libc::EPERM as u32),
                SeccompAction::Allow,
            )?,
            true,
        ),
        listener: false,
    })
}

/// Install one filter on the calling thread. Needs no_new_privs (or CAP_SYS_ADMIN).
/// Returns the notification listener when the filter asks for one.
pub fn install(filter: &Filter) -> Result<Option<OwnedFd>, SeccompError> {
    let prog = libc::sock_fprog {
        len: filter.program.len() as u16,
        filter: filter.program.as_ptr() as *mut libc::sock_filter,
    };
    let flags = if filter.listener {
        libc::SECCOMP_FILTER_FLAG_NEW_LISTENER
    } else {
        0
    };
    // SAFETY: `prog` points at `filter.program`, which outlives the call; the
    // kernel copies the program and does not keep the pointer. seccompiler's
    // `sock_filter` is `#[repr(C)]` with the same fields as the kernel's
    // `struct sock_filter` (u16, u8, u8, u32), so the pointer cast is sound.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            flags,
            &prog as *const libc::sock_fprog,
        )
    };
    if rc < 0 {
        return Err(SeccompError::Install {
            filter: filter.label,
            source: std::io::Error::last_os_error(),
        });
    }
    if filter.listener {
        // SAFETY: with NEW_LISTENER the kernel returns a fresh fd that nothing else owns.
        Ok(Some(unsafe { OwnedFd::from_raw_fd(rc as i32) }))
    } else {
        Ok(None)
    }
}

#[cfg(test)]
pub(crate) mod bpf_eval {
    //! A classic-BPF interpreter for seccomp programs, enough for what seccompiler emits.
    use seccompiler::sock_filter;
    pub const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;

    /// Run `prog` on a seccomp_data and return the action value.
    pub fn run(prog: &[sock_filter], nr: i64, arch: u32, args: &[u64; 6]) -> u32 {
        let mut data = [0u8; 64];
        data[0..4].copy_from_slice(&(nr as i32).to_ne_bytes());
        data[4..8].copy_from_slice(&arch.to_ne_bytes());
        for (i, a) in args.iter().enumerate() {
            data[16 + i * 8..24 + i * 8].copy_from_slice(&a.to_ne_bytes());
        }
        let (mut acc, mut pc) = (0u32, 0usize);
        loop {
            let insn = &prog[pc];
            let code = insn.code as u32;
            match code & 0x07 {
                0x00 => {
                    let off = insn.k as usize;
                    acc = u32::from_ne_bytes([
                        data[off],
                        data[off + 1],
                        data[off + 2],
                        data[off + 3],
                    ]);
                    pc += 1;
                }
                0x04 => {
                    // ALU: only AND with K is emitted.
                    assert_eq!(code & 0xf0, 0x50, "unexpected ALU op {code:#x}");
                    acc &= insn.k;
                    pc += 1;
                }
                0x05 => {
                    let taken = match code & 0xf0 {
                        0x00 => {
                            pc += 1 + insn.k as usize;
                            continue;
                        }
                        0x10 => acc == insn.k,
                        0x20 => acc > insn.k,
                        0x30 => acc >= insn.k,
                        0x40 => acc & insn.k != 0,
                        op => panic!("unexpected jump {op:#x}"),
                    };
                    pc += 1 + if taken {
                        insn.jt as usize
                    } else {
                        insn.jf as usize
                    };
                }
                0x06 => return insn.k,
                c => panic!("unexpected class {c:#x}"),
            }
        }
    }

    /// Combine stacked filters (given in install order) the way the kernel does:
    /// the newest filter runs first and a later result replaces the current one
    /// only when its action is strictly lower as a signed value.
    pub fn stacked(progs: &[&[sock_filter]], nr: i64, args: &[u64; 6]) -> u32 {
        let mut ret: Option<u32> = None;
        for p in progs.iter().rev() {
            let cur = run(p, nr, AUDIT_ARCH_X86_64, args);
            match ret {
                Some(r) if ((cur & 0xffff_0000) as i32) >= ((r & 0xffff_0000) as i32) => {}
                _ => ret = Some(cur),
            }
        }
        ret.unwrap_or(0x7fff_0000)
    }
}

#[cfg(test)]
mod tests {
    use super::bpf_eval::{run, stacked, AUDIT_ARCH_X86_64};
    use super::*;
    use crate::plan::{self, HostFacts, Overrides};
    use crate::policy::Policies;
    use seccompiler::sock_filter;

    fn plan(name: &str) -> crate::plan::Plan {
        plan_with(name, false)
    }

    fn plan_with(name: &str, dry_run: bool) -> crate::plan::Plan {
        let policies = Policies::builtin().expect("policies");
        let l = crate::manifest::load(&Default::default(), name, &policies.group_names())
            .expect("manifest");
        let facts = HostFacts {
            cwd: "/w".into(),
            home: "/h".into(),
            uid: 0,
            gid: 0,
            env: Default::default(),
            program: "/bin/sh".into(),
            argv: vec!["sh".into()],
            runtime_programs: vec![],
            spawn_programs: vec![],
            nonce: "n".into(),
            trust_gate: false,
        };
        plan::compile(
            &l,
            &policies,
            &Overrides {
                dry_run,
                ..Default::default()
            },
            &facts,
        )
        .expect("plan")
    }

    fn expected(action: Action, record: bool) -> u32 {
        match action {
            Action::Allow => 0x7fff_0000,
            Action::Observe => SECCOMP_RET_USER_NOTIF,
            Action::Deny { .. } if record => SECCOMP_RET_USER_NOTIF,
            Action::Deny { errno } | Action::Compat { errno } => 0x0005_0000 | errno as u32,
            Action::Kill => SECCOMP_RET_KILL_PROCESS,
        }
    }

    /// The compiled filters implement `SeccompPlan::decide`, for every syscall
    /// number and a set of interesting argument patterns, with and without recording.
    #[test]
    fn compiled_filters_match_the_plan() {
        let arg_patterns: Vec<u64> = vec![
            0,
            libc::SIGCHLD as u64,
            (libc::CLONE_THREAD | libc::CLONE_VM | libc::CLONE_SIGHAND) as u64,
            (libc::CLONE_NEWUSER | libc::SIGCHLD) as u64,
            (libc::CLONE_THREAD | libc::CLONE_NEWNET) as u64,
            (libc::CLONE_NEWNS | libc::CLONE_NEWPID) as u64,
            libc::AF_UNIX as u64,
            libc::AF_INET as u64,
            libc::AF_INET6 as u64,
            libc::AF_NETLINK as u64,
            libc::AF_PACKET as u64,
            0xffff_ffff_0000_0001,
            libc::O_WRONLY as u64,
            (libc::O_RDWR | libc::O_CLOEXEC) as u64,
            (libc::O_CREAT | libc::O_TRUNC) as u64,
            libc::O_CLOEXEC as u64,
        ];
        for (name, dry) in [
            ("shell", false),
            ("python", false),
            ("node", false),
            ("rust", false),
            ("python", true),
            ("shell", true),
        ] {
            let p = plan_with(name, dry);
            for record in [false, true] {
                let filters = compile(&p.seccomp, record).expect("compile");
                let progs: Vec<&[sock_filter]> =
                    filters.iter().map(|f| f.program.as_slice()).collect();
                for nr in (0..480).chain([0x4000_0000, 0x4000_0000 + 59]) {
                    for (a, at) in arg_patterns
                        .iter()
                        .flat_map(|a| [(a, 0usize), (a, 1), (a, 2)])
                    {
                        let mut args = [0u64; 6];
                        args[at] = *a;
                        let want = expected(p.seccomp.decide(nr, &args, record).action, record);
                        let got = stacked(&progs, nr, &args);
                        assert_eq!(
                            got, want,
                            "{name} dry={dry} record={record} nr={nr} arg{at}={a:#x}"
                        );
                    }
                }
            }
        }
    }

    /// No two filters ever answer with the same action class for one syscall
    /// unless they agree, so the install order cannot change the result.
    #[test]
    fn install_order_does_not_matter() {
        let p = plan("python");
        for record in [false, true] {
            let filters = compile(&p.seccomp, record).expect("compile");
            let fwd: Vec<&[sock_filter]> = filters.iter().map(|f| f.program.as_slice()).collect();
            let rev: Vec<&[sock_filter]> = fwd.iter().rev().copied().collect();
            for nr in 0..480 {
                for a in [
                    0u64,
                    libc::SIGCHLD as u64,
                    libc::AF_INET as u64,
                    libc::CLONE_NEWUSER as u64,
                ] {
                    let args = [a, 0, 0, 0, 0, 0];
                    assert_eq!(
                        stacked(&fwd, nr, &args),
                        stacked(&rev, nr, &args),
                        "nr={nr} a={a:#x}"
                    );
                }
            }
        }
    }

    #[test]
    fn wrong_arch_is_killed() {
        let p = plan("shell");
        let f = compile(&p.seccomp, false).expect("compile");
        let allow = &f.last().expect("allowlist").program;
        const AUDIT_ARCH_I386: u32 = 0x4000_0003;
        assert_eq!(
            run(allow, 0, AUDIT_ARCH_I386, &[0; 6]),
            SECCOMP_RET_KILL_PROCESS
        );
        assert_eq!(run(allow, 0, AUDIT_ARCH_X86_64, &[0; 6]), 0x7fff_0000);
        assert_eq!(
            run(
                allow,
                crate::policy::syscall_nr("seccomp").unwrap_or(-1),
                AUDIT_ARCH_X86_64,
                &[0; 6]
            ),
            0x0005_0000 | libc::EPERM as u32,
            "the allowlist denies seccomp(2), so it must be installed last"
        );
    }

    #[test]
    fn only_the_first_filter_has_a_listener() {
        let p = plan("shell");
        let f = compile(&p.seccomp, true).expect("compile");
        let (last, rest) = f.split_last().expect("filters");
        assert!(last.listener && last.label == "allowlist");
        assert!(rest.iter().all(|f| !f.listener));
        let notif = f
            .iter()
            .flat_map(|f| &f.program)
            .filter(|i| i.k == SECCOMP_RET_USER_NOTIF)
            .count();
        assert!(notif > 0);
        assert!(f
            .iter()
            .flat_map(|f| &f.program)
            .all(|i| i.k != (SECCOMP_RET_TRACE | NOTIFY_MARK)));
        let f = compile(&p.seccomp, false).expect("compile");
        assert!(f.iter().all(|f| !f.listener));
        assert!(f
            .iter()
            .flat_map(|f| &f.program)
            .all(|i| i.k != SECCOMP_RET_USER_NOTIF));
    }

    #[test]
    fn init_filter_allows_only_init_calls() {
        let f = init_filter().expect("init");
        let nr = |n| crate::policy::syscall_nr(n).unwrap_or(-1);
        assert_eq!(
            run(&f.program, nr("wait4"), AUDIT_ARCH_X86_64, &[0; 6]),
            0x7fff_0000
        );
        assert_eq!(
            run(&f.program, nr("execve"), AUDIT_ARCH_X86_64, &[0; 6]),
            0x0005_0000 | libc::EPERM as u32
        );
        assert_eq!(
            run(&f.program, 0x4000_0001, AUDIT_ARCH_X86_64, &[0; 6]),
            SECCOMP_RET_KILL_PROCESS
        );
    }
}
