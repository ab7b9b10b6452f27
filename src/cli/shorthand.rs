//! `runner FILE ...` is `runner run FILE ...`, and a mistyped subcommand is not a file.
//!
//! clap cannot have both a positional FILE and subcommands at the top level, so the first
//! argument is classified before clap sees it: a subcommand or a flag goes to clap as is, an
//! existing path becomes `run PATH`, a word close to a subcommand is refused with a
//! did-you-mean (as cargo and git do), and anything else is named as a missing file.

use std::ffi::OsString;
use std::path::Path;

use runner::spec::closest;

/// The subcommands clap knows (see `args::Command`), and clap's own `help`.
pub const SUBCOMMANDS: [&str; 9] = [
    "run", "validate", "check", "merge", "slurm", "compare", "forecast", "predict", "help",
];

/// The usage lines an error ends with, as clap writes them.
const USAGE: &str = "Usage: runner <FILE> [OPTIONS]\n       runner <COMMAND> [OPTIONS]\n\n\
    For more information, try '--help'.";

/// What the command line becomes.
#[derive(Debug, PartialEq)]
pub enum Shorthand {
    /// Arguments for clap, `run` inserted where the shorthand was used.
    Args(Vec<OsString>),
    /// The first argument is neither a subcommand nor an existing file: the error to print
    /// (exit 2, a usage error).
    Refused(String),
}

pub fn with_default_subcommand(mut args: Vec<OsString>) -> Shorthand {
    let Some(first) = args.get(1) else {
        return Shorthand::Args(args);
    };
    let text = first.to_string_lossy();
    if text.starts_with('-') {
        // `runner -q exp.toml`: run's options before the file. Help and version are clap's,
        // as is a line that names a subcommand anywhere.
        let is_word = |a: &OsString| SUBCOMMANDS.contains(&a.to_string_lossy().as_ref());
        let names_file =
            |a: &OsString| !a.to_string_lossy().starts_with('-') && Path::new(a).is_file();
        let own = ["-h", "--help", "-V", "--version"].contains(&text.as_ref());
        if !own && !args[1..].iter().any(is_word) && args[1..].iter().any(names_file) {
            args.insert(1, "run".into());
        }
        return Shorthand::Args(args);
    }
    if SUBCOMMANDS.contains(&text.as_ref()) {
        return Shorthand::Args(args);
    }
    if Path::new(first).exists() {
        args.insert(1, "run".into());
        return Shorthand::Args(args);
    }
    // Not a file: a subcommand's typo is much likelier than a missing file spelled like one.
    if let Some(near) = closest(&text, SUBCOMMANDS) {
        return Shorthand::Refused(format!(
            "error: unrecognized subcommand '{text}'\n\n  tip: did you mean '{near}'?\n\n{USAGE}"
        ));
    }
    let cwd =
        std::env::current_dir().map_or_else(|_| String::new(), |d| format!(" in {}", d.display()));
    Shorthand::Refused(format!(
        "error: {text}: no such file{cwd}, and not a subcommand of runner\n\n{USAGE}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_list_is_claps() {
        use clap::CommandFactory;
        let mut names: Vec<String> = crate::cli::args::Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .chain(["help".to_string()])
            .collect();
        names.sort();
        let mut ours: Vec<String> = SUBCOMMANDS.iter().map(|s| s.to_string()).collect();
        ours.sort();
        assert_eq!(names, ours);
    }

    #[test]
    fn files_get_run_and_typos_a_did_you_mean() {
        let file = std::env::current_exe().unwrap();
        let file = file.to_str().unwrap();
        assert_eq!(
            with_default_subcommand(args(&["runner", file, "-q"])),
            Shorthand::Args(args(&["runner", "run", file, "-q"]))
        );
        // Options of run before the file (`-j 2` takes a value that is not a file).
        assert_eq!(
            with_default_subcommand(args(&["runner", "-q", "-j", "2", file])),
            Shorthand::Args(args(&["runner", "run", "-q", "-j", "2", file]))
        );
        for kept in [
            &["runner", "validate", "x.toml"][..],
            &["runner", "-q", "validate", file],
            &["runner", "--help", file],
            &["runner", "-q", "no/such.toml"],
            &["runner", "--help"],
            &["runner"],
        ] {
            assert_eq!(
                with_default_subcommand(args(kept)),
                Shorthand::Args(args(kept))
            );
        }
        let Shorthand::Refused(typo) = with_default_subcommand(args(&["runner", "valdiate", "x"]))
        else {
            panic!("a typo is refused")
        };
        assert!(
            typo.starts_with("error: unrecognized subcommand 'valdiate'")
                && typo.contains("did you mean 'validate'?"),
            "{typo}"
        );
        let Shorthand::Refused(missing) =
            with_default_subcommand(args(&["runner", "no/such.toml"]))
        else {
            panic!("a missing file is refused")
        };
        assert!(
            missing.starts_with("error: no/such.toml: no such file in ")
                && missing.contains("not a subcommand"),
            "{missing}"
        );
    }
}
