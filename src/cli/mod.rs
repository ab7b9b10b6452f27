//! The `runner` command line: argument types ([`args`]), the `runner FILE` shorthand
//! ([`shorthand`]) and one handler per subcommand ([`commands`]).

pub mod args;
pub mod commands;
pub mod shorthand;
