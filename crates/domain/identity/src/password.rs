use std::fmt;

/// A plain-text password that meets the policy. It never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    /// bcrypt only reads the first 72 bytes; longer passwords would be silently truncated.
    pub const MAX_BYTES: usize = 72;

    /// # Errors
    /// A message when the password is shorter than 8 characters or longer than 72 bytes.
    pub fn new(raw: String) -> Result<Self, String> {
        if raw.chars().count() < Self::MIN_CHARS {
            return Err(format!("must be at least {} characters", Self::MIN_CHARS));
        }
        if raw.len() > Self::MAX_BYTES {
            return Err(format!("must be at most {} bytes", Self::MAX_BYTES));
        }
        // bcrypt reads a password as a C string: a NUL would silently end it.
        if raw.contains('\0') {
            return Err("must not contain NUL characters".into());
        }
        Ok(Self(raw))
    }

    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A stored password hash (bcrypt's modular crypt format).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    #[must_use]
    pub fn from_stored(hash: String) -> Self {
        Self(hash)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_eight_characters_and_fit_bcrypt() {
        assert!(Password::new("short".into()).is_err());
        assert!(Password::new("12345678".into()).is_ok());
        // Eight Korean characters are eight characters, though 24 bytes.
        assert!(Password::new("비밀번호비밀번호".into()).is_ok());
        assert!(Password::new("x".repeat(73)).is_err());
        assert!(Password::new("12345678\0tail".into()).is_err());
    }

    #[test]
    fn passwords_never_print() {
        let p = Password::new("hunter2hunter2".into()).expect("valid");
        assert_eq!(format!("{p:?}"), "Password(***)");
    }
}
