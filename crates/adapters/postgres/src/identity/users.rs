use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use merx_identity::{Email, IdentityError, PasswordHash, Role, User, UserId, UserRepository};
use merx_kernel::{StoreError, Timestamp};

use super::unknown_value;
use crate::database::{PgPool, conn};
use crate::error::{is_unique_violation, store_error};
use crate::schema::users;

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
struct UserRow {
    id: uuid::Uuid,
    email: String,
    password_hash: String,
    #[diesel(treat_none_as_null = true)]
    full_name: Option<String>,
    #[diesel(treat_none_as_null = true)]
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

pub struct PgUsers {
    pool: PgPool,
}

impl PgUsers {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
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
    async fn insert(&self, user: &User) -> Result<(), IdentityError> {
        let mut c = conn(&self.pool).await?;
        match diesel::insert_into(users::table)
            .values(UserRow::from(user))
            .execute(&mut c)
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

    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, StoreError> {
        self.find_one(
            users::table
                .filter(users::email.eq(email.as_str().to_owned()))
                .into_boxed(),
        )
        .await
    }

    async fn update(&self, user: &User) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = UserRow::from(user);
        let n = diesel::update(users::table.find(row.id))
            .set((
                users::password_hash.eq(row.password_hash),
                users::full_name.eq(row.full_name),
                users::phone.eq(row.phone),
                users::role.eq(row.role),
                users::is_active.eq(row.is_active),
                users::is_verified.eq(row.is_verified),
                users::attributes.eq(row.attributes),
                users::updated_at.eq(row.updated_at),
            ))
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(n == 1)
    }
}
