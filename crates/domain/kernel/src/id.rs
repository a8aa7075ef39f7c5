/// Declares a UUID-backed id type that cannot be confused with another entity's id.
///
/// New ids are UUIDv7 (time-ordered), which keeps B-tree inserts local in Postgres.
#[macro_export]
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 ::serde::Serialize, ::serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(::uuid::Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            #[must_use]
            pub fn new() -> Self {
                Self(::uuid::Uuid::now_v7())
            }
            /// Wraps an existing UUID (read from storage or a request path).
            #[must_use]
            pub const fn from_uuid(id: ::uuid::Uuid) -> Self {
                Self(id)
            }
            #[must_use]
            pub const fn as_uuid(&self) -> &::uuid::Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                ::uuid::Uuid::parse_str(s).map(Self)
            }
        }

        impl From<::uuid::Uuid> for $name {
            fn from(id: ::uuid::Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for ::uuid::Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    };
}

#[cfg(test)]
mod tests {
    typed_id!(ThingId);

    #[test]
    fn ids_round_trip_through_strings_and_json() {
        let id = ThingId::new();
        let parsed: ThingId = id.to_string().parse().expect("parses");
        assert_eq!(parsed, id);
        let json = serde_json::to_string(&id).expect("serialises");
        assert_eq!(json, format!("\"{id}\""));
    }

    #[test]
    fn new_ids_are_time_ordered() {
        let a = ThingId::new();
        let b = ThingId::new();
        assert!(a < b);
    }
}
