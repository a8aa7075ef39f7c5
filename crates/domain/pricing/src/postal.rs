//! Postal codes by country: US 5 or 5+4 digits, KR and JO 5 digits, CA `A1A 1A1`, GB outward +
//! inward codes; any other country a non-empty code of at most 10 characters.

/// The normalised code (trimmed; CA and GB upper case with one space), or why it is refused.
///
/// # Errors
/// A message for the client naming the expected format.
pub fn validate_postal_code(country: &str, code: &str) -> Result<String, String> {
    let code = code.trim();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match country {
        "US" => {
            let ok = match code.split_once('-') {
                Some((zip, plus4)) => digits(zip, 5) && digits(plus4, 4),
                None => digits(code, 5),
            };
            ok.then(|| code.to_owned())
                .ok_or_else(|| "a US ZIP code is 5 digits or 5+4 (12345 or 12345-6789)".into())
        }
        "KR" | "JO" => digits(code, 5)
            .then(|| code.to_owned())
            .ok_or_else(|| format!("a {country} postal code is 5 digits")),
        "CA" => canadian(code).ok_or_else(|| "a Canadian postal code looks like K1A 0B1".into()),
        "GB" => british(code).ok_or_else(|| "a UK postcode looks like SW1A 1AA".into()),
        _ => {
            let n = code.chars().count();
            (n > 0 && n <= 10 && !code.chars().any(char::is_control))
                .then(|| code.to_owned())
                .ok_or_else(|| "a postal code is 1 to 10 characters".into())
        }
    }
}

fn compact_upper(code: &str) -> String {
    code.chars()
        .filter(|c| *c != ' ')
        .collect::<String>()
        .to_ascii_uppercase()
}

fn canadian(code: &str) -> Option<String> {
    let c = compact_upper(code);
    let b = c.as_bytes();
    let pattern_ok = b.len() == 6
        && b.iter().enumerate().all(|(i, ch)| {
            if i % 2 == 0 {
                ch.is_ascii_uppercase()
            } else {
                ch.is_ascii_digit()
            }
        });
    (pattern_ok && code.trim().split(' ').count() <= 2).then(|| format!("{} {}", &c[..3], &c[3..]))
}

/// Outward code (A9, A99, AA9, AA99, A9A, AA9A) then inward code (9AA).
fn british(code: &str) -> Option<String> {
    let c = compact_upper(code);
    if !(5..=7).contains(&c.len()) || !c.is_ascii() {
        return None;
    }
    let (outward, inward) = c.split_at(c.len() - 3);
    let ib = inward.as_bytes();
    let inward_ok =
        ib[0].is_ascii_digit() && ib[1].is_ascii_uppercase() && ib[2].is_ascii_uppercase();
    let shape: String = outward
        .bytes()
        .map(|b| {
            if b.is_ascii_digit() {
                '9'
            } else if b.is_ascii_uppercase() {
                'A'
            } else {
                '?'
            }
        })
        .collect();
    let outward_ok = matches!(
        shape.as_str(),
        "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A"
    );
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

#[cfg(test)]
mod tests {
    use super::validate_postal_code as check;

    #[test]
    fn formats_follow_each_country() {
        let ok = [
            ("US", "94105", "94105"),
            ("US", " 94105-1234 ", "94105-1234"),
            ("KR", "04524", "04524"),
            ("JO", "11181", "11181"),
            ("CA", "k1a0b1", "K1A 0B1"),
            ("CA", "K1A 0B1", "K1A 0B1"),
            ("GB", "sw1a1aa", "SW1A 1AA"),
            ("GB", "M1 1AE", "M1 1AE"),
            ("GB", "B33 8TH", "B33 8TH"),
            ("DE", "10115", "10115"),
            ("FR", "75008", "75008"),
        ];
        for (country, code, normal) in ok {
            assert_eq!(
                check(country, code).as_deref(),
                Ok(normal),
                "{country} {code}"
            );
        }
        let bad = [
            ("US", "9410"),
            ("US", "94105-12"),
            ("US", "ABCDE"),
            ("KR", "045241"),
            ("KR", "0452"),
            ("JO", "1118a"),
            ("CA", "123 456"),
            ("GB", "SW1A"),
            ("GB", "1AA 1AA"),
            ("DE", ""),
            ("DE", "12345678901"),
        ];
        for (country, code) in bad {
            assert!(
                check(country, code).is_err(),
                "{country} {code:?} must be refused"
            );
        }
    }
}
