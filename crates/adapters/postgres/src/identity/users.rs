use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use merx_identity::{
    Email, IdentityError, PasswordHash, Role, User, UserId, UserPatch, UserRepository,
};
use merx_kernel::{AuditEntry, StoreError, Timestamp};

use super::unknown_value;
use crate::database::{PgPool, conn};
use crate::error::{is_unique_violation, store_error};
use crate::schema::users;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
struct UserRow {
    id: uuid::Uuid,
    email: String,
    password_hash: String,
    full_name: Option<String>,
    phone: Option<String>,
    role: String,
    is_active: bool,
    is_verified: bool,
    attributes: serde_json::Value,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<&User> for UserRow {
    fn from(u: &User) -> Self {
        Self {
            id: *u.id.as_uuid(),
            email: u.email.as_str().to_owned(),
            password_hash: u.password_hash.as_str().to_owned(),
            full_name: u.full_name.clone(),
            phone: u.phone.clone(),
            role: u.role.as_str().to_owned(),
            is_active: u.is_active,
            is_verified: u.is_verified,
            attributes: serde_json::Value::Object(u.attributes.clone()),
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        let role = Role::parse(&r.role).ok_or_else(|| unknown_value("role", &r.role))?;
        let attributes = match r.attributes {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        Ok(Self {
            id: UserId::from_uuid(r.id),
            email: Email::from_stored(r.email),
            password_hash: PasswordHash::from_stored(r.password_hash),
            full_name: r.full_name,
            phone: r.phone,
            role,
            is_active: r.is_active,
            is_verified: r.is_verified,
            attributes,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// The columns one write may change; `None` leaves a column as it is. Each port method
/// writes only its own columns, so concurrent changes to different fields never undo each other.
#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct UserChanges {
    full_name: Option<Option<String>>,
    phone: Option<Option<String>>,
    attributes: Option<serde_json::Value>,
    password_hash: Option<String>,
    role: Option<String>,
    is_active: Option<bool>,
    is_verified: Option<bool>,
    updated_at: Timestamp,
}

impl UserChanges {
    fn at(updated_at: Timestamp) -> Self {
        Self {
            full_name: None,
            phone: None,
            attributes: None,
            password_hash: None,
            role: None,
            is_active: None,
            is_verified: None,
            updated_at,
        }
    }
}

pub struct PgUsers {
    pool: PgPool,
}

impl PgUsers {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Applies `changes` to one user, with the audit entry when it exists; the user
    /// afterwards, if it exists.
    async fn apply(
        &self,
        id: UserId,
        changes: UserChanges,
        audit: Option<AuditEntry>,
    ) -> Result<Option<User>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = c
            .transaction::<_, diesel::result::Error, _>(async move |tx| {
                let row = diesel::update(users::table.find(*id.as_uuid()))
                    .set(changes)
                    .returning(UserRow::as_returning())
                    .get_result(tx)
                    .await
                    .optional()?;
                if row.is_some() {
                    crate::audit_log::record(tx, audit).await?;
                }
                Ok(row)
            })
            .await
            .map_err(store_error)?;
        row.map(User::try_from).transpose()
    }

    async fn find_one(
        &self,
        query: users::BoxedQuery<'static, diesel::pg::Pg>,
    ) -> Result<Option<User>, StoreError> {
        let mut c = conn(&self.pool).await?;
        query
            .select(UserRow::as_select())
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?
            .map(User::try_from)
            .transpose()
    }
}

#[async_trait]
impl UserRepository for PgUsers {
    async fn insert(&self, user: &User, audit: Option<AuditEntry>) -> Result<(), IdentityError> {
        let mut c = conn(&self.pool).await?;
        let row = UserRow::from(user);
        match c
            .transaction::<_, diesel::result::Error, _>(async move |tx| {
                diesel::insert_into(users::table)
                    .values(row)
                    .execute(tx)
                    .await?;
                crate::audit_log::record(tx, audit).await
            })
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e, "users_email_key") => Err(IdentityError::EmailTaken),
            Err(e) => Err(store_error(e).into()),
        }
    }

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.find_one(
            users::table
                .filter(users::id.eq(*id.as_uuid()))
                .into_boxed(),
        )
        .await
    }

    async fn list_customers(
        &self,
        search: Option<String>,
        page: merx_kernel::PageRequest,
    ) -> Result<merx_kernel::Page<User>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let customers = || {
            let mut q = users::table
                .filter(users::role.eq(Role::Customer.as_str()))
                .into_boxed();
            if let Some(s) = search.as_deref() {
                // The search is literal text: LIKE's wildcards in it match themselves.
                let pattern = format!(
                    "%{}%",
                    s.replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_")
                );
                q = q.filter(
                    users::email.like(pattern.clone()).or(diesel::dsl::sql::<
                        diesel::sql_types::Bool,
                    >(
                        "lower(full_name) LIKE "
                    )
                    .bind::<diesel::sql_types::Text, _>(pattern)),
                );
            }
            q
        };
        let total: i64 = customers()
            .count()
            .get_result(&mut c)
            .await
            .map_err(store_error)?;
        let rows: Vec<UserRow> = customers()
            .order((users::created_at.desc(), users::id.desc()))
            .offset(i64::try_from(page.offset()).unwrap_or(i64::MAX))
            .limit(i64::from(page.page_size()))
            .select(UserRow::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?;
        let items = rows
            .into_iter()
            .map(User::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(merx_kernel::Page::new(
            items,
            u64::try_from(total).unwrap_or(0),
            page,
        ))
    }

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        self.find_one(
            users::table
                .filter(users::email.eq(email.as_str().to_owned()))
                .into_boxed(),
        )
        .await
    }

    async fn update_profile(
        &self,
        id: UserId,
        patch: &UserPatch,
        at: Timestamp,
        audit: Option<AuditEntry>,
    ) -> Result<Option<User>, StoreError> {
        let changes = UserChanges {
            full_name: patch.full_name.clone(),
            phone: patch.phone.clone(),
            attributes: patch.attributes.clone().map(serde_json::Value::Object),
            role: patch.role.map(|r| r.as_str().to_owned()),
            is_active: patch.is_active,
            ..UserChanges::at(at)
        };
        self.apply(id, changes, audit).await
    }

    async fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let changes = UserChanges {
            password_hash: Some(hash.as_str().to_owned()),
            ..UserChanges::at(at)
        };
        Ok(self.apply(id, changes, None).await?.is_some())
    }

    async fn mark_verified(&self, id: UserId, at: Timestamp) -> Result<bool, StoreError> {
        Ok(self
            .apply(
                id,
                UserChanges {
                    is_verified: Some(true),
                    ..UserChanges::at(at)
                },
                None,
            )
            .await?
            .is_some())
    }

    async fn grant_admin(&self, id: UserId, at: Timestamp) -> Result<bool, StoreError> {
        let changes = UserChanges {
            role: Some(Role::Admin.as_str().to_owned()),
            is_active: Some(true),
            ..UserChanges::at(at)
        };
        Ok(self.apply(id, changes, None).await?.is_some())
    }
}
