//! `--set key=value` overrides, applied to the TOML tree before it is checked, so an
//! override is validated exactly like a key written in the file.

use toml::{Table, Value};

use super::error::{Origin, Problem};

/// One parsed `--set` argument.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Override {
    /// The argument as given, for error messages.
    pub arg: String,
    /// Dotted key split into segments.
    pub path: Vec<String>,
    pub value: Value,
}

impl Override {
    /// Parse `key=value`. The value is read as a TOML value (`5`, `[32]`, `"csv"`,
    /// `{ patience = 3 }`); anything that is not one (a bare word such as `sgd` or a
    /// path) is taken as a string.
    pub(crate) fn parse(arg: &str) -> Result<Self, Problem> {
        let problem = |message: String| Problem {
            key: String::new(),
            message,
            origin: Origin::Set {
                arg: arg.to_string(),
            },
        };
        let Some((key, raw)) = arg.split_once('=') else {
            return Err(problem(
                "expected key=value, e.g. --set train.epochs=5".into(),
            ));
        };
        let path: Vec<String> = key
            .trim()
            .split('.')
            .map(|s| s.trim().to_string())
            .collect();
        if path.iter().any(String::is_empty) {
            return Err(problem(format!(
                "`{}` is not a dotted key such as train.epochs",
                key.trim()
            )));
        }
        Ok(Self {
            arg: arg.to_string(),
            path,
            value: parse_value(raw.trim()),
        })
    }

    pub(crate) fn key(&self) -> String {
        self.path.join(".")
    }

    /// Write the value into `root`, creating intermediate tables as needed.
    pub(crate) fn apply(&self, root: &mut Table) -> Result<(), Problem> {
        let (last, parents) = self
            .path
            .split_last()
            .expect("a key has at least one segment");
        let mut table = root;
        for (depth, segment) in parents.iter().enumerate() {
            let entry = table
                .entry(segment.clone())
                .or_insert_with(|| Value::Table(Table::new()));
            table = match entry {
                Value::Table(inner) => inner,
                other => {
                    let at = self.path[..=depth].join(".");
                    return Err(Problem {
                        key: at.clone(),
                        message: format!(
                            "cannot set `{}`: `{at}` is {}, not a table",
                            self.key(),
                            super::schema::describe(other)
                        ),
                        origin: Origin::Set {
                            arg: self.arg.clone(),
                        },
                    });
                }
            };
        }
        table.insert(last.clone(), self.value.clone());
        Ok(())
    }
}

pub(crate) fn parse_value(raw: &str) -> Value {
    let parsed = toml::from_str::<Table>(&format!("v = {raw}"))
        .ok()
        .filter(|t| t.len() == 1)
        .and_then(|mut t| t.remove("v"));
    match parsed {
        // A date-like bare word is more likely meant as text than as a TOML datetime.
        Some(Value::Datetime(_)) | None => Value::String(raw.to_string()),
        Some(value) => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_parsed_as_toml_or_taken_as_strings() {
        let v = |arg: &str| Override::parse(arg).unwrap().value;
        assert_eq!(v("train.epochs=5"), Value::Integer(5));
        assert_eq!(v("train.learning_rate=1e-3"), Value::Float(1e-3));
        assert_eq!(
            v("model.units=[32, 16]"),
            Value::Array(vec![Value::Integer(32), Value::Integer(16)])
        );
        assert_eq!(v("data.kind=\"csv\""), Value::String("csv".into()));
        assert_eq!(v("train.optimizer=sgd"), Value::String("sgd".into()));
        assert_eq!(
            v("data.path=../data/a b.csv"),
            Value::String("../data/a b.csv".into())
        );
        assert_eq!(v("train.shuffle=false"), Value::Boolean(false));
        assert_eq!(v("description="), Value::String(String::new()));
        // an injected second key is not TOML for one value: kept as a string
        assert_eq!(
            v("seed=1\nname = \"x\""),
            Value::String("1\nname = \"x\"".into())
        );
    }

    #[test]
    fn apply_creates_nested_tables_and_replaces_values() {
        let mut root: Table = toml::from_str("[train]\nepochs = 50\n").unwrap();
        Override::parse("train.epochs=5")
            .unwrap()
            .apply(&mut root)
            .unwrap();
        Override::parse("train.early_stopping.patience=3")
            .unwrap()
            .apply(&mut root)
            .unwrap();
        assert_eq!(root["train"]["epochs"], Value::Integer(5));
        assert_eq!(
            root["train"]["early_stopping"]["patience"],
            Value::Integer(3)
        );
        let err = Override::parse("train.epochs.x=1")
            .unwrap()
            .apply(&mut root)
            .unwrap_err();
        assert_eq!(err.key, "train.epochs");
        assert!(
            err.message
                .contains("`train.epochs` is integer 5, not a table"),
            "{}",
            err.message
        );
    }

    #[test]
    fn malformed_arguments() {
        assert!(Override::parse("train.epochs")
            .unwrap_err()
            .message
            .contains("expected key=value"));
        assert!(Override::parse("train..epochs=1")
            .unwrap_err()
            .message
            .contains("not a dotted key"));
        assert!(Override::parse("=1").is_err());
    }
}
