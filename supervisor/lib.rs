//! phase1-supervise: run Phase1 language runtimes under Linux namespaces,
//! Landlock, seccomp and a capability drop derived from each runtime's
//! declared capabilities.
//!
//! Deciding and applying are apart: [`plan::compile`] is a pure function from a
//! manifest, overrides and host facts to a [`plan::Plan`]; the modules under
//! [`sys`] apply it in the child ([`child::sandbox_init`]), in a fixed order.
//!
//! Not claimed: hardened isolation. The workload shares the host kernel.

pub mod audit;
pub mod child;
pub mod cli;
pub mod host;
pub mod kaudit;
pub mod logs;
pub mod manifest;
pub mod monitor;
pub mod plan;
pub mod policy;
pub mod report;
pub mod run;
pub mod runtimes;
pub mod seccomp;
pub mod sys;
pub mod syscall_table;
pub mod tomlfile;
pub mod wasm;
