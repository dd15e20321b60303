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
    allowed_prev: Vec<Vec<Tag>>,
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
        let allowed_prev = (0..n_tags).map(|next| (0..n_tags).filter(|&p| can_follow(p, next)).collect()).collect();
        Transitions { n_tags, pair, start, end, allowed_prev }
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
    let mut score = vec![f32::NEG_INFINITY; len * n];
    let mut back = vec![0u8; len * n];
    for y in (0..n).filter(|&y| can_start(y)) {
        score[y] = tr.start[y] + em[y];
    }
    for t in 1..len {
        let (prev_rows, cur_rows) = score.split_at_mut(t * n);
        let prev = &prev_rows[(t - 1) * n..];
        for y in 0..n {
            let mut best = f32::NEG_INFINITY;
            let mut arg = 0;
            for &p in &tr.allowed_prev[y] {
                let s = prev[p] + tr.pair[p * n + y];
                if s > best {
                    best = s;
                    arg = p;
                }
            }
            cur_rows[y] = best + em[t * n + y];
            back[t * n + y] = arg as u8;
        }
    }
    let last = &score[(len - 1) * n..];
    let mut y = (0..n)
        .filter(|&y| can_end(y))
        .max_by(|&a, &b| (last[a] + tr.end[a]).total_cmp(&(last[b] + tr.end[b])))
        .expect("the outside tag can always end a sequence");
    out.resize(len, 0);
    for t in (0..len).rev() {
        out[t] = y;
        y = back[t * n + y] as usize;
    }
}

fn log_sum_exp(values: impl Iterator<Item = f32> + Clone) -> f32 {
    let m = values.clone().fold(f32::NEG_INFINITY, f32::max);
    if m == f32::NEG_INFINITY {
        return m;
    }
    m + values.map(|x| (x - m).exp()).sum::<f32>().ln()
}

/// The marginal probability of each tag in `tags` at its position, under the distribution
/// `exp(score / temperature)` over well-formed sequences (forward-backward).
pub fn tag_marginals(em: &[f32], tr: &Transitions, temperature: f32, tags: &[Tag]) -> Vec<f32> {
    let n = tr.n_tags;
    let len = tags.len();
    if len == 0 {
        return Vec::new();
    }
    let k = 1.0 / temperature;
    let mut alpha = vec![f32::NEG_INFINITY; len * n];
    let mut beta = vec![f32::NEG_INFINITY; len * n];
    for y in (0..n).filter(|&y| can_start(y)) {
        alpha[y] = (tr.start[y] + em[y]) * k;
    }
    for t in 1..len {
        for y in 0..n {
            let s = log_sum_exp(tr.allowed_prev[y].iter().map(|&p| alpha[(t - 1) * n + p] + tr.pair[p * n + y] * k));
            alpha[t * n + y] = s + em[t * n + y] * k;
        }
    }
    for y in (0..n).filter(|&y| can_end(y)) {
        beta[(len - 1) * n + y] = tr.end[y] * k;
    }
    for t in (0..len - 1).rev() {
        for p in 0..n {
            beta[t * n + p] = log_sum_exp(
                (0..n)
                    .filter(|&y| can_follow(p, y))
                    .map(|y| tr.pair[p * n + y] * k + em[(t + 1) * n + y] * k + beta[(t + 1) * n + y]),
            );
        }
    }
    let log_z = log_sum_exp((0..n).map(|y| alpha[y] + beta[y]));
    tags.iter().enumerate().map(|(t, &y)| (alpha[t * n + y] + beta[t * n + y] - log_z).exp().clamp(0.0, 1.0)).collect()
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
    fn marginals_are_probabilities_and_favour_strong_emissions() {
        let n = tag_count(1);
        let u = tag(0, Position::Unit);
        let mut em = vec![0.0; 2 * n];
        em[u] = 6.0;
        let tr = Transitions::zeros(n);
        let m = tag_marginals(&em, &tr, 1.0, &[u, OUTSIDE]);
        assert!(m[0] > 0.9 && m[0] <= 1.0, "{m:?}");
        assert!(m[1] > 0.0 && m[1] <= 1.0, "{m:?}");
    }
}
