//! The `runner` command line: argument types ([`args`]) and one handler per subcommand
//! ([`commands`]).

pub mod args;
pub mod commands;
