//! Chain-level facts: the issuing path through the presented certificates and what is wrong with
//! the order the server sent them in.
//!
//! The path is built by names only (issuer of one = subject of the next), starting from the first
//! certificate (the one TLS clients take as the leaf), preferring the next certificate in order
//! when several match; signatures are webpki's job (see [`crate::TrustClass`]).

use crate::facts::Parsed;

/// What the order and content of the presented chain look like.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ChainFacts {
    /// Certificates presented.
    pub length: usize,
    /// Bytes of all certificates.
    pub total_bytes: usize,
    /// Indices of the path from the first certificate up through presented issuers, by names.
    pub path: Vec<usize>,
    /// Indices of the presented certificates on the path rustls-webpki validated (leaf first),
    /// when the chain is trusted; date findings follow this path, the one a sender builds.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub validated_path: Option<Vec<usize>>,
    /// The first certificate is a CA while a later one is an end-entity certificate.
    pub leaf_not_first: bool,
    /// The path does not follow the presented order (issuers not each right after their subject).
    pub out_of_order: bool,
    /// Indices of certificates identical to an earlier one.
    pub duplicates: Vec<usize>,
    /// Index of a self-signed root sent at the top of the path (it is useless: clients must
    /// already have it).
    pub root_sent: Option<usize>,
    /// Indices of certificates that are on no path from the leaf (unneeded or unrelated), not
    /// counting duplicates and misplaced leaves.
    pub extra: Vec<usize>,
}

pub(crate) fn analyse(ders: &[&[u8]], parsed: &[Option<&Parsed>]) -> ChainFacts {
    let length = ders.len();
    let total_bytes = ders
        .iter()
        .map(|d| d.len())
        .fold(0usize, usize::saturating_add);
    let get = |i: usize| parsed.get(i).copied().flatten();

    let mut duplicates = Vec::new();
    for (j, dj) in ders.iter().enumerate() {
        if ders.iter().take(j).any(|di| di == dj) {
            duplicates.push(j);
        }
    }

    let mut path = Vec::new();
    if get(0).is_some() {
        path.push(0usize);
        let mut cur = 0usize;
        while let Some(cp) = get(cur) {
            if cp.facts.self_issued {
                break;
            }
            let candidates = (0..length).filter(|k| {
                !path.contains(k)
                    && !duplicates.contains(k)
                    && get(*k).is_some_and(|p| p.subject_raw == cp.issuer_raw)
            });
            let mut best = None;
            for k in candidates {
                if k == cur.saturating_add(1) || best.is_none() {
                    best = Some(k);
                }
            }
            match best {
                Some(k) => {
                    path.push(k);
                    cur = k;
                }
                None => break,
            }
        }
    }
    let out_of_order = path.iter().enumerate().any(|(pos, idx)| pos != *idx);
    let misplaced_leaves = misplaced_leaves(parsed, &duplicates);
    let leaf_not_first = !misplaced_leaves.is_empty();
    let root_sent = match path.as_slice() {
        [_, .., last] if get(*last).is_some_and(|p| p.facts.self_signed) => Some(*last),
        _ => None,
    };
    let extra = off_path(length, &path, root_sent, &duplicates, &misplaced_leaves);
    ChainFacts {
        length,
        total_bytes,
        path,
        validated_path: None,
        leaf_not_first,
        out_of_order,
        duplicates,
        root_sent,
        extra,
    }
}

impl ChainFacts {
    /// Records the path rustls-webpki validated: what is on no path a sender uses becomes extra,
    /// even if the names would chain it (the root, which a sender takes from its store, stays
    /// root-sent).
    pub(crate) fn set_validated_path(&mut self, path: Vec<usize>, parsed: &[Option<&Parsed>]) {
        let misplaced = misplaced_leaves(parsed, &self.duplicates);
        self.extra = off_path(
            self.length,
            &path,
            self.root_sent,
            &self.duplicates,
            &misplaced,
        );
        self.validated_path = Some(path);
    }
}

/// The certificates on none of `path`: never the first (the leaf, parseable or not), the root
/// sent, a duplicate or a misplaced leaf (each has its own finding).
fn off_path(
    length: usize,
    path: &[usize],
    root_sent: Option<usize>,
    duplicates: &[usize],
    misplaced: &[usize],
) -> Vec<usize> {
    (1..length)
        .filter(|k| {
            !path.contains(k)
                && root_sent != Some(*k)
                && !duplicates.contains(k)
                && !misplaced.contains(k)
        })
        .collect()
}

/// End-entity certificates sent after a first certificate that is a CA (not duplicates).
fn misplaced_leaves(parsed: &[Option<&Parsed>], duplicates: &[usize]) -> Vec<usize> {
    let get = |i: usize| parsed.get(i).copied().flatten();
    if !get(0).is_some_and(|p| p.facts.is_ca) {
        return Vec::new();
    }
    (1..parsed.len())
        .filter(|k| !duplicates.contains(k) && get(*k).is_some_and(|p| !p.facts.is_ca))
        .collect()
}
