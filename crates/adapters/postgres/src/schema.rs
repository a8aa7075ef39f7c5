// The tables of migrations/, as diesel sees them. Keep in step with the SQL.

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        password_hash -> Text,
        full_name -> Nullable<Text>,
        phone -> Nullable<Text>,
        role -> Text,
        is_active -> Bool,
        is_verified -> Bool,
        attributes -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        family_id -> Uuid,
        user_id -> Uuid,
        token_hash -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    one_time_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Uuid,
        purpose -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Uuid,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    addresses (id) {
        id -> Uuid,
        user_id -> Uuid,
        kind -> Text,
        name -> Text,
        phone -> Nullable<Text>,
        line1 -> Text,
        line2 -> Nullable<Text>,
        city -> Text,
        state -> Nullable<Text>,
        postal_code -> Text,
        country -> Text,
        is_default -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(one_time_tokens -> users (user_id));
diesel::joinable!(addresses -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    refresh_tokens,
    one_time_tokens,
    api_keys,
    addresses
);

diesel::table! {
    products (id) {
        id -> Uuid,
        slug -> Text,
        name -> Text,
        description -> Nullable<Text>,
        short_description -> Nullable<Text>,
        category -> Nullable<Text>,
        tags -> Array<Text>,
        images -> Jsonb,
        status -> Text,
        is_featured -> Bool,
        currency -> Text,
        attributes -> Jsonb,
        seo_title -> Nullable<Text>,
        seo_description -> Nullable<Text>,
        min_price -> BigInt,
        search_text -> Text,
        sellable_variants -> Integer,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        rating_counts -> Array<Integer>,
        rating_average -> Double,
    }
}

diesel::table! {
    reviews (id) {
        id -> Uuid,
        product_id -> Uuid,
        user_id -> Uuid,
        author_name -> Text,
        rating -> SmallInt,
        title -> Nullable<Text>,
        body -> Text,
        verified_purchase -> Bool,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    variants (id) {
        id -> Uuid,
        product_id -> Uuid,
        sku -> Text,
        name -> Text,
        options -> Jsonb,
        price -> BigInt,
        compare_at_price -> Nullable<BigInt>,
        cost_price -> Nullable<BigInt>,
        weight_grams -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    stock_levels (variant_id) {
        variant_id -> Uuid,
        on_hand -> BigInt,
        track_inventory -> Bool,
        low_stock_threshold -> BigInt,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    stock_adjustments (id) {
        id -> BigInt,
        variant_id -> Uuid,
        actor -> Text,
        reason -> Text,
        before -> BigInt,
        after -> BigInt,
        at -> Timestamptz,
        audit_id -> Nullable<Uuid>,
    }
}

diesel::joinable!(variants -> products (product_id));
diesel::joinable!(stock_levels -> variants (variant_id));
diesel::joinable!(stock_adjustments -> variants (variant_id));
diesel::allow_tables_to_appear_in_same_query!(products, variants, stock_levels, stock_adjustments);

diesel::table! {
    tax_rates (id) {
        id -> Uuid,
        country -> Text,
        state -> Nullable<Text>,
        name -> Text,
        rate_ppm -> Integer,
        tax_shipping -> Bool,
        business_exemption -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    pricing_defaults_installs (id) {
        id -> SmallInt,
        installed_at -> Timestamptz,
    }
}

diesel::table! {
    shipping_zones (id) {
        id -> Uuid,
        name -> Text,
        countries -> Array<Text>,
        states -> Array<Text>,
        methods -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    discounts (id) {
        id -> Uuid,
        code -> Text,
        kind -> Text,
        value -> BigInt,
        currency -> Nullable<Text>,
        minimum_order_amount -> Nullable<BigInt>,
        usage_limit -> Nullable<BigInt>,
        usage_limit_per_customer -> Nullable<BigInt>,
        times_used -> BigInt,
        starts_at -> Nullable<Timestamptz>,
        ends_at -> Nullable<Timestamptz>,
        is_active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    discount_redemptions (discount_id, order_ref) {
        discount_id -> Uuid,
        order_ref -> Text,
        customer -> Text,
        redeemed_at -> Timestamptz,
    }
}

diesel::table! {
    carts (id) {
        id -> Uuid,
        user_id -> Nullable<Uuid>,
        session_id -> Nullable<Text>,
        currency -> Text,
        discount_code -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    cart_items (id) {
        id -> Uuid,
        cart_id -> Uuid,
        product_id -> Uuid,
        variant_id -> Uuid,
        quantity -> BigInt,
        metadata -> Jsonb,
        added_at -> Timestamptz,
    }
}

diesel::joinable!(cart_items -> carts (cart_id));
diesel::allow_tables_to_appear_in_same_query!(carts, cart_items);

diesel::table! {
    stock_reservations (id) {
        id -> BigInt,
        holder -> Text,
        variant_id -> Uuid,
        quantity -> BigInt,
        expires_at -> Timestamptz,
    }
}

diesel::allow_tables_to_appear_in_same_query!(stock_levels, stock_reservations);
diesel::allow_tables_to_appear_in_same_query!(products, stock_reservations);
diesel::allow_tables_to_appear_in_same_query!(variants, stock_reservations);

diesel::table! {
    orders (id) {
        id -> Uuid,
        order_number -> Text,
        user_id -> Nullable<Uuid>,
        email -> Text,
        status -> Text,
        payment_status -> Text,
        currency -> Text,
        items -> Jsonb,
        totals -> Jsonb,
        discount_code -> Nullable<Text>,
        shipping_address -> Jsonb,
        billing_address -> Jsonb,
        shipping_method -> Text,
        payment_method -> Text,
        payment_provider_ref -> Nullable<Text>,
        tracking_number -> Nullable<Text>,
        notes -> Nullable<Text>,
        admin_note -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        checkout_id -> Nullable<Uuid>,
        token_hash -> Nullable<Text>,
        stock_taken -> Bool,
        payment_due_at -> Nullable<Timestamptz>,
        confirmed_at -> Nullable<Timestamptz>,
        shipped_at -> Nullable<Timestamptz>,
        delivered_at -> Nullable<Timestamptz>,
        cancelled_at -> Nullable<Timestamptz>,
        paid_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        flags -> Array<Text>,
        ledger -> Jsonb,
    }
}

diesel::table! {
    refunds (id) {
        id -> Uuid,
        order_id -> Uuid,
        amount -> BigInt,
        currency -> Text,
        status -> Text,
        provider_ref -> Nullable<Text>,
        reason -> Nullable<Text>,
        restocked -> Bool,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    payment_events (provider, event_id) {
        provider -> Text,
        event_id -> Text,
        kind -> Text,
        received_at -> Timestamptz,
    }
}

diesel::table! {
    checkout_sessions (id) {
        id -> Uuid,
        cart_id -> Uuid,
        status -> Text,
        expires_at -> Timestamptz,
        order_id -> Nullable<Uuid>,
        updated_at -> Timestamptz,
        body -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    cart_milestones (cart_id) {
        cart_id -> Uuid,
        created_at -> Timestamptz,
        first_item_at -> Nullable<Timestamptz>,
        ordered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        fingerprint -> Text,
        status -> Nullable<SmallInt>,
        body -> Nullable<Text>,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Uuid,
        actor_kind -> Text,
        actor_id -> Text,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        changes -> Jsonb,
        request_id -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    outbox (id) {
        id -> Uuid,
        topic -> Text,
        key -> Text,
        payload -> Jsonb,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    woocommerce_products (product_id) {
        product_id -> Uuid,
        remote_id -> BigInt,
        variations -> Jsonb,
        synced_at -> Timestamptz,
    }
}

diesel::table! {
    woocommerce_orders (order_id) {
        order_id -> Uuid,
        remote_id -> BigInt,
        number -> Text,
        status -> Text,
        total -> Text,
        currency -> Text,
        created_at -> Nullable<Text>,
        pushed_at -> Timestamptz,
    }
}

diesel::table! {
    woocommerce_deliveries (digest) {
        digest -> Text,
        received_at -> Timestamptz,
    }
}
