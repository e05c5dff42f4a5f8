//! Decoding the `%XX` escapes of a URL's parts, as a connection string
//! carries them: the settings read its keys, the store its TLS options.

/// `text` with its `%XX` escapes decoded; a `%` not followed by two hex
/// digits stays as it is.
pub fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let escaped = (bytes[at] == b'%')
            .then(|| bytes.get(at + 1..at + 3))
            .flatten()
            .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                at += 3;
            }
            None => {
                decoded.push(bytes[at]);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decoded;

    #[test]
    fn escapes_are_decoded_and_anything_else_is_kept() {
        assert_eq!(percent_decoded("%2Fetc%2fca.crt"), "/etc/ca.crt");
        assert_eq!(percent_decoded("ssl%6Dode"), "sslmode");
        assert_eq!(percent_decoded("100%"), "100%");
        assert_eq!(percent_decoded("%+f%zz"), "%+f%zz");
    }
}
