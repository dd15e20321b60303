//! Sequence decoding over BILOU tags: Viterbi for the best tag sequence, forward-backward for
//! the confidence of each predicted tag.
//!
//! Illegal transitions (see [`crate::tags::can_follow`]) are excluded here, not learned away, so
//! every decoded sequence is well formed.

use crate::tags::{Tag, can_end, can_follow, can_start};

/// Transition weights between tags, with the BILOU constraints.
#[derive(Clone, Debug, PartialEq)]
pub struct Transitions {
    n_tags: usize,
    /// `pair[prev * n_tags + next]`.
    pub pair: Vec<f32>,
    /// Weight of starting a sentence with each tag.
    pub start: Vec<f32>,
    /// Weight of ending a sentence with each tag.
    pub end: Vec<f32>,
    /// `legal[prev * n_tags + next]`: whether `next` may follow `prev` ([`can_follow`]).
    legal: Vec<bool>,
}

impl Transitions {
    /// All-zero transitions for `n_tags` tags.
    pub fn zeros(n_tags: usize) -> Transitions {
        Transitions::new(n_tags, vec![0.0; n_tags * n_tags], vec![0.0; n_tags], vec![0.0; n_tags])
    }

    /// Transitions from weight tables (`pair` is `n_tags × n_tags`, row = previous tag).
    pub fn new(n_tags: usize, pair: Vec<f32>, start: Vec<f32>, end: Vec<f32>) -> Transitions {
        assert_eq!(pair.len(), n_tags * n_tags, "pair table must be n_tags × n_tags");
        assert_eq!(start.len(), n_tags, "start table must have n_tags entries");
        assert_eq!(end.len(), n_tags, "end table must have n_tags entries");
        let legal = (0..n_tags * n_tags).map(|i| can_follow(i / n_tags, i % n_tags)).collect();
        Transitions { n_tags, pair, start, end, legal }
    }

    /// The number of tags.
    pub fn n_tags(&self) -> usize {
        self.n_tags
    }
}

/// The highest-scoring well-formed tag sequence for the emission scores `em`
/// (`len × n_tags`, row-major), written to `out`.
pub fn viterbi(em: &[f32], tr: &Transitions, out: &mut Vec<Tag>) {
    let n = tr.n_tags;
    let len = em.len() / n;
    out.clear();
    if len == 0 {
        return;
    }
    // The transition table with illegal transitions at -inf, so that each position is one dense
    // max over previous tags, the same work for every next tag: SIMD lanes, no branches. Which
    // previous tag won is recomputed for the one path taken when tracing back.
    let legal: Vec<f32> =
        tr.pair.iter().zip(&tr.legal).map(|(&w, &ok)| if ok { w } else { f32::NEG_INFINITY }).collect();
    let mut score = vec![f32::NEG_INFINITY; len * n];
    for y in (0..n).filter(|&y| can_start(y)) {
        score[y] = tr.start[y] + em[y];
    }
    for t in 1..len {
        let (prev_rows, cur_rows) = score.split_at_mut(t * n);
        let prev = &prev_rows[(t - 1) * n..];
        let cur = &mut cur_rows[..n];
        for (&from, weights) in prev.iter().zip(legal.chunks_exact(n)) {
            for (best, &w) in cur.iter_mut().zip(weights) {
                let s = from + w;
                *best = if s > *best { s } else { *best };
            }
        }
        for (best, &e) in cur.iter_mut().zip(&em[t * n..(t + 1) * n]) {
            *best += e;
        }
    }
    let last = &score[(len - 1) * n..];
    let mut y = (0..n)
        .filter(|&y| can_end(y))
        .max_by(|&a, &b| (last[a] + tr.end[a]).total_cmp(&(last[b] + tr.end[b])))
        .expect("the outside tag can always end a sequence");
    out.resize(len, 0);
    out[len - 1] = y;
    for t in (1..len).rev() {
        // The lowest previous tag among the best: the one a strict `>` scan in order keeps.
        let prev = &score[(t - 1) * n..t * n];
        let (mut best, mut arg) = (f32::NEG_INFINITY, 0);
        for (p, &from) in prev.iter().enumerate() {
            let s = from + legal[p * n + y];
            if s > best {
                (best, arg) = (s, p);
            }
        }
        y = arg;
        out[t - 1] = y;
    }
}

/// The transition weights of one model at one temperature as multiplicative potentials, the
/// form forward-backward needs: `exp(weight / temperature)`, zero where a transition is illegal.
/// Built once per model, so that confidences cost a few exponentials per token, not per
/// transition.
#[derive(Clone, Debug)]
pub struct Potentials {
    n_tags: usize,
    inverse_temperature: f32,
    /// `pair[prev * n_tags + next]`.
    pair: Vec<f32>,
    /// The same, transposed: `by_next[next * n_tags + prev]`, so that the backward pass adds
    /// whole rows (SIMD lanes) instead of summing each dot product one lane at a time.
    by_next: Vec<f32>,
    start: Vec<f32>,
    end: Vec<f32>,
}

impl Potentials {
    /// The potentials of `tr` at `temperature`. Each table is scaled so that its largest entry
    /// is 1 (a constant factor on every path, which the marginals do not see).
    pub fn new(tr: &Transitions, temperature: f32) -> Potentials {
        let n = tr.n_tags;
        let k = 1.0 / temperature;
        let table = |weights: &[f32], allowed: &dyn Fn(usize) -> bool| -> Vec<f32> {
            let max =
                (0..weights.len()).filter(|&i| allowed(i)).map(|i| weights[i] * k).fold(f32::NEG_INFINITY, f32::max);
            (0..weights.len()).map(|i| if allowed(i) { (weights[i] * k - max).exp() } else { 0.0 }).collect()
        };
        let pair = table(&tr.pair, &|i| can_follow(i / n, i % n));
        let by_next = (0..n * n).map(|i| pair[(i % n) * n + i / n]).collect();
        Potentials {
            n_tags: n,
            inverse_temperature: k,
            pair,
            by_next,
            start: table(&tr.start, &|y| can_start(y)),
            end: table(&tr.end, &|y| can_end(y)),
        }
    }
}

/// `e^x` for `x <= 0` (0 below -87, where `f32` underflows), to within 3e-7 relative error:
/// Cody-Waite range reduction and a degree-7 polynomial, written out so that a row of them
/// becomes SIMD code. The scalar `expf` of the libm that wasm builds carry was the costliest
/// function of confidences there (17 calls a token).
fn exp_nonpositive(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    let clamped = if x > -87.0 { x } else { -87.0 };
    // The nearest integer to x·log2(e) <= 0 (truncation of a negative number rounds up).
    let n = (clamped * std::f32::consts::LOG2_E - 0.5) as i32;
    let nf = n as f32;
    let r = (clamped - nf * LN2_HI) - nf * LN2_LO;
    let mut p = 1.0 / 5040.0;
    for c in [1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
        p = p * r + c;
    }
    let scale = f32::from_bits(((n + 127) as u32) << 23);
    if x > -87.0 { p * scale } else { 0.0 }
}

/// Scales `row` to sum to 1 (left as is if it sums to zero or overflows).
fn normalise(row: &mut [f32]) {
    let sum: f32 = row.iter().sum();
    if sum > 0.0 && sum.is_finite() {
        let inv = 1.0 / sum;
        row.iter_mut().for_each(|x| *x *= inv);
    }
}

/// The marginal probability of each tag in `tags` at its position, under the distribution
/// `exp(score / temperature)` over well-formed sequences: forward-backward in probability space,
/// each position's vector rescaled to sum to 1 (which the per-position marginals do not see).
pub fn tag_marginals(em: &[f32], pot: &Potentials, tags: &[Tag]) -> Vec<f32> {
    let n = pot.n_tags;
    let len = tags.len();
    if len == 0 {
        return Vec::new();
    }
    let k = pot.inverse_temperature;
    let mut e = vec![0.0f32; len * n];
    for (row, scores) in e.chunks_exact_mut(n).zip(em.chunks_exact(n)) {
        let max = scores.iter().fold(f32::NEG_INFINITY, |m, &s| if s > m { s } else { m });
        for (x, &s) in row.iter_mut().zip(scores) {
            *x = exp_nonpositive((s - max) * k);
        }
    }
    let mut alpha = vec![0.0f32; len * n];
    let mut beta = vec![0.0f32; len * n];
    for y in 0..n {
        alpha[y] = pot.start[y] * e[y];
    }
    normalise(&mut alpha[..n]);
    for t in 1..len {
        let (done, rest) = alpha.split_at_mut(t * n);
        let prev = &done[(t - 1) * n..];
        let cur = &mut rest[..n];
        for (p, &a) in prev.iter().enumerate() {
            for (c, &w) in cur.iter_mut().zip(&pot.pair[p * n..(p + 1) * n]) {
                *c += a * w;
            }
        }
        for (c, &x) in cur.iter_mut().zip(&e[t * n..(t + 1) * n]) {
            *c *= x;
        }
        normalise(cur);
    }
    beta[(len - 1) * n..].copy_from_slice(&pot.end);
    normalise(&mut beta[(len - 1) * n..]);
    let mut next = vec![0.0f32; n];
    for t in (0..len - 1).rev() {
        let (head, tail) = beta.split_at_mut((t + 1) * n);
        for (x, (&b, &ex)) in next.iter_mut().zip(tail[..n].iter().zip(&e[(t + 1) * n..(t + 2) * n])) {
            *x = b * ex;
        }
        let cur = &mut head[t * n..];
        for (&x, weights) in next.iter().zip(pot.by_next.chunks_exact(n)) {
            for (c, &w) in cur.iter_mut().zip(weights) {
                *c += w * x;
            }
        }
        normalise(cur);
    }
    tags.iter()
        .enumerate()
        .map(|(t, &y)| {
            let (a, b) = (&alpha[t * n..(t + 1) * n], &beta[t * n..(t + 1) * n]);
            let z: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            if z > 0.0 { (a[y] * b[y] / z).clamp(0.0, 1.0) } else { 0.0 }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::{OUTSIDE, Position, tag, tag_count};

    #[test]
    fn viterbi_respects_bilou_constraints() {
        let n = tag_count(2);
        // Emissions favour I-PER at every position, which alone is never legal.
        let i_per = tag(0, Position::Inside);
        let mut em = vec![0.0; 3 * n];
        for t in 0..3 {
            em[t * n + i_per] = 5.0;
        }
        let tr = Transitions::zeros(n);
        let mut out = Vec::new();
        viterbi(&em, &tr, &mut out);
        assert_eq!(out, vec![tag(0, Position::Begin), i_per, tag(0, Position::Last)]);
    }

    #[test]
    fn viterbi_picks_the_best_legal_path() {
        let n = tag_count(1);
        let u = tag(0, Position::Unit);
        let em = vec![0.0, 0.0, 0.0, 0.0, 3.0, 1.0, 0.0, 0.0, 0.0, 0.0];
        let mut out = Vec::new();
        viterbi(&em, &Transitions::zeros(n), &mut out);
        assert_eq!(out, vec![u, OUTSIDE]);
    }

    #[test]
    fn exp_matches_the_exact_exponential() {
        for i in 0..=193_000 {
            let x = -(i as f32) * 0.000_45;
            let (got, want) = (f64::from(exp_nonpositive(x)), f64::from(x).exp());
            assert!((got - want).abs() <= 3e-7 * want, "exp({x}) = {got}, want {want}");
        }
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-100.0), 0.0);
        assert_eq!(exp_nonpositive(f32::NEG_INFINITY), 0.0);
    }

    #[test]
    fn marginals_are_probabilities_and_favour_strong_emissions() {
        let n = tag_count(1);
        let u = tag(0, Position::Unit);
        let mut em = vec![0.0; 2 * n];
        em[u] = 6.0;
        let tr = Transitions::zeros(n);
        let m = tag_marginals(&em, &Potentials::new(&tr, 1.0), &[u, OUTSIDE]);
        assert!(m[0] > 0.9 && m[0] <= 1.0, "{m:?}");
        assert!(m[1] > 0.0 && m[1] <= 1.0, "{m:?}");
    }

    #[test]
    fn marginals_match_brute_force_enumeration() {
        // Two types (9 tags), three positions: sum exp(score / T) over every legal sequence.
        let n = tag_count(2);
        let em: Vec<f32> = (0..3 * n).map(|i| ((i * 7919) % 13) as f32 * 0.4 - 2.0).collect();
        let pair: Vec<f32> = (0..n * n).map(|i| ((i * 104729) % 11) as f32 * 0.3 - 1.5).collect();
        let start: Vec<f32> = (0..n).map(|i| i as f32 * 0.1).collect();
        let end: Vec<f32> = (0..n).map(|i| 0.5 - i as f32 * 0.1).collect();
        let tr = Transitions::new(n, pair.clone(), start.clone(), end.clone());
        let temperature = 2.0;
        let mut marginal = vec![0.0f64; 3 * n];
        let mut z = 0.0f64;
        for a in 0..n {
            for b in 0..n {
                for c in 0..n {
                    if !(can_start(a) && can_follow(a, b) && can_follow(b, c) && can_end(c)) {
                        continue;
                    }
                    let score =
                        start[a] + em[a] + pair[a * n + b] + em[n + b] + pair[b * n + c] + em[2 * n + c] + end[c];
                    let p = f64::from(score / temperature).exp();
                    z += p;
                    for (t, y) in [a, b, c].into_iter().enumerate() {
                        marginal[t * n + y] += p;
                    }
                }
            }
        }
        let pot = Potentials::new(&tr, temperature);
        for tags in [[0, 0, 0], [1, 2, 3], [4, 0, 5]] {
            let got = tag_marginals(&em, &pot, &tags);
            for (t, &y) in tags.iter().enumerate() {
                let want = marginal[t * n + y] / z;
                assert!((f64::from(got[t]) - want).abs() < 1e-4, "position {t} tag {y}: {} vs {want}", got[t]);
            }
        }
    }
}
