//! Which tax ids can exempt a buyer (spec §17): in an EU member state only a VAT number of
//! that state's form (the VIES formats: the country prefix, Greece's `EL`, then the state's own
//! digits and letters); elsewhere, where an admin allowed business exemption, an id of the
//! shape every scheme shares (5 to 20 letters and digits). The form is checked, not the
//! number's existence: an exempt order is flagged for an admin to review.

/// A tax id as written: upper case, without the spaces, dots and dashes people type.
fn compact(tax_id: &str) -> String {
    tax_id
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .flat_map(char::to_uppercase)
        .collect()
}

fn digits(s: &str, counts: &[usize]) -> bool {
    counts.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn alnum(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase()
}

/// Whether `rest` (the number after its prefix) has the form of `country`'s VAT numbers;
/// `None` when `country` is not an EU member state.
fn eu_form(country: &str, rest: &str) -> Option<bool> {
    let b = rest.as_bytes();
    Some(match country {
        "AT" => rest.len() == 9 && rest.starts_with('U') && digits(&rest[1..], &[8]),
        "BE" => digits(rest, &[10]) && matches!(b[0], b'0' | b'1'),
        "BG" => digits(rest, &[9, 10]),
        "CY" => rest.len() == 9 && digits(&rest[..8], &[8]) && b[8].is_ascii_uppercase(),
        "CZ" => digits(rest, &[8, 9, 10]),
        "DE" | "EE" | "PT" => digits(rest, &[9]),
        "DK" | "FI" | "HU" | "LU" | "MT" | "SI" => digits(rest, &[8]),
        "GR" => digits(rest, &[9]),
        "ES" => rest.len() == 9 && alnum(b[0]) && alnum(b[8]) && digits(&rest[1..8], &[7]),
        "FR" => rest.len() == 11 && alnum(b[0]) && alnum(b[1]) && digits(&rest[2..], &[9]),
        "HR" | "IT" | "LV" => digits(rest, &[11]),
        "IE" => {
            rest.len() >= 8
                && rest.len() <= 9
                && b[0].is_ascii_digit()
                && (digits(&rest[1..7], &[6])
                    || (matches!(b[1], b'A'..=b'Z' | b'+' | b'*') && digits(&rest[2..7], &[5])))
                && rest[7..].bytes().all(|c| c.is_ascii_uppercase())
        }
        "LT" => digits(rest, &[9, 12]),
        "NL" => {
            rest.len() == 12
                && digits(&rest[..9], &[9])
                && b[9] == b'B'
                && digits(&rest[10..], &[2])
        }
        "PL" | "SK" => digits(rest, &[10]),
        "RO" => digits(rest, &[2, 3, 4, 5, 6, 7, 8, 9, 10]),
        "SE" => digits(rest, &[12]),
        _ => return None,
    })
}

/// Whether `tax_id` may exempt a buyer shipping to `country` (ISO 3166-1 alpha-2) where the
/// zone allows business exemption.
#[must_use]
pub fn can_exempt(country: &str, tax_id: &str) -> bool {
    let id = compact(tax_id);
    if !id.is_ascii() {
        return false;
    }
    let prefix = if country == "GR" { "EL" } else { country };
    match id.strip_prefix(prefix).map(|rest| eu_form(country, rest)) {
        Some(Some(fits)) => fits,
        // A member state's number without its prefix is not of its form.
        None if eu_form(country, "").is_some() => false,
        _ => (5..=20).contains(&id.len()) && id.bytes().all(alnum),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eu_numbers_must_have_their_countrys_form() {
        for (country, id) in [
            ("DE", "DE123456789"),
            ("DE", "de 123.456.789"),
            ("FR", "FRXX123456789"),
            ("FR", "FR12345678901"),
            ("NL", "NL123456789B01"),
            ("AT", "ATU12345678"),
            ("GR", "EL123456789"),
            ("ES", "ESX1234567X"),
            ("IE", "IE1234567WA"),
            ("IE", "IE1A23456B"),
            ("BE", "BE0123456789"),
            ("CY", "CY12345678L"),
            ("SE", "SE123456789012"),
        ] {
            assert!(can_exempt(country, id), "{country} {id}");
        }
        for (country, id) in [
            ("DE", "DE12345678"),
            ("DE", "123456789"),
            ("DE", "FR12345678901"),
            ("DE", "ANYTHING-GOES"),
            ("NL", "NL123456789X01"),
            ("AT", "AT12345678"),
            ("GR", "GR123456789"),
            ("BE", "BE2123456789"),
        ] {
            assert!(!can_exempt(country, id), "{country} {id}");
        }
    }

    #[test]
    fn elsewhere_an_id_of_the_common_shape_may_exempt_where_an_admin_allows_it() {
        assert!(can_exempt("CH", "CHE-123.456.789"));
        assert!(!can_exempt("CH", "1234"));
        assert!(!can_exempt("CH", "ÄBCDEF"));
    }
}
