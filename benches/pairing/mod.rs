//! The paired rounds every benchmark offers beside criterion's samples, for
//! a machine whose speed drifts (a shared VM): each round times both sides
//! back to back, in alternating order, and the ratio is taken per round, so
//! a drift between rounds moves both sides of a ratio alike.
//!
//! - `MODELGEN_BENCH_PAIRED=<rounds>`: the paired rounds instead of
//!   criterion's samples ([`requested_rounds`]);
//! - `MODELGEN_BENCH_ONLY=<case>`: that case's paired rounds alone, for a
//!   profiler ([`selected`]).
//!
//! A directory module (`benches/pairing/mod.rs`), not `benches/pairing.rs`,
//! which cargo would take for a bench target of its own.

// Each bench target compiles this module on its own and uses part of it
// (the PostgreSQL bench prints its own line, with the client's CPU time).
#![allow(dead_code)]

use std::time::Duration;

/// The side of a pair a timed closure is asked to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Modelgen,
    /// The hand-written code (or, for a comparison inside the runtime, the
    /// runtime's other way).
    Other,
}

/// `MODELGEN_BENCH_PAIRED=<rounds>`: how many paired rounds to run instead
/// of criterion's samples; `None` when unset or not a number.
pub fn requested_rounds() -> Option<usize> {
    std::env::var("MODELGEN_BENCH_PAIRED").ok().and_then(|v| v.parse().ok())
}

/// Whether `MODELGEN_BENCH_ONLY` (unset: every case) selects the case
/// `name`; a bench asks before setting the case up.
pub fn selected(name: &str) -> bool {
    std::env::var("MODELGEN_BENCH_ONLY").map_or(true, |only| only == name)
}

/// `rounds` paired rounds: before each round, outside
/// the clock, `prepare` gives that round's state (fresh databases for a
/// case that changes its rows, or `()`), dropped when the round ends; then
/// `timed` runs both sides back to back, modelgen first in even rounds and
/// the other side first in odd ones. Each round's measurements, as
/// (modelgen's, the other side's).
pub fn rounds<S, M>(
    rounds: usize,
    mut prepare: impl FnMut() -> S,
    mut timed: impl FnMut(&mut S, Side) -> M,
) -> Vec<(M, M)> {
    (0..rounds)
        .map(|round| {
            let mut state = prepare();
            if round % 2 == 0 {
                let modelgen = timed(&mut state, Side::Modelgen);
                (modelgen, timed(&mut state, Side::Other))
            } else {
                let other = timed(&mut state, Side::Other);
                (timed(&mut state, Side::Modelgen), other)
            }
        })
        .collect()
}

/// A duration in milliseconds, the unit every paired line prints.
pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// The medians of paired rounds: of each side's figure, and of the
/// per-round ratio modelgen / other.
pub struct Medians {
    pub modelgen: f64,
    pub other: f64,
    pub ratio: f64,
}

impl Medians {
    /// The medians of (modelgen, other) figures, one pair a round (at least
    /// one round).
    pub fn of(pairs: impl IntoIterator<Item = (f64, f64)>) -> Medians {
        let (mut modelgen, mut other, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for (ours, theirs) in pairs {
            modelgen.push(ours);
            other.push(theirs);
            ratios.push(ours / theirs);
        }
        Medians { modelgen: median(&mut modelgen), other: median(&mut other), ratio: median(&mut ratios) }
    }
}

/// The upper median (the middle value of an odd count).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The paired rounds of the case `name` (if [`selected`]) measured in
/// wall-clock milliseconds (what `timed` returns), printed as one line: `other` names the other side,
/// `decimals` the milliseconds' precision (docs/performance.md quotes these
/// lines).
pub fn print_wall_clock<S>(
    name: &str,
    rounds: usize,
    other: &str,
    decimals: usize,
    prepare: impl FnMut() -> S,
    timed: impl FnMut(&mut S, Side) -> f64,
) {
    if !selected(name) {
        return;
    }
    let medians = Medians::of(self::rounds(rounds, prepare, timed));
    println!(
        "paired {name} x{rounds}: modelgen median {:.decimals$} ms, {other} median {:.decimals$} ms, median per-round ratio {:.3}",
        medians.modelgen, medians.other, medians.ratio
    );
}
