//! The `key=value; key=value` syntax shared by the MTA-STS and TLS-RPT TXT records
//! (RFC 8461 section 3.1, RFC 8460 section 3).

/// The fields of a record, in order, with whitespace around them trimmed; a trailing `;` is
/// allowed. `None` when a field has no `=`, or a key is empty or not `ALPHA / DIGIT / "_"`.
pub(crate) fn fields(text: &str) -> Result<Vec<(&str, &str)>, String> {
    let body = text.trim_matches(|c| c == ' ' || c == '\t');
    let body = body.strip_suffix(';').unwrap_or(body);
    let mut out = Vec::new();
    for part in body.split(';') {
        let part = part.trim_matches(|c| c == ' ' || c == '\t');
        let Some((k, v)) = part.split_once('=') else {
            return Err(format!("field {part:?} has no '='"));
        };
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("field name {k:?} is not letters, digits and '_'"));
        }
        out.push((k, v));
    }
    Ok(out)
}

/// RFC 8461 `sts-ext-value` / RFC 8460 `tlsrpt-ext-value`: 1*(%x21-3A / %x3C / %x3E-7E).
pub(crate) fn valid_ext_value(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b';' && b != b'=')
}
