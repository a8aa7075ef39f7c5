//! What an author sends: a new review, or an edit of theirs; checked here once.

use merx_kernel::ValidationErrors;

pub const MAX_TITLE_CHARS: usize = 120;
pub const MAX_BODY_CHARS: usize = 5000;

/// A new review as the author sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDraft {
    pub rating: i64,
    pub title: Option<String>,
    pub body: String,
}

/// An edit: `None` keeps a field; `title: Some(None)` removes the title; `status` is an
/// admin's moderation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewEdit {
    pub rating: Option<i64>,
    pub title: Option<Option<String>>,
    pub body: Option<String>,
    pub status: Option<crate::ReviewStatus>,
}

impl ReviewEdit {
    /// Whether it changes what the author wrote (not only the status).
    #[must_use]
    pub fn touches_text(&self) -> bool {
        self.rating.is_some() || self.title.is_some() || self.body.is_some()
    }
}

/// A rating of 1 to 5 stars.
pub(crate) fn rating(e: &mut ValidationErrors, rating: i64) -> u8 {
    match u8::try_from(rating) {
        Ok(stars @ 1..=5) => stars,
        _ => {
            e.add("rating", "must be a whole number from 1 to 5");
            1
        }
    }
}

/// Text is kept exactly as written; only what cannot be stored (NUL) or is too long is
/// refused.
pub(crate) fn title(e: &mut ValidationErrors, title: Option<&str>) {
    if let Some(t) = title {
        if t.chars().count() > MAX_TITLE_CHARS {
            e.add(
                "title",
                format!("must be at most {MAX_TITLE_CHARS} characters"),
            );
        }
        if t.contains('\0') {
            e.add("title", "must not contain NUL characters");
        }
    }
}

pub(crate) fn body(e: &mut ValidationErrors, body: &str) {
    if body.trim().is_empty() {
        e.add("body", "must not be empty");
    } else if body.chars().count() > MAX_BODY_CHARS {
        e.add(
            "body",
            format!("must be at most {MAX_BODY_CHARS} characters"),
        );
    }
    if body.contains('\0') {
        e.add("body", "must not contain NUL characters");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_whole_stars_from_one_to_five() {
        for ok in 1..=5 {
            let mut e = ValidationErrors::new();
            assert_eq!(i64::from(rating(&mut e, ok)), ok);
            assert!(e.is_empty());
        }
        for bad in [0, 6, -1, 256 + 3] {
            let mut e = ValidationErrors::new();
            rating(&mut e, bad);
            assert!(!e.is_empty(), "{bad}");
        }
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let mut e = ValidationErrors::new();
        title(&mut e, Some(&"가".repeat(MAX_TITLE_CHARS)));
        body(&mut e, &"가".repeat(MAX_BODY_CHARS));
        assert!(e.is_empty());
        title(&mut e, Some(&"a".repeat(MAX_TITLE_CHARS + 1)));
        body(&mut e, &"a".repeat(MAX_BODY_CHARS + 1));
        assert_eq!(e.fields.len(), 2);
    }

    #[test]
    fn a_blank_body_is_refused_but_text_is_not_trimmed() {
        let mut e = ValidationErrors::new();
        body(&mut e, "   \n");
        assert!(!e.is_empty());
        let mut e = ValidationErrors::new();
        body(&mut e, "  <b>fine</b>  ");
        assert!(e.is_empty());
    }
}
