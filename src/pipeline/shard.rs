//! Shards of a sweep: which runs one process of an array job trains, given on the command
//! line or read from the scheduler's environment.

use super::Error;

/// Shard `index` of `count`: the runs at grid positions i with i mod count == index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub fn contains(&self, position: usize) -> bool {
        position % self.count == self.index
    }

    /// `K/N` with `K` in `0..N`, e.g. `0/4`.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not K/N, e.g. 0/4"))?;
        let index: usize = k
            .trim()
            .parse()
            .map_err(|_| format!("`{k}` is not a shard index"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("`{n}` is not a shard count"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "shard {index}/{count}: K must be in 0..N and N at least 1"
            ));
        }
        Ok(Shard { index, count })
    }

    /// `given` (from `--shard`), else the array index of Slurm
    /// (`SLURM_ARRAY_TASK_ID`/`SLURM_ARRAY_TASK_COUNT`) or of a Kubernetes indexed job
    /// (`JOB_COMPLETION_INDEX` with `count` from `--shard-count`), else none.
    pub fn resolve(
        given: Option<Shard>,
        count: Option<usize>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Shard>, Error> {
        if given.is_some() {
            return Ok(given);
        }
        let spec =
            match (env("SLURM_ARRAY_TASK_ID"), env("SLURM_ARRAY_TASK_COUNT")) {
                (Some(k), Some(n)) => Some((
                    format!("{k}/{n}"),
                    "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT",
                )),
                _ => match (env("JOB_COMPLETION_INDEX"), count) {
                    (Some(k), Some(n)) => {
                        Some((format!("{k}/{n}"), "JOB_COMPLETION_INDEX/--shard-count"))
                    }
                    (Some(_), None) => return Err(Error::BadInput(
                        "JOB_COMPLETION_INDEX is set: give the number of shards with --shard-count"
                            .into(),
                    )),
                    _ => None,
                },
            };
        match spec {
            None => Ok(None),
            Some((text, from)) => Shard::parse(&text)
                .map(Some)
                .map_err(|e| Error::BadInput(format!("shard from {from}: {e}"))),
        }
    }

    /// [`Shard::resolve`] from this process's environment.
    pub fn from_env(given: Option<Shard>, count: Option<usize>) -> Result<Option<Shard>, Error> {
        Shard::resolve(given, count, |name| std::env::var(name).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn parse_takes_k_of_n_and_refuses_the_rest() {
        assert_eq!(Shard::parse("1/4"), Ok(Shard { index: 1, count: 4 }));
        assert_eq!(Shard::parse(" 0 / 1 "), Ok(Shard { index: 0, count: 1 }));
        for bad in ["4/4", "0/0", "1", "a/2", "1/b", "-1/2"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let s = Shard { index: 1, count: 3 };
        assert_eq!(
            (0..7).filter(|&i| s.contains(i)).collect::<Vec<_>>(),
            [1, 4]
        );
    }

    #[test]
    fn the_flag_wins_then_slurm_then_kubernetes() {
        let flag = Some(Shard { index: 0, count: 2 });
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        assert_eq!(Shard::resolve(flag, None, env(&slurm)).unwrap(), flag);
        assert_eq!(
            Shard::resolve(None, None, env(&slurm)).unwrap(),
            Some(Shard { index: 2, count: 3 })
        );
        let k8s = [("JOB_COMPLETION_INDEX", "1")];
        assert_eq!(
            Shard::resolve(None, Some(5), env(&k8s)).unwrap(),
            Some(Shard { index: 1, count: 5 })
        );
        let err = Shard::resolve(None, None, env(&k8s)).unwrap_err();
        assert!(err.to_string().contains("--shard-count"), "{err}");
        let bad = [
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        let err = Shard::resolve(None, None, env(&bad)).unwrap_err();
        assert!(
            err.to_string().contains("shard from SLURM_ARRAY_TASK_ID"),
            "{err}"
        );
        assert_eq!(Shard::resolve(None, None, env(&[])).unwrap(), None);
    }
}
