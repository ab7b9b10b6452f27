//! The order runs start in: longest first, each worker taking the next run when it is free.
//!
//! rayon's `par_iter` splits the list into halves up front, so with runs of mixed sizes one
//! core can be left with the long ones while the other idles at the end of a sweep. Starting
//! the largest runs first (by their planned work) and handing out the rest one at a time is
//! the classic longest-processing-time rule: the sweep ends at most a third later than the
//! best possible schedule, and in practice within one small run of it. The order changes
//! only when runs start; results are returned in the caller's order, and each run is
//! computed the same way whatever thread takes it, so tables stay identical bit for bit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Indices of `weights` from the heaviest to the lightest; equal weights keep their order.
pub fn longest_first(weights: &[u64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| weights[b].cmp(&weights[a]).then(a.cmp(&b)));
    order
}

/// `work(i)` for every `i` in `0..weights.len()`, started longest first on `pool`'s threads,
/// each thread taking the next index when it finishes one. Returns the results by index.
pub fn run_longest_first<T: Send>(
    pool: &rayon::ThreadPool,
    weights: &[u64],
    work: impl Fn(usize) -> T + Sync,
) -> Vec<T> {
    let order = longest_first(weights);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..weights.len()).map(|_| None).collect());
    let workers = pool.current_num_threads().min(weights.len());
    pool.scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|_| loop {
                let at = next.fetch_add(1, Ordering::SeqCst);
                let Some(&i) = order.get(at) else { break };
                let result = work(i);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every index is taken by one worker"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    #[test]
    fn the_heaviest_start_first_and_ties_keep_their_order() {
        assert_eq!(longest_first(&[5, 20, 5, 100, 20]), [3, 1, 4, 0, 2]);
        assert!(longest_first(&[]).is_empty());
    }

    #[test]
    fn one_thread_runs_them_longest_first_and_results_come_back_in_order() {
        let started = Mutex::new(Vec::new());
        let results = run_longest_first(&pool(1), &[1, 30, 2, 30, 7], |i| {
            started.lock().unwrap().push(i);
            i * 10
        });
        assert_eq!(started.into_inner().unwrap(), [1, 3, 4, 2, 0]);
        assert_eq!(results, [0, 10, 20, 30, 40]);
    }

    #[test]
    fn two_threads_take_every_run_once() {
        let weights: Vec<u64> = (0..50).map(|i| (i * 37 % 11) as u64).collect();
        let taken = Mutex::new(Vec::new());
        let results = run_longest_first(&pool(2), &weights, |i| {
            taken.lock().unwrap().push(i);
            i
        });
        let mut taken = taken.into_inner().unwrap();
        taken.sort_unstable();
        assert_eq!(taken, (0..50).collect::<Vec<_>>());
        assert_eq!(results, (0..50).collect::<Vec<_>>());
    }
}
