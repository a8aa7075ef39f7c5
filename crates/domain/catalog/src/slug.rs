/// A URL slug from a name: lower-case letters and digits of any script (Korean names keep their
/// Hangul), runs of anything else become one hyphen.
#[must_use]
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    let mut out: String = slug.chars().take(120).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "product".to_owned()
    } else {
        out
    }
}

/// Whether a client-chosen slug is well-formed: what [`slugify`] could produce.
#[must_use]
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty() && slug.chars().count() <= 120 && slugify(slug) == slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_letters_of_any_script() {
        assert_eq!(
            slugify("Classic Hoodie — Black / XL"),
            "classic-hoodie-black-xl"
        );
        assert_eq!(
            slugify("  우화해 헤어 오일 100ml "),
            "우화해-헤어-오일-100ml"
        );
        assert_eq!(slugify("Crème Brûlée!!"), "crème-brûlée");
        assert_eq!(slugify("***"), "product");
    }

    #[test]
    fn only_normal_slugs_are_valid() {
        assert!(is_valid_slug("classic-hoodie"));
        assert!(is_valid_slug("헤어-오일"));
        assert!(!is_valid_slug("Classic-Hoodie"));
        assert!(!is_valid_slug("a--b"));
        assert!(!is_valid_slug("-a"));
        assert!(!is_valid_slug(""));
    }
}
