use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use merx_identity::{AddressId, AddressKind, AddressRepository, SavedAddress, UserId};
use merx_kernel::{PostalAddress, StoreError, Timestamp};

use super::unknown_value;
use crate::database::{PgPool, conn};
use crate::error::store_error;
use crate::schema::{addresses as t, users};

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = t, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
struct Row {
    id: uuid::Uuid,
    user_id: uuid::Uuid,
    kind: String,
    name: String,
    phone: Option<String>,
    line1: String,
    line2: Option<String>,
    city: String,
    state: Option<String>,
    postal_code: String,
    country: String,
    is_default: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<&SavedAddress> for Row {
    fn from(s: &SavedAddress) -> Self {
        let a = &s.address;
        Self {
            id: *s.id.as_uuid(),
            user_id: *s.user_id.as_uuid(),
            kind: s.kind.as_str().to_owned(),
            name: a.name.clone(),
            phone: a.phone.clone(),
            line1: a.line1.clone(),
            line2: a.line2.clone(),
            city: a.city.clone(),
            state: a.state.clone(),
            postal_code: a.postal_code.clone(),
            country: a.country.clone(),
            is_default: s.is_default,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

impl TryFrom<Row> for SavedAddress {
    type Error = StoreError;
    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(Self {
            id: AddressId::from_uuid(r.id),
            user_id: UserId::from_uuid(r.user_id),
            kind: AddressKind::parse(&r.kind)
                .ok_or_else(|| unknown_value("address kind", &r.kind))?,
            address: PostalAddress {
                name: r.name,
                phone: r.phone,
                line1: r.line1,
                line2: r.line2,
                city: r.city,
                state: r.state,
                postal_code: r.postal_code,
                country: r.country,
            },
            is_default: r.is_default,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub struct PgAddresses {
    pool: PgPool,
}

impl PgAddresses {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

/// Locks the owner's row, so one user's address writes run one after another and the
/// one-default rule holds; false when the owner does not exist.
async fn lock_owner(
    tx: &mut AsyncPgConnection,
    user: uuid::Uuid,
) -> Result<bool, diesel::result::Error> {
    let owner = users::table
        .find(user)
        .select(users::id)
        .for_update()
        .first::<uuid::Uuid>(tx)
        .await
        .optional()?;
    Ok(owner.is_some())
}

/// Unsets the default of every other address of the row's user and kind.
async fn clear_defaults(
    tx: &mut AsyncPgConnection,
    row: &Row,
) -> Result<(), diesel::result::Error> {
    diesel::update(
        t::table
            .filter(t::user_id.eq(row.user_id))
            .filter(t::kind.eq(&row.kind))
            .filter(t::id.ne(row.id))
            .filter(t::is_default),
    )
    .set(t::is_default.eq(false))
    .execute(tx)
    .await
    .map(drop)
}

#[async_trait]
impl AddressRepository for PgAddresses {
    async fn list_for_user(&self, user: UserId) -> Result<Vec<SavedAddress>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let rows = t::table
            .filter(t::user_id.eq(*user.as_uuid()))
            .order((t::created_at.asc(), t::id.asc()))
            .select(Row::as_select())
            .load(&mut c)
            .await
            .map_err(store_error)?;
        rows.into_iter().map(SavedAddress::try_from).collect()
    }

    async fn find(&self, user: UserId, id: AddressId) -> Result<Option<SavedAddress>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = t::table
            .filter(t::user_id.eq(*user.as_uuid()))
            .filter(t::id.eq(*id.as_uuid()))
            .select(Row::as_select())
            .first(&mut c)
            .await
            .optional()
            .map_err(store_error)?;
        row.map(SavedAddress::try_from).transpose()
    }

    async fn insert(&self, address: &SavedAddress) -> Result<(), StoreError> {
        let row = Row::from(address);
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, diesel::result::Error, _>(async move |tx| {
            // A missing owner fails the insert on the foreign key.
            lock_owner(tx, row.user_id).await?;
            if row.is_default {
                clear_defaults(tx, &row).await?;
            }
            diesel::insert_into(t::table)
                .values(&row)
                .execute(tx)
                .await?;
            Ok(true)
        })
        .await
        .map(drop)
        .map_err(store_error)
    }

    async fn update(&self, address: &SavedAddress) -> Result<bool, StoreError> {
        let row = Row::from(address);
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, diesel::result::Error, _>(async move |tx| {
            if !lock_owner(tx, row.user_id).await? {
                return Ok(false);
            }
            if row.is_default {
                clear_defaults(tx, &row).await?;
            }
            let n = diesel::update(t::table.find(row.id).filter(t::user_id.eq(row.user_id)))
                .set(&row)
                .execute(tx)
                .await?;
            Ok(n == 1)
        })
        .await
        .map_err(store_error)
    }

    async fn make_default(
        &self,
        user: UserId,
        id: AddressId,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let (user, id) = (*user.as_uuid(), *id.as_uuid());
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, diesel::result::Error, _>(async move |tx| {
            if !lock_owner(tx, user).await? {
                return Ok(false);
            }
            let kind: Option<String> = t::table
                .find(id)
                .filter(t::user_id.eq(user))
                .select(t::kind)
                .first(tx)
                .await
                .optional()?;
            let Some(kind) = kind else { return Ok(false) };
            diesel::update(
                t::table
                    .filter(t::user_id.eq(user))
                    .filter(t::kind.eq(&kind))
                    .filter(t::is_default),
            )
            .set(t::is_default.eq(false))
            .execute(tx)
            .await?;
            diesel::update(t::table.find(id))
                .set((t::is_default.eq(true), t::updated_at.eq(at)))
                .execute(tx)
                .await?;
            Ok(true)
        })
        .await
        .map_err(store_error)
    }

    async fn delete(&self, user: UserId, id: AddressId) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        let n = diesel::delete(
            t::table
                .filter(t::user_id.eq(*user.as_uuid()))
                .filter(t::id.eq(*id.as_uuid())),
        )
        .execute(&mut c)
        .await
        .map_err(store_error)?;
        Ok(n == 1)
    }
}
