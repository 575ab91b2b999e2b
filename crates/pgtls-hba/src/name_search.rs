//! Exact search for names that tell a column's patterns apart: a
//! breadth-first walk over the product of the patterns' DFAs (from
//! `regex-automata`), one shortest ASCII name per distinct set of patterns
//! that match it. Sampling from each pattern alone misses combinations:
//! after `/^[^a]` takes every name not starting with `a`, a later `/b$`
//! line is reached only by names like `ab`.

use regex_automata::dfa::{dense, Automaton, StartKind};
use regex_automata::nfa::thompson;
use regex_automata::util::primitives::StateID;
use regex_automata::util::syntax;
use regex_automata::Input;
use rustc_hash::FxHashMap;

/// DFA transitions one walk may take (the walk stops there and keeps what
/// it found): the states visited are bounded by this over the number of
/// patterns times the alphabet.
const TRANSITIONS: usize = 1_500_000;
/// Longest name tried: NAMEDATALEN - 1, the longest name the server keeps.
const DEPTH: usize = 63;
/// Beyond this many patterns the walk is not tried (each step costs one
/// transition per pattern).
const PATTERNS: usize = 48;

/// A pattern's progress on a name: still running in a DFA state, already
/// matched (unanchored: a match anywhere), or dead.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum P {
    Run(StateID),
    Matched,
    Dead,
}

/// For `pats` (Rust regex syntax): shortest names, one per distinct
/// vector of "pattern i matches", among names where pattern 0 matches
/// when `target` is set; names for which `skip` holds are passed over.
/// `None` when a pattern cannot be turned into a small DFA.
pub(crate) fn distinct_names(
    pats: &[&str],
    target: bool,
    skip: &dyn Fn(&str) -> bool,
    max: usize,
) -> Option<Vec<String>> {
    if pats.is_empty() || pats.len() > PATTERNS {
        return None;
    }
    let mut dfas = Vec::with_capacity(pats.len());
    for p in pats {
        dfas.push(dfa_of(p)?);
    }
    let dfas: Vec<&dense::DFA<Vec<u32>>> = dfas.iter().map(|d| d.as_ref()).collect();
    walk(&dfas, target, skip, max)
}

type Dfa = std::rc::Rc<dense::DFA<Vec<u32>>>;

thread_local! {
    /// Built DFAs by pattern (`None`: too big): a file's patterns are
    /// walked together once per pattern, so each is built once per thread.
    static DFAS: std::cell::RefCell<FxHashMap<String, Option<Dfa>>> =
        std::cell::RefCell::new(FxHashMap::default());
}

fn dfa_of(p: &str) -> Option<Dfa> {
    if let Some(d) = DFAS.with(|c| c.borrow().get(p).cloned()) {
        return d;
    }
    let built = {
        // byte patterns (`(?-u)`), as the hba regexes are
        dense::Builder::new()
            .syntax(syntax::Config::new().utf8(false))
            .thompson(thompson::Config::new().utf8(false))
            .configure(
                dense::Config::new()
                    .start_kind(StartKind::Unanchored)
                    .dfa_size_limit(Some(1 << 20))
                    .determinize_size_limit(Some(1 << 20)),
            )
            .build(p)
            .ok()
            .map(std::rc::Rc::new)
    };
    DFAS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() > 4096 {
            c.clear();
        }
        c.insert(p.to_string(), built.clone());
    });
    built
}

fn walk(
    dfas: &[&dense::DFA<Vec<u32>>],
    target: bool,
    skip: &dyn Fn(&str) -> bool,
    max: usize,
) -> Option<Vec<String>> {
    let step = |dfa: &dense::DFA<Vec<u32>>, p: P, b: Option<u8>| -> P {
        let P::Run(s) = p else { return p };
        let n = match b {
            Some(b) => dfa.next_state(s, b),
            None => dfa.next_eoi_state(s),
        };
        if dfa.is_match_state(n) {
            P::Matched
        } else if dfa.is_dead_state(n) || dfa.is_quit_state(n) {
            P::Dead
        } else {
            P::Run(n)
        }
    };
    let mut start = Vec::with_capacity(dfas.len());
    for d in dfas {
        let s = d.start_state_forward(&Input::new("")).ok()?;
        start.push(if d.is_match_state(s) {
            P::Matched
        } else {
            P::Run(s)
        });
    }
    // One character per class of characters every DFA treats alike,
    // letters first; names stay UTF-8, so the non-ASCII ones are whole
    // characters (Latin-1 letters and a few others).
    let order = ('a'..='z')
        .chain('0'..='9')
        .chain(['_'])
        .chain('A'..='Z')
        .chain(' '..='~')
        .chain('\u{a0}'..='\u{ff}')
        .chain([
            '\u{100}',
            '\u{20ac}',
            '\u{7ff}',
            '\u{800}',
            '\u{ffff}',
            '\u{1f600}',
        ]);
    let mut alphabet: Vec<char> = Vec::new();
    let mut seen_classes: Vec<Vec<u8>> = Vec::new();
    for ch in order {
        let mut buf = [0u8; 4];
        let bytes = ch.encode_utf8(&mut buf).as_bytes();
        let classes: Vec<u8> = dfas
            .iter()
            .flat_map(|d| bytes.iter().map(|&b| d.byte_classes().get(b)))
            .chain([bytes.len() as u8])
            .collect();
        if !seen_classes.contains(&classes) {
            seen_classes.push(classes);
            alphabet.push(ch);
        }
    }
    let nodes = (TRANSITIONS / (dfas.len() * alphabet.len()).max(1)).clamp(200, 20_000);
    let mut out: Vec<String> = Vec::new();
    let mut sigs: Vec<Vec<bool>> = Vec::new();
    // Each product state is walked at most twice: the first name that
    // reaches it may be one to pass over (a name the file mentions).
    let mut seen: FxHashMap<Vec<P>, u8> = FxHashMap::default();
    let mut queue = std::collections::VecDeque::new();
    seen.insert(start.clone(), 1);
    queue.push_back((start, String::new()));
    let mut visited = 0;
    while let Some((node, name)) = queue.pop_front() {
        visited += 1;
        if visited > nodes || out.len() >= max {
            break;
        }
        if !name.is_empty() {
            let sig: Vec<bool> = node
                .iter()
                .zip(dfas)
                .map(|(&p, d)| step(d, p, None) == P::Matched)
                .collect();
            if (!target || sig[0]) && !sigs.contains(&sig) && !skip(&name) {
                sigs.push(sig);
                out.push(name.clone());
            }
        }
        if name.len() >= DEPTH {
            continue;
        }
        for &ch in &alphabet {
            let mut buf = [0u8; 4];
            let bytes = ch.encode_utf8(&mut buf).as_bytes();
            let next: Vec<P> = node
                .iter()
                .zip(dfas)
                .map(|(&p, d)| bytes.iter().fold(p, |p, &b| step(d, p, Some(b))))
                .collect();
            let times = seen.entry(next.clone()).or_insert(0);
            if *times < 2 {
                *times += 1;
                let mut n = name.clone();
                n.push(ch);
                queue.push_back((next, n));
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::distinct_names;

    #[test]
    fn finds_the_name_that_only_a_combination_leaves_free() {
        // /b$ after /^[^a]: a name starting with a and ending with b
        let v = distinct_names(&["b$", "^[^a]"], true, &|_| false, 8).unwrap();
        assert!(
            v.iter().any(|x| x.starts_with('a') && x.ends_with('b')),
            "{v:?}"
        );
        // no target: a name that neither `_` nor /^[^a] matches, `a`
        // itself skipped as a name the file mentions
        let v = distinct_names(&["_", "^[^a]"], false, &|x| x == "a", 8).unwrap();
        let re = [
            regex::Regex::new("_").unwrap(),
            regex::Regex::new("^[^a]").unwrap(),
        ];
        assert!(
            v.iter()
                .any(|x| x != "a" && !re[0].is_match(x) && !re[1].is_match(x)),
            "{v:?}"
        );
    }
}
