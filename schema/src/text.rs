//! Text from the network made safe for a terminal.
//!
//! ```
//! assert_eq!(mxray_schema::text::escape("mx\x1b[2J"), "mx\\x1b[2J");
//! ```

use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as is: C0 control characters (tab and line breaks
/// included), DEL, C1 control characters, and the Unicode bidirectional and invisible format
/// characters (U+200B..U+200F, U+202A..U+202E, U+2066..U+2069, U+FEFF) that reorder or hide text.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Makes a string from the network safe to print on a terminal: every [`is_unsafe_char`]
/// becomes visible text (`\t`, `\r`, `\n`, `\x1b`, `\x9b`, `\u{202e}`), so a banner cannot
/// retitle, clear or recolour the user's terminal, nor reorder what follows. Every terminal and
/// text renderer (this report, `mxray lab summary`, `mxray report`) prints server strings
/// through it.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !is_unsafe_char(c) {
            out.push(c);
            continue;
        }
        let _ = match c {
            '\t' => write!(out, "\\t"),
            '\r' => write!(out, "\\r"),
            '\n' => write!(out, "\\n"),
            c if u32::from(c) < 0x100 => write!(out, "\\x{:02x}", u32::from(c)),
            c => write!(out, "\\u{{{:x}}}", u32::from(c)),
        };
    }
    out
}
