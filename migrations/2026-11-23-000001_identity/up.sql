-- Identity: users, their sessions (refresh-token families), single-use emailed tokens,
-- admin API keys and address books. Secrets are stored as SHA-256 hashes only.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL UNIQUE CHECK (email = lower(email)),
    password_hash text NOT NULL,
    full_name     text,
    phone         text,
    role          text NOT NULL CHECK (role IN ('customer', 'admin')),
    is_active     boolean NOT NULL DEFAULT true,
    is_verified   boolean NOT NULL DEFAULT false,
    attributes    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY,
    family_id  uuid NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

CREATE TABLE one_time_tokens (
    token_hash text PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX one_time_tokens_user_idx ON one_time_tokens (user_id);

CREATE TABLE api_keys (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    prefix     text NOT NULL,
    key_hash   text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE TABLE addresses (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('shipping', 'billing')),
    name        text NOT NULL,
    phone       text,
    line1       text NOT NULL,
    line2       text,
    city        text NOT NULL,
    state       text,
    postal_code text NOT NULL,
    country     text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    is_default  boolean NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX addresses_user_idx ON addresses (user_id, created_at);
-- The rule "one default address per user and kind", enforced where races cannot break it.
CREATE UNIQUE INDEX addresses_one_default_idx ON addresses (user_id, kind) WHERE is_default;
