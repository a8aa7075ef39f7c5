//! Carts and their lines in Postgres. Every change locks the cart row first (`FOR UPDATE`),
//! so concurrent changes to one cart apply one after the other and none is lost.

use async_trait::async_trait;
use diesel::dsl::exists;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use merx_cart::{AddOutcome, Cart, CartId, CartItem, CartItemId, CartOwner, CartRepository, Touch};
use merx_identity::UserId;
use merx_kernel::{Currency, ProductId, StoreError, Timestamp, VariantId};

use crate::database::{PgPool, conn};
use crate::error::store_error;
use crate::schema::{cart_items, carts};

type DbError = diesel::result::Error;

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = carts, check_for_backend(Pg))]
struct CartRow {
    id: uuid::Uuid,
    user_id: Option<uuid::Uuid>,
    session_id: Option<String>,
    currency: String,
    discount_code: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    expires_at: Timestamp,
}

#[derive(Queryable, QueryableByName, Selectable, Insertable, serde::Deserialize)]
#[diesel(table_name = cart_items, check_for_backend(Pg))]
struct ItemRow {
    id: uuid::Uuid,
    cart_id: uuid::Uuid,
    product_id: uuid::Uuid,
    variant_id: uuid::Uuid,
    quantity: i64,
    metadata: serde_json::Value,
    added_at: Timestamp,
}

fn item_row(cart: CartId, i: &CartItem) -> ItemRow {
    ItemRow {
        id: *i.id.as_uuid(),
        cart_id: *cart.as_uuid(),
        product_id: *i.product_id.as_uuid(),
        variant_id: *i.variant_id.as_uuid(),
        quantity: i.quantity,
        metadata: serde_json::Value::Object(i.metadata.clone()),
        added_at: i.added_at,
    }
}

fn cart_row(cart: &Cart) -> CartRow {
    let (user_id, session_id) = owner_columns(&cart.owner);
    CartRow {
        id: *cart.id.as_uuid(),
        user_id,
        session_id,
        currency: cart.currency.code().to_owned(),
        discount_code: cart.discount_code.clone(),
        created_at: cart.created_at,
        updated_at: cart.updated_at,
        expires_at: cart.expires_at,
    }
}

fn owner_columns(owner: &CartOwner) -> (Option<uuid::Uuid>, Option<String>) {
    match owner {
        CartOwner::User(u) => (Some(*u.as_uuid()), None),
        CartOwner::Guest(s) => (None, Some(s.clone())),
    }
}

/// Decoding failures surface as query errors inside transactions.
fn decode_error(msg: String) -> DbError {
    DbError::DeserializationError(msg.into())
}

/// The cart's lines as one JSONB array in their order, for reading a cart in one statement.
const ITEMS_JSON: &str = "(SELECT COALESCE(jsonb_agg(to_jsonb(i) ORDER BY i.added_at, i.id), '[]') \
     FROM cart_items i WHERE i.cart_id = carts.id)";

async fn load(c: &mut AsyncPgConnection, id: uuid::Uuid) -> Result<Option<Cart>, DbError> {
    let found: Option<(CartRow, serde_json::Value)> = carts::table
        .find(id)
        .select((
            CartRow::as_select(),
            diesel::dsl::sql::<diesel::sql_types::Jsonb>(ITEMS_JSON),
        ))
        .first(c)
        .await
        .optional()?;
    let Some((row, items)) = found else {
        return Ok(None);
    };
    let items: Vec<ItemRow> =
        serde_json::from_value(items).map_err(|e| decode_error(e.to_string()))?;
    to_cart(row, items).map(Some)
}

fn to_cart(row: CartRow, items: Vec<ItemRow>) -> Result<Cart, DbError> {
    let currency: Currency = row
        .currency
        .parse()
        .map_err(|e: merx_kernel::MoneyError| decode_error(e.to_string()))?;
    let owner = match (row.user_id, row.session_id) {
        (Some(u), _) => CartOwner::User(UserId::from_uuid(u)),
        (None, Some(s)) => CartOwner::Guest(s),
        (None, None) => return Err(decode_error("cart without owner".into())),
    };
    Ok(Cart {
        id: CartId::from_uuid(row.id),
        owner,
        currency,
        items: items
            .into_iter()
            .map(|i| CartItem {
                id: CartItemId::from_uuid(i.id),
                product_id: ProductId::from_uuid(i.product_id),
                variant_id: VariantId::from_uuid(i.variant_id),
                quantity: i.quantity,
                metadata: match i.metadata {
                    serde_json::Value::Object(m) => m,
                    _ => serde_json::Map::new(),
                },
                added_at: i.added_at,
            })
            .collect(),
        discount_code: row.discount_code,
        created_at: row.created_at,
        updated_at: row.updated_at,
        expires_at: row.expires_at,
    })
}

/// A line after [`upsert_line`], and whether this statement wrote it.
#[derive(QueryableByName)]
struct LineAfterAdd {
    #[diesel(embed)]
    item: ItemRow,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    added: bool,
}

/// Adds the row's quantity to the cart's line of its variant (inserting the line when it has
/// none) unless the line would then hold more than `max`, touches the cart when it did, and
/// answers every line of the cart as it is now: one statement under the caller's cart lock.
async fn upsert_line(
    tx: &mut AsyncPgConnection,
    row: &ItemRow,
    max: i64,
    touch: Touch,
) -> Result<Vec<LineAfterAdd>, DbError> {
    use diesel::sql_types::{Jsonb, Timestamptz, Uuid};
    diesel::sql_query(
        "WITH up AS (\
             INSERT INTO cart_items (id, cart_id, product_id, variant_id, quantity, metadata, added_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7 WHERE $5 <= $8 \
             ON CONFLICT (cart_id, variant_id) DO UPDATE \
                 SET quantity = cart_items.quantity + EXCLUDED.quantity, \
                     metadata = CASE WHEN EXCLUDED.metadata = '{}'::jsonb \
                                THEN cart_items.metadata ELSE EXCLUDED.metadata END \
                 WHERE cart_items.quantity + EXCLUDED.quantity <= $8 \
             RETURNING *), \
         touched AS (\
             UPDATE carts SET updated_at = $9, expires_at = $10 \
             WHERE id = $2 AND EXISTS (SELECT 1 FROM up) RETURNING id) \
         SELECT lines.* FROM (\
             SELECT up.*, true AS added FROM up \
             UNION ALL \
             SELECT i.*, false AS added FROM cart_items i \
             WHERE i.cart_id = $2 AND (i.variant_id <> $4 OR NOT EXISTS (SELECT 1 FROM up))\
         ) lines ORDER BY lines.added_at, lines.id",
    )
    .bind::<Uuid, _>(row.id)
    .bind::<Uuid, _>(row.cart_id)
    .bind::<Uuid, _>(row.product_id)
    .bind::<Uuid, _>(row.variant_id)
    .bind::<BigInt, _>(row.quantity)
    .bind::<Jsonb, _>(&row.metadata)
    .bind::<Timestamptz, _>(row.added_at)
    .bind::<BigInt, _>(max)
    .bind::<Timestamptz, _>(touch.now)
    .bind::<Timestamptz, _>(touch.expires_at)
    .load(tx)
    .await
}

/// What [`upsert_line`] did to the cart of `row`.
fn add_outcome(
    mut cart: CartRow,
    lines: Vec<LineAfterAdd>,
    variant: uuid::Uuid,
    touch: Touch,
) -> Result<AddOutcome, DbError> {
    if !lines.iter().any(|l| l.added) {
        let current = lines
            .iter()
            .find(|l| l.item.variant_id == variant)
            .map_or(0, |l| l.item.quantity);
        return Ok(AddOutcome::TooMany { current });
    }
    cart.updated_at = touch.now;
    cart.expires_at = touch.expires_at;
    let items = lines.into_iter().map(|l| l.item).collect();
    Ok(AddOutcome::Added(to_cart(cart, items)?))
}

/// Locks the cart row for the rest of the transaction and reads it.
async fn locked_row(c: &mut AsyncPgConnection, id: uuid::Uuid) -> Result<Option<CartRow>, DbError> {
    carts::table
        .find(id)
        .select(CartRow::as_select())
        .for_update()
        .first(c)
        .await
        .optional()
}

/// Locks the cart row for the rest of the transaction; false when there is no such cart.
async fn lock_cart(c: &mut AsyncPgConnection, id: CartId) -> Result<bool, DbError> {
    Ok(locked_row(c, *id.as_uuid()).await?.is_some())
}

async fn touch_cart(c: &mut AsyncPgConnection, id: CartId, touch: Touch) -> Result<(), DbError> {
    diesel::update(carts::table.find(*id.as_uuid()))
        .set((
            carts::updated_at.eq(touch.now),
            carts::expires_at.eq(touch.expires_at),
        ))
        .execute(c)
        .await?;
    Ok(())
}

async fn current_id(
    c: &mut AsyncPgConnection,
    owner: &CartOwner,
    now: Timestamp,
) -> Result<Option<uuid::Uuid>, DbError> {
    let query = carts::table
        .filter(carts::expires_at.gt(now))
        .order((carts::updated_at.desc(), carts::id.desc()))
        .select(carts::id)
        .into_boxed();
    let query = match owner {
        CartOwner::User(u) => query.filter(carts::user_id.eq(*u.as_uuid())),
        CartOwner::Guest(s) => query.filter(carts::session_id.eq(s.clone())),
    };
    query.first(c).await.optional()
}

/// The owner's current cart, its row locked for the rest of the transaction.
async fn current_locked(
    c: &mut AsyncPgConnection,
    owner: &CartOwner,
    now: Timestamp,
) -> Result<Option<CartRow>, DbError> {
    let query = carts::table
        .filter(carts::expires_at.gt(now))
        .order((carts::updated_at.desc(), carts::id.desc()))
        .select(CartRow::as_select());
    // Locking clauses cannot be boxed: one query per kind of owner.
    match owner {
        CartOwner::User(u) => {
            query
                .filter(carts::user_id.eq(*u.as_uuid()))
                .for_update()
                .first(c)
                .await
        }
        CartOwner::Guest(s) => {
            query
                .filter(carts::session_id.eq(s.clone()))
                .for_update()
                .first(c)
                .await
        }
    }
    .optional()
}

fn owner_key(owner: &CartOwner) -> String {
    match owner {
        CartOwner::User(u) => format!("cart:user:{u}"),
        CartOwner::Guest(s) => format!("cart:session:{s}"),
    }
}

diesel::define_sql_function!(fn pg_advisory_xact_lock(key: BigInt));
diesel::define_sql_function!(fn hashtextextended(text: Text, seed: BigInt) -> BigInt);

type LockedWork<'c, T> =
    std::pin::Pin<Box<dyn Future<Output = Result<Option<T>, DbError>> + Send + 'c>>;

#[derive(Clone)]
pub struct PgCarts {
    pool: PgPool,
}

impl PgCarts {
    #[must_use]
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Runs `f` in a transaction after locking the cart; `None` when there is no such cart.
    async fn with_locked<T, F>(&self, cart: CartId, f: F) -> Result<Option<T>, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> LockedWork<'c, T> + Send,
    {
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            if !lock_cart(tx, cart).await? {
                return Ok(None);
            }
            f(tx).await
        })
        .await
        .map_err(store_error)
    }
}

#[async_trait]
impl CartRepository for PgCarts {
    async fn insert(&self, cart: &Cart) -> Result<(), StoreError> {
        let mut c = conn(&self.pool).await?;
        let row = cart_row(cart);
        let items: Vec<ItemRow> = cart.items.iter().map(|i| item_row(cart.id, i)).collect();
        c.transaction::<_, DbError, _>(async move |tx| {
            diesel::insert_into(carts::table)
                .values(&row)
                .execute(tx)
                .await?;
            diesel::insert_into(cart_items::table)
                .values(&items)
                .execute(tx)
                .await?;
            Ok(())
        })
        .await
        .map_err(store_error)
    }

    async fn of_user(&self, user: merx_identity::UserId) -> Result<Vec<Cart>, StoreError> {
        let mut c = conn(&self.pool).await?;
        let found: Vec<(CartRow, serde_json::Value)> = carts::table
            .filter(carts::user_id.eq(*user.as_uuid()))
            .order((carts::created_at, carts::id))
            .select((
                CartRow::as_select(),
                diesel::dsl::sql::<diesel::sql_types::Jsonb>(ITEMS_JSON),
            ))
            .load(&mut c)
            .await
            .map_err(store_error)?;
        found
            .into_iter()
            .map(|(row, items)| {
                let items: Vec<ItemRow> =
                    serde_json::from_value(items).map_err(|e| decode_error(e.to_string()))?;
                to_cart(row, items)
            })
            .collect::<Result<_, DbError>>()
            .map_err(store_error)
    }

    async fn find(&self, id: CartId) -> Result<Option<Cart>, StoreError> {
        let mut c = conn(&self.pool).await?;
        load(&mut c, *id.as_uuid()).await.map_err(store_error)
    }

    async fn find_current(
        &self,
        owner: &CartOwner,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError> {
        let mut c = conn(&self.pool).await?;
        match current_id(&mut c, owner, touch.now)
            .await
            .map_err(store_error)?
        {
            Some(id) => load(&mut c, id).await.map_err(store_error),
            None => Ok(None),
        }
    }

    async fn add_to_current(
        &self,
        new: &Cart,
        item: &CartItem,
        max: i64,
        touch: Touch,
    ) -> Result<AddOutcome, StoreError> {
        let key = owner_key(&new.owner);
        let fresh = cart_row(new);
        let owner = new.owner.clone();
        let mut item = item_row(new.id, item);
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            // One creator at a time per owner: concurrent first adds share one cart.
            diesel::select(pg_advisory_xact_lock(hashtextextended(key, 0)))
                .execute(tx)
                .await?;
            let cart = match current_locked(tx, &owner, touch.now).await? {
                Some(cart) if cart.currency != fresh.currency => {
                    return Ok(AddOutcome::OtherCurrency(cart.currency.parse().map_err(
                        |e: merx_kernel::MoneyError| decode_error(e.to_string()),
                    )?));
                }
                Some(cart) => cart,
                None => {
                    diesel::insert_into(carts::table)
                        .values(&fresh)
                        .execute(tx)
                        .await?;
                    fresh
                }
            };
            item.cart_id = cart.id;
            let lines = upsert_line(tx, &item, max, touch).await?;
            add_outcome(cart, lines, item.variant_id, touch)
        })
        .await
        .map_err(store_error)
    }

    async fn add_item(
        &self,
        cart: CartId,
        item: &CartItem,
        max: i64,
        touch: Touch,
    ) -> Result<AddOutcome, StoreError> {
        let row = item_row(cart, item);
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            let Some(locked) = locked_row(tx, row.cart_id).await? else {
                return Ok(AddOutcome::NoCart);
            };
            let lines = upsert_line(tx, &row, max, touch).await?;
            add_outcome(locked, lines, row.variant_id, touch)
        })
        .await
        .map_err(store_error)
    }

    async fn set_quantity(
        &self,
        cart: CartId,
        item: CartItemId,
        quantity: i64,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError> {
        self.with_locked(cart, move |tx| {
            Box::pin(async move {
                let n = diesel::update(
                    cart_items::table
                        .filter(cart_items::id.eq(*item.as_uuid()))
                        .filter(cart_items::cart_id.eq(*cart.as_uuid())),
                )
                .set(cart_items::quantity.eq(quantity))
                .execute(tx)
                .await?;
                if n == 0 {
                    return Ok(None);
                }
                touch_cart(tx, cart, touch).await?;
                load(tx, *cart.as_uuid()).await
            })
        })
        .await
    }

    async fn remove_item(
        &self,
        cart: CartId,
        item: CartItemId,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError> {
        self.with_locked(cart, move |tx| {
            Box::pin(async move {
                let n = diesel::delete(
                    cart_items::table
                        .filter(cart_items::id.eq(*item.as_uuid()))
                        .filter(cart_items::cart_id.eq(*cart.as_uuid())),
                )
                .execute(tx)
                .await?;
                if n == 0 {
                    return Ok(None);
                }
                touch_cart(tx, cart, touch).await?;
                load(tx, *cart.as_uuid()).await
            })
        })
        .await
    }

    async fn clear(&self, cart: CartId, touch: Touch) -> Result<Option<Cart>, StoreError> {
        self.with_locked(cart, move |tx| {
            Box::pin(async move {
                diesel::delete(cart_items::table.filter(cart_items::cart_id.eq(*cart.as_uuid())))
                    .execute(tx)
                    .await?;
                diesel::update(carts::table.find(*cart.as_uuid()))
                    .set(carts::discount_code.eq(None::<String>))
                    .execute(tx)
                    .await?;
                touch_cart(tx, cart, touch).await?;
                load(tx, *cart.as_uuid()).await
            })
        })
        .await
    }

    async fn set_discount(
        &self,
        cart: CartId,
        code: Option<String>,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError> {
        self.with_locked(cart, move |tx| {
            Box::pin(async move {
                let target = carts::table.find(*cart.as_uuid());
                if code.is_some() {
                    // Never replaces another code (see the port).
                    diesel::update(target.filter(carts::discount_code.is_null()))
                        .set(carts::discount_code.eq(code))
                        .execute(tx)
                        .await?;
                } else {
                    diesel::update(target)
                        .set(carts::discount_code.eq(None::<String>))
                        .execute(tx)
                        .await?;
                }
                touch_cart(tx, cart, touch).await?;
                load(tx, *cart.as_uuid()).await
            })
        })
        .await
    }

    async fn merge(
        &self,
        from: CartId,
        into: CartId,
        lines: &[CartItem],
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError> {
        let rows: Vec<ItemRow> = lines.iter().map(|l| item_row(into, l)).collect();
        let mut c = conn(&self.pool).await?;
        c.transaction::<_, DbError, _>(async move |tx| {
            // Both rows, in id order, so two merges never wait on each other in a cycle.
            let ids = [*from.as_uuid(), *into.as_uuid()];
            let locked: Vec<uuid::Uuid> = carts::table
                .filter(carts::id.eq_any(ids))
                .order(carts::id)
                .select(carts::id)
                .for_update()
                .load(tx)
                .await?;
            if locked.len() != 2 {
                return Ok(None);
            }
            diesel::delete(carts::table.find(*from.as_uuid()))
                .execute(tx)
                .await?;
            for row in &rows {
                diesel::delete(
                    cart_items::table
                        .filter(cart_items::cart_id.eq(row.cart_id))
                        .filter(cart_items::variant_id.eq(row.variant_id)),
                )
                .execute(tx)
                .await?;
                if row.quantity > 0 {
                    diesel::insert_into(cart_items::table)
                        .values(row)
                        .execute(tx)
                        .await?;
                }
            }
            touch_cart(tx, into, touch).await?;
            load(tx, *into.as_uuid()).await
        })
        .await
        .map_err(store_error)
    }

    async fn reassign(
        &self,
        cart: CartId,
        owner: &CartOwner,
        touch: Touch,
    ) -> Result<Option<Cart>, StoreError> {
        let (user_id, session_id) = owner_columns(owner);
        self.with_locked(cart, move |tx| {
            Box::pin(async move {
                diesel::update(carts::table.find(*cart.as_uuid()))
                    .set((carts::user_id.eq(user_id), carts::session_id.eq(session_id)))
                    .execute(tx)
                    .await?;
                touch_cart(tx, cart, touch).await?;
                load(tx, *cart.as_uuid()).await
            })
        })
        .await
    }

    async fn references_product(&self, product: ProductId) -> Result<bool, StoreError> {
        let mut c = conn(&self.pool).await?;
        diesel::select(exists(
            cart_items::table.filter(cart_items::product_id.eq(*product.as_uuid())),
        ))
        .get_result(&mut c)
        .await
        .map_err(store_error)
    }

    async fn delete_expired(&self, now: Timestamp) -> Result<u64, StoreError> {
        let mut c = conn(&self.pool).await?;
        let n = diesel::delete(carts::table.filter(carts::expires_at.le(now)))
            .execute(&mut c)
            .await
            .map_err(store_error)?;
        Ok(n as u64)
    }
}
