//! Sequence decoding over BILOU tags: Viterbi for the best tag sequence, forward-backward for
//! the confidence of each predicted tag.
//!
//! Illegal transitions (see [`crate::tags::can_follow`]) are excluded here, not learned away, so
//! every decoded sequence is well formed.

use std::ops::Range;

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
        Transitions { n_tags, pair, start, end }
    }

    /// The number of tags.
    pub fn n_tags(&self) -> usize {
        self.n_tags
    }
}

/// The legal moves between BILOU tags ([`can_follow`]) in the shape decoding uses. Of the
/// `n × n` pairs only a third are legal: a tag that closes an entity or is outside one (`O`,
/// `L-x`, `U-x`) may be followed by exactly the tags that may start a sentence (`O`, `B-x`,
/// `U-x`), a dense block; and `I-x` and `L-x` may follow only `B-x` and `I-x`. Decoding visits
/// the legal pairs alone, in increasing order of the previous tag as a dense scan would, so its
/// maxima and sums are exactly those of the dense scan.
#[derive(Clone, Debug)]
struct Moves {
    n_tags: usize,
    /// The tags that may follow a closed tag (the tags that may start a sentence), increasing.
    opening: Vec<usize>,
    /// The tags that may be followed by the opening ones, increasing.
    closed: Vec<usize>,
    /// Every other tag (inside or last of an entity), with the two tags it may follow, increasing.
    inner: Vec<(usize, [usize; 2])>,
    /// Per tag: its index in `opening`, or its index in `inner`.
    place: Vec<Place>,
    /// Whether the lists are [`SHIPPED_LISTS`].
    shipped: bool,
}

/// The tag lists of [`Moves`], borrowed: what the loops of decoding walk.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Lists<'a> {
    n_tags: usize,
    opening: &'a [usize],
    closed: &'a [usize],
    inner: &'a [(usize, [usize; 2])],
}

/// The lists of the shipped model's 17 tags (four types: `O`, then `B`, `I`, `L`, `U` of each),
/// as constants: decoding has a copy of its loops for them in which every tag index is known
/// when compiling, so the loops unroll, with no index to load and no bound to check (half the
/// instructions of a Viterbi step that reads its indices from the lists).
const SHIPPED_LISTS: Lists<'static> = Lists {
    n_tags: SHIPPED_TAGS,
    opening: &[0, 1, 4, 5, 8, 9, 12, 13, 16],
    closed: &[0, 3, 4, 7, 8, 11, 12, 15, 16],
    inner: &[
        (2, [1, 2]),
        (3, [1, 2]),
        (6, [5, 6]),
        (7, [5, 6]),
        (10, [9, 10]),
        (11, [9, 10]),
        (14, [13, 14]),
        (15, [13, 14]),
    ],
};

/// Where [`Moves`] keeps a tag.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Place {
    Opening(usize),
    Inner(usize),
}

impl Moves {
    /// The moves between `n_tags` BILOU tags.
    fn new(n_tags: usize) -> Moves {
        let opening: Vec<usize> = (0..n_tags).filter(|&y| can_start(y)).collect();
        let closed: Vec<usize> = (0..n_tags).filter(|&p| opening.iter().all(|&y| can_follow(p, y))).collect();
        let mut inner = Vec::new();
        let mut place = Vec::with_capacity(n_tags);
        for y in 0..n_tags {
            if let Some(o) = opening.iter().position(|&o| o == y) {
                place.push(Place::Opening(o));
                continue;
            }
            let before: Vec<usize> = (0..n_tags).filter(|&p| can_follow(p, y)).collect();
            let pair = <[usize; 2]>::try_from(before.as_slice()).expect("an inner tag follows two tags");
            place.push(Place::Inner(inner.len()));
            inner.push((y, pair));
        }
        let mut moves = Moves { n_tags, opening, closed, inner, place, shipped: false };
        moves.shipped = moves.lists() == SHIPPED_LISTS;
        moves
    }

    /// The lists, borrowed.
    fn lists(&self) -> Lists<'_> {
        Lists { n_tags: self.n_tags, opening: &self.opening, closed: &self.closed, inner: &self.inner }
    }

    /// Per closed tag, the entries of `table` (`n × n`, row = previous tag) to each opening
    /// tag, each row padded with `pad` to [`lanes`] entries; and per inner tag, the entries from
    /// its two previous tags.
    fn gather(&self, table: &[f32], pad: f32) -> (Vec<f32>, Vec<[f32; 2]>) {
        let n = self.n_tags;
        let padding = lanes(self.opening.len()) - self.opening.len();
        let open = self
            .closed
            .iter()
            .flat_map(|&p| self.opening.iter().map(move |&y| table[p * n + y]).chain(std::iter::repeat_n(pad, padding)))
            .collect();
        let inner = self.inner.iter().map(|&(y, [p, q])| [table[p * n + y], table[q * n + y]]).collect();
        (open, inner)
    }
}

/// The SIMD width that the dense blocks of decoding are laid out for: four `f32` (SSE2, wasm's
/// SIMD128).
const LANE: usize = 4;

/// `width` rounded up to whole [`LANE`]s: the length of a padded row of the dense blocks. Their
/// loops take a row as `[f32; LANE]` values, computed whole, which the compiler turns into one
/// SIMD instruction each; written element by element over nine tags, the loops stayed scalar.
const fn lanes(width: usize) -> usize {
    width.div_ceil(LANE) * LANE
}

/// The tag counts of the shipped model's four types: 17 tags, 9 of which open an entity (and 9
/// close one). Decoding compiles a copy of its loops for these sizes, unrolled.
pub(crate) const SHIPPED_SIZES: (usize, usize) = (17, 9);

/// The tag count of the shipped model: rows of this length have a fixed-size copy of the loops
/// that add them up ([`crate::weights::add_row`], the scorer's), as decoding has of its loops.
pub(crate) const SHIPPED_TAGS: usize = SHIPPED_SIZES.0;

/// A Viterbi decoder for one set of transitions, its weights laid out for the legal moves
/// alone: about 100 additions a token instead of 289 for 17 tags. Build it once per model.
#[derive(Clone, Debug)]
pub struct Viterbi {
    moves: Moves,
    /// `open[c * lanes(opening) + o]`: the weight from closed tag `c` to opening tag `o`; rows
    /// padded with `-inf`.
    open: Vec<f32>,
    /// Per inner tag: the weights from its two previous tags.
    inner: Vec<[f32; 2]>,
    start: Vec<f32>,
    end: Vec<f32>,
}

impl Viterbi {
    /// The decoder of `tr`.
    pub fn new(tr: &Transitions) -> Viterbi {
        let moves = Moves::new(tr.n_tags);
        let (open, inner) = moves.gather(&tr.pair, f32::NEG_INFINITY);
        Viterbi { moves, open, inner, start: tr.start.clone(), end: tr.end.clone() }
    }

    /// The highest-scoring well-formed tag sequence for the emission scores `em`
    /// (`len × n_tags`, row-major), written to `out`: the same as [`viterbi`].
    pub fn decode(&self, em: &[f32], out: &mut Vec<Tag>) {
        self.decode_reusing(em, out, &mut Vec::new());
    }

    /// [`Viterbi::decode`] with its score table in `scratch`, so that decoding sentence after
    /// sentence allocates nothing once it has grown to the longest.
    pub fn decode_reusing(&self, em: &[f32], out: &mut Vec<Tag>, scratch: &mut Vec<f32>) {
        if self.moves.shipped {
            self.decode_with(em, out, scratch, SHIPPED_LISTS);
        } else {
            self.decode_with(em, out, scratch, self.moves.lists());
        }
    }

    /// [`Viterbi::decode_reusing`] walking the tag lists `lists` (the decoder's): inlined into
    /// each call, so that where they are constants the loops over tags unroll.
    #[inline(always)]
    fn decode_with(&self, em: &[f32], out: &mut Vec<Tag>, scratch: &mut Vec<f32>, lists: Lists<'_>) {
        let moves = &self.moves;
        let (n, width) = (lists.n_tags, lists.opening.len());
        let len = em.len() / n;
        out.clear();
        if len == 0 {
            return;
        }
        let row = lanes(width);
        // Every row after the first is written whole below, so the table is not cleared: only
        // the first row starts at -inf.
        scratch.resize(len * n + row, f32::NEG_INFINITY);
        let (score, best) = scratch.split_at_mut(len * n);
        score[..n].fill(f32::NEG_INFINITY);
        for y in (0..n).filter(|&y| can_start(y)) {
            score[y] = self.start[y] + em[y];
        }
        // The best score into each opening tag: one dense max over the closed tags, the same
        // work for every opening tag (SIMD lanes, no branches).
        for t in 1..len {
            let (prev_rows, cur_rows) = score.split_at_mut(t * n);
            let prev = &prev_rows[(t - 1) * n..t * n];
            let cur = &mut cur_rows[..n];
            let best = &mut best[..row];
            best.fill(f32::NEG_INFINITY);
            fold_rows(best.as_chunks_mut::<LANE>().0, prev, lists.closed, &self.open, |was, from, weight| {
                let s = from + weight;
                if s > was { s } else { was }
            });
            for (&y, &b) in lists.opening.iter().zip(&*best) {
                cur[y] = b;
            }
            for (&(y, [p, q]), &[wp, wq]) in lists.inner.iter().zip(&self.inner[..lists.inner.len()]) {
                let (a, b) = (prev[p] + wp, prev[q] + wq);
                cur[y] = if b > a { b } else { a };
            }
            for (best, &e) in cur.iter_mut().zip(&em[t * n..(t + 1) * n]) {
                *best += e;
            }
        }
        let last = &score[(len - 1) * n..];
        let mut y = (0..n)
            .filter(|&y| can_end(y))
            .max_by(|&a, &b| (last[a] + self.end[a]).total_cmp(&(last[b] + self.end[b])))
            .expect("the outside tag can always end a sequence");
        out.resize(len, 0);
        out[len - 1] = y;
        for t in (1..len).rev() {
            // The lowest previous tag among the best: the one a strict `>` scan in order keeps
            // (the outside tag if every move scores -inf).
            let prev = &score[(t - 1) * n..t * n];
            y = match moves.place[y] {
                Place::Opening(o) => {
                    // Every candidate first, then their maximum, then the first closed tag that
                    // reaches it: no comparison waits on the one before, as in a running scan.
                    let candidates = &mut best[..width];
                    let weights = self.open[..lists.closed.len() * row].chunks_exact(row);
                    for ((s, &p), weights) in candidates.iter_mut().zip(lists.closed).zip(weights) {
                        *s = prev[p] + weights[o];
                    }
                    let top = candidates.iter().fold(f32::NEG_INFINITY, |m, &s| if s > m { s } else { m });
                    candidates.iter().position(|&s| s == top && s > f32::NEG_INFINITY).map_or(0, |c| lists.closed[c])
                }
                Place::Inner(i) => {
                    let ([p, q], [wp, wq]) = (lists.inner[i].1, self.inner[i]);
                    let (a, b) = (prev[p] + wp, prev[q] + wq);
                    if b > a {
                        q
                    } else if a > f32::NEG_INFINITY {
                        p
                    } else {
                        0
                    }
                }
            };
            out[t - 1] = y;
        }
    }
}

/// Folds into `acc` (a padded row of SIMD lanes) each row of `table` (rows of `acc`'s length)
/// with the value `from[tags[r]]` of its tag: `acc[i] = step(acc[i], from[tags[r]], row_r[i])`
/// for the rows `r` in order. Its own function so that `acc` is known not to alias `from`: the
/// lanes stay in registers across rows instead of being stored and reloaded after each.
#[inline(always)]
fn fold_rows(
    acc: &mut [[f32; LANE]],
    from: &[f32],
    tags: &[usize],
    table: &[f32],
    step: impl Fn(f32, f32, f32) -> f32,
) {
    let row = acc.len() * LANE;
    let table = &table[..tags.len() * row];
    // The shipped model's sizes: nine rows of twelve lanes, written out row by row, so that each
    // row's tag is a constant (no index to load or check) and the lanes stay in registers; as a
    // loop, the compiler kept it rolled.
    const ROWS: usize = SHIPPED_SIZES.1;
    const WIDTH: usize = lanes(ROWS);
    if let (Ok(acc), Ok(tags), Ok(table)) = (
        <&mut [f32; WIDTH]>::try_from(acc.as_flattened_mut()),
        <&[usize; ROWS]>::try_from(tags),
        <&[f32; ROWS * WIDTH]>::try_from(table),
    ) {
        #[inline(always)]
        fn fold<const R: usize>(
            lanes: [f32; WIDTH],
            from: &[f32],
            tags: &[usize; ROWS],
            table: &[f32; ROWS * WIDTH],
            step: &impl Fn(f32, f32, f32) -> f32,
        ) -> [f32; WIDTH] {
            let value = from[tags[R]];
            let weights: &[f32; WIDTH] = table[R * WIDTH..][..WIDTH].try_into().expect("a row");
            std::array::from_fn(|i| step(lanes[i], value, weights[i]))
        }
        const _: () = assert!(ROWS == 9, "one call a row below");
        let mut lanes = *acc;
        lanes = fold::<0>(lanes, from, tags, table, &step);
        lanes = fold::<1>(lanes, from, tags, table, &step);
        lanes = fold::<2>(lanes, from, tags, table, &step);
        lanes = fold::<3>(lanes, from, tags, table, &step);
        lanes = fold::<4>(lanes, from, tags, table, &step);
        lanes = fold::<5>(lanes, from, tags, table, &step);
        lanes = fold::<6>(lanes, from, tags, table, &step);
        lanes = fold::<7>(lanes, from, tags, table, &step);
        *acc = fold::<8>(lanes, from, tags, table, &step);
        return;
    }
    for (&tag, weights) in tags.iter().zip(table.chunks_exact(row)) {
        let value = from[tag];
        for (lanes, weights) in acc.iter_mut().zip(weights.as_chunks::<LANE>().0) {
            let was = *lanes;
            *lanes = std::array::from_fn(|i| step(was[i], value, weights[i]));
        }
    }
}

/// The highest-scoring well-formed tag sequence for the emission scores `em`
/// (`len × n_tags`, row-major), written to `out`. Decoding many sequences with the same
/// transitions, build a [`Viterbi`] once instead.
pub fn viterbi(em: &[f32], tr: &Transitions, out: &mut Vec<Tag>) {
    Viterbi::new(tr).decode(em, out);
}

/// The transition weights of one model at one temperature as multiplicative potentials, the
/// form forward-backward needs: `exp(weight / temperature)`, zero where a transition is illegal.
/// Built once per model, so that confidences cost a few exponentials per token, not per
/// transition; laid out, like [`Viterbi`]'s weights, for the legal moves alone.
#[derive(Clone, Debug)]
pub struct Potentials {
    moves: Moves,
    inverse_temperature: f32,
    /// `open[c * lanes(opening) + o]`: the potential from closed tag `c` to opening tag `o`;
    /// rows padded with zeros.
    open: Vec<f32>,
    /// The same, transposed: `open_by_next[o * lanes(closed) + c]`, so that the backward pass
    /// adds whole rows (SIMD lanes) instead of summing each dot product one lane at a time.
    open_by_next: Vec<f32>,
    /// Per inner tag: the potentials from its two previous tags.
    inner: Vec<[f32; 2]>,
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
        let moves = Moves::new(n);
        let (open, inner) = moves.gather(&table(&tr.pair, &|i| can_follow(i / n, i % n)), 0.0);
        let (closed, opening) = (moves.closed.len(), moves.opening.len());
        let (closed_row, opening_row) = (lanes(closed), lanes(opening));
        let open_by_next = (0..opening * closed_row)
            .map(|i| {
                let (o, c) = (i / closed_row, i % closed_row);
                if c < closed { open[c * opening_row + o] } else { 0.0 }
            })
            .collect();
        Potentials {
            moves,
            inverse_temperature: k,
            open,
            open_by_next,
            inner,
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
    // Adding and taking away 1.5 · 2^23 rounds a float below 2^22 in magnitude to the nearest
    // integer; adding 2^23 to an integer below 2^23 puts it in the low bits of the float.
    const ROUND: f32 = 12_582_912.0;
    const TO_BITS: f32 = 8_388_608.0;
    let clamped = if x > -87.0 { x } else { -87.0 };
    // The nearest integer to x·log2(e) <= 0: `t` truncated toward zero, which for `t <= -0.5`
    // is its ceiling, the nearest integer raised by one where that lies below `t`. The same
    // value as `t as i32`, in float operations that vectorise where that cast does not.
    let t = clamped * std::f32::consts::LOG2_E - 0.5;
    let nearest = (t + ROUND) - ROUND;
    let nf = if nearest < t { nearest + 1.0 } else { nearest };
    let r = (clamped - nf * LN2_HI) - nf * LN2_LO;
    let mut p = 1.0 / 5040.0;
    for c in [1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
        p = p * r + c;
    }
    // 2^nf, from the biased exponent nf + 127 (an integer from 1 to 127).
    let scale = f32::from_bits(((nf + 127.0 + TO_BITS).to_bits() - TO_BITS.to_bits()) << 23);
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
/// Only legal moves are summed, in the order a dense sum would add them: the zero potentials of
/// the others add nothing, so the sums are exactly the dense ones.
pub fn tag_marginals(em: &[f32], pot: &Potentials, tags: &[Tag]) -> Vec<f32> {
    let mut out = Vec::new();
    Marginals::default().between(em, pot, tags, 0..tags.len(), &mut out);
    out
}

/// Buffers for [`tag_marginals`] kept between sentences, so that confidences allocate nothing
/// once they have grown to the longest sentence.
#[derive(Debug, Default)]
pub struct Marginals {
    e: Vec<f32>,
    alpha: Vec<f32>,
    beta: Vec<f32>,
    sums: Vec<f32>,
    next: Vec<f32>,
}

impl Marginals {
    /// The marginals of [`tag_marginals`] at the positions `wanted` only, written to `out`
    /// (`out[i]` for position `wanted.start + i`). The forward pass stops at `wanted.end` and the
    /// backward pass at `wanted.start`: each position's vectors depend only on the positions
    /// before (forward) or after (backward) it, so the values are exactly those of the full run.
    pub fn between(&mut self, em: &[f32], pot: &Potentials, tags: &[Tag], wanted: Range<usize>, out: &mut Vec<f32>) {
        let moves = &pot.moves;
        debug_assert_eq!(moves.opening.len(), moves.closed.len(), "as many tags close an entity as open one");
        if moves.shipped {
            self.between_with(em, pot, tags, wanted, out, SHIPPED_LISTS);
        } else {
            self.between_with(em, pot, tags, wanted, out, moves.lists());
        }
    }

    /// [`Marginals::between`] walking the tag lists `lists` (the potentials'), in which as many
    /// tags open an entity as close one: inlined into each call, so that where they are
    /// constants the loops over tags unroll.
    #[inline(always)]
    fn between_with(
        &mut self,
        em: &[f32],
        pot: &Potentials,
        tags: &[Tag],
        wanted: Range<usize>,
        out: &mut Vec<f32>,
        lists: Lists<'_>,
    ) {
        out.clear();
        let (n, width) = (lists.n_tags, lists.opening.len());
        let len = tags.len();
        if wanted.is_empty() {
            return;
        }
        assert!(wanted.end <= len, "wanted positions within the sentence");
        let k = pot.inverse_temperature;
        let Marginals { e, alpha, beta, sums, next } = self;
        // The exponentials and the forward pass are not cleared: every exponential is computed
        // below, and the forward pass writes each row it reads whole. The backward pass adds to
        // the tags inside an entity, from zero.
        e.resize(len * n, 0.0);
        alpha.resize(len * n, 0.0);
        beta.clear();
        beta.resize(len * n, 0.0);
        // The forward pass reads the exponentials before `wanted.end`, the backward pass those
        // after `wanted.start`: every row, since `wanted` is not empty.
        for (row, scores) in e.chunks_exact_mut(n).zip(em.chunks_exact(n)) {
            let max = scores.iter().fold(f32::NEG_INFINITY, |m, &s| if s > m { s } else { m });
            for (x, &s) in row.iter_mut().zip(scores) {
                *x = exp_nonpositive((s - max) * k);
            }
        }
        for y in 0..n {
            alpha[y] = pot.start[y] * e[y];
        }
        normalise(&mut alpha[..n]);
        let row = lanes(width);
        sums.clear();
        sums.resize(row, 0.0);
        for t in 1..wanted.end {
            let (done, rest) = alpha.split_at_mut(t * n);
            let prev = &done[(t - 1) * n..t * n];
            let cur = &mut rest[..n];
            let into_opening = &mut sums[..row];
            into_opening.fill(0.0);
            fold_rows(into_opening.as_chunks_mut::<LANE>().0, prev, lists.closed, &pot.open, |was, a, weight| {
                was + a * weight
            });
            for (&y, &c) in lists.opening.iter().zip(&*into_opening) {
                cur[y] = c;
            }
            for (&(y, [p, q]), &[wp, wq]) in lists.inner.iter().zip(&pot.inner[..lists.inner.len()]) {
                cur[y] = prev[p] * wp + prev[q] * wq;
            }
            for (c, &x) in cur.iter_mut().zip(&e[t * n..(t + 1) * n]) {
                *c *= x;
            }
            normalise(cur);
        }
        beta[(len - 1) * n..].copy_from_slice(&pot.end);
        normalise(&mut beta[(len - 1) * n..]);
        next.clear();
        next.resize(n, 0.0);
        for t in (wanted.start..len - 1).rev() {
            let (head, tail) = beta.split_at_mut((t + 1) * n);
            for (x, (&b, &ex)) in next.iter_mut().zip(tail[..n].iter().zip(&e[(t + 1) * n..(t + 2) * n])) {
                *x = b * ex;
            }
            let cur = &mut head[t * n..(t + 1) * n];
            let from_closed = &mut sums[..row];
            from_closed.fill(0.0);
            fold_rows(
                from_closed.as_chunks_mut::<LANE>().0,
                next,
                lists.opening,
                &pot.open_by_next,
                |was, x, weight| was + weight * x,
            );
            for (&p, &c) in lists.closed.iter().zip(&*from_closed) {
                cur[p] = c;
            }
            // Each tag inside an entity goes on to the two inner tags of its type, in order.
            for (&(y, [p, q]), &[wp, wq]) in lists.inner.iter().zip(&pot.inner[..lists.inner.len()]) {
                cur[p] += wp * next[y];
                cur[q] += wq * next[y];
            }
            normalise(cur);
        }
        out.extend(wanted.map(|t| {
            let y = tags[t];
            let (a, b) = (&alpha[t * n..(t + 1) * n], &beta[t * n..(t + 1) * n]);
            let z: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
            if z > 0.0 { (a[y] * b[y] / z).clamp(0.0, 1.0) } else { 0.0 }
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::{OUTSIDE, Position, tag, tag_count};

    #[test]
    fn the_shipped_lists_are_those_of_four_types() {
        assert!(Moves::new(tag_count(4)).shipped);
        assert_eq!(Moves::new(tag_count(4)).lists(), SHIPPED_LISTS);
        assert!(!Moves::new(tag_count(2)).shipped);
    }

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

    /// The dense Viterbi: a max over every previous tag, illegal moves at -inf.
    fn dense_viterbi(em: &[f32], tr: &Transitions) -> Vec<Tag> {
        let n = tr.n_tags;
        let len = em.len() / n;
        let legal = |p: usize, y: usize| if can_follow(p, y) { tr.pair[p * n + y] } else { f32::NEG_INFINITY };
        let mut score = vec![f32::NEG_INFINITY; len * n];
        for y in (0..n).filter(|&y| can_start(y)) {
            score[y] = tr.start[y] + em[y];
        }
        for t in 1..len {
            for y in 0..n {
                let best = (0..n).map(|p| score[(t - 1) * n + p] + legal(p, y)).fold(f32::NEG_INFINITY, f32::max);
                score[t * n + y] = best + em[t * n + y];
            }
        }
        let last = &score[(len - 1) * n..];
        let mut y = (0..n)
            .filter(|&y| can_end(y))
            .max_by(|&a, &b| (last[a] + tr.end[a]).total_cmp(&(last[b] + tr.end[b])))
            .expect("O can end");
        let mut out = vec![y; len];
        for t in (1..len).rev() {
            let (mut best, mut arg) = (f32::NEG_INFINITY, 0);
            for p in 0..n {
                let s = score[(t - 1) * n + p] + legal(p, y);
                if s > best {
                    (best, arg) = (s, p);
                }
            }
            y = arg;
            out[t - 1] = y;
        }
        out
    }

    /// The dense forward-backward: every move summed, illegal ones with a zero potential.
    fn dense_marginals(em: &[f32], tr: &Transitions, temperature: f32, tags: &[Tag]) -> Vec<f32> {
        let n = tr.n_tags;
        let len = tags.len();
        let pot = Potentials::new(tr, temperature);
        let mut pair = vec![0.0; n * n];
        for (c, &p) in pot.moves.closed.iter().enumerate() {
            for (o, &y) in pot.moves.opening.iter().enumerate() {
                pair[p * n + y] = pot.open[c * lanes(pot.moves.opening.len()) + o];
            }
        }
        for (&(y, [p, q]), &[wp, wq]) in pot.moves.inner.iter().zip(&pot.inner) {
            (pair[p * n + y], pair[q * n + y]) = (wp, wq);
        }
        let e: Vec<f32> = em
            .chunks_exact(n)
            .flat_map(|s| {
                let max = s.iter().fold(f32::NEG_INFINITY, |m, &x| if x > m { x } else { m });
                s.iter().map(move |&x| exp_nonpositive((x - max) * pot.inverse_temperature))
            })
            .collect();
        let (mut alpha, mut beta) = (vec![0.0f32; len * n], vec![0.0f32; len * n]);
        for y in 0..n {
            alpha[y] = pot.start[y] * e[y];
        }
        normalise(&mut alpha[..n]);
        for t in 1..len {
            for p in 0..n {
                for y in 0..n {
                    alpha[t * n + y] += alpha[(t - 1) * n + p] * pair[p * n + y];
                }
            }
            for y in 0..n {
                alpha[t * n + y] *= e[t * n + y];
            }
            normalise(&mut alpha[t * n..(t + 1) * n]);
        }
        beta[(len - 1) * n..].copy_from_slice(&pot.end);
        normalise(&mut beta[(len - 1) * n..]);
        for t in (0..len - 1).rev() {
            for y in 0..n {
                let x = beta[(t + 1) * n + y] * e[(t + 1) * n + y];
                for p in 0..n {
                    beta[t * n + p] += pair[p * n + y] * x;
                }
            }
            normalise(&mut beta[t * n..(t + 1) * n]);
        }
        (0..len)
            .map(|t| {
                let (a, b) = (&alpha[t * n..(t + 1) * n], &beta[t * n..(t + 1) * n]);
                let z: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                if z > 0.0 { (a[tags[t]] * b[tags[t]] / z).clamp(0.0, 1.0) } else { 0.0 }
            })
            .collect()
    }

    /// Random transitions and emissions for `n_types` types and `len` tokens; small integers
    /// when `ties`, so that equal scores occur.
    fn random_case(rng: &mut fastrand::Rng, n_types: usize, len: usize, ties: bool) -> (Transitions, Vec<f32>) {
        let n = tag_count(n_types);
        let mut draw = |k: usize| -> Vec<f32> {
            (0..k).map(|_| if ties { rng.i32(-2..=2) as f32 } else { rng.f32() * 8.0 - 4.0 }).collect()
        };
        let tr = Transitions::new(n, draw(n * n), draw(n), draw(n));
        (tr, draw(len * n))
    }

    #[test]
    fn moves_are_exactly_the_legal_transitions() {
        for n_types in 0..=5 {
            let n = tag_count(n_types);
            let moves = Moves::new(n);
            let mut legal = vec![false; n * n];
            for &p in &moves.closed {
                for &y in &moves.opening {
                    legal[p * n + y] = true;
                }
            }
            for &(y, [p, q]) in &moves.inner {
                assert!(p < q);
                (legal[p * n + y], legal[q * n + y]) = (true, true);
            }
            for (i, &ok) in legal.iter().enumerate() {
                assert_eq!(ok, can_follow(i / n, i % n), "{} → {}", i / n, i % n);
            }
        }
    }

    #[test]
    fn sparse_viterbi_equals_the_dense_one() {
        let mut rng = fastrand::Rng::with_seed(7);
        for case in 0..3000 {
            let (n_types, len, ties) = (rng.usize(1..=5), rng.usize(1..=12), case % 2 == 0);
            let (tr, em) = random_case(&mut rng, n_types, len, ties);
            let mut got = Vec::new();
            viterbi(&em, &tr, &mut got);
            assert_eq!(got, dense_viterbi(&em, &tr), "case {case}");
        }
    }

    #[test]
    fn sparse_marginals_equal_the_dense_ones_bit_for_bit() {
        let mut rng = fastrand::Rng::with_seed(11);
        for case in 0..2000 {
            let (n_types, len) = (rng.usize(1..=5), rng.usize(1..=12));
            let (tr, em) = random_case(&mut rng, n_types, len, case % 2 == 0);
            let temperature = 0.5 + rng.f32() * 2.0;
            let tags: Vec<Tag> = (0..len).map(|_| rng.usize(..tr.n_tags())).collect();
            let got = tag_marginals(&em, &Potentials::new(&tr, temperature), &tags);
            let want = dense_marginals(&em, &tr, temperature, &tags);
            assert_eq!(
                got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                want.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                "case {case}"
            );
        }
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
    fn exp_rounds_as_the_integer_cast_did() {
        // The range reduction with `as i32` (which does not vectorise), bit for bit: scores
        // and the calibrated temperature of a retrained model must not move.
        let with_cast = |x: f32| -> f32 {
            let clamped = if x > -87.0 { x } else { -87.0 };
            let n = (clamped * std::f32::consts::LOG2_E - 0.5) as i32;
            let nf = n as f32;
            let r = (clamped - nf * 0.693_145_75) - nf * 1.428_606_8e-6;
            let mut p = 1.0 / 5040.0;
            for c in [1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
                p = p * r + c;
            }
            let scale = f32::from_bits(((n + 127) as u32) << 23);
            if x > -87.0 { p * scale } else { 0.0 }
        };
        // Every float from -90 to 0 at a step of 2^-12, the points where x·log2(e) - 0.5 is an
        // integer or half of one (the rounding's edges), and the specials.
        let edges = (0..=260).map(|k| (-(k as f32) / 2.0 + 0.5) / std::f32::consts::LOG2_E);
        let steps = (0..=90 * 4096).map(|i| -(i as f32) / 4096.0);
        let specials = [0.0, -0.0, -87.0, -87.000_01, -86.999_99, f32::MIN, f32::NEG_INFINITY];
        for x in steps.chain(edges.flat_map(|e| [e, e.next_down(), e.next_up()])).chain(specials) {
            let x = x.min(0.0);
            assert_eq!(exp_nonpositive(x).to_bits(), with_cast(x).to_bits(), "exp({x})");
        }
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
            // Any window of positions gets exactly the full run's values, with reused buffers.
            let (mut scratch, mut part) = (Marginals::default(), Vec::new());
            for wanted in [0..1, 1..2, 2..3, 0..2, 1..3, 0..3, 2..2] {
                scratch.between(&em, &pot, &tags, wanted.clone(), &mut part);
                assert_eq!(part, got[wanted.clone()], "positions {wanted:?}");
            }
        }
    }
}
