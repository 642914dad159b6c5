//! Applying: the few modules that make syscalls. Everything here acts on the
//! calling process; what to do is decided in `plan`.

pub mod audit_netlink;
pub mod caps;
pub mod cgroup;
pub mod channel;
pub mod landlock;
pub mod mounts;
pub mod netlink;
pub mod notify;
pub mod proc_connector;
pub mod process;
