-- The audit log (spec §16): one row per admin or API-key write, written in the write's own
-- transaction. Append-only: a trigger refuses every UPDATE, DELETE and TRUNCATE.
CREATE TABLE audit_log (
    id uuid PRIMARY KEY,
    actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'api_key')),
    actor_id text NOT NULL,
    action text NOT NULL,
    target_type text NOT NULL,
    target_id text NOT NULL,
    changes jsonb NOT NULL DEFAULT '{}',
    request_id text NOT NULL,
    at timestamptz NOT NULL
);

CREATE INDEX audit_log_newest ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, at DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- An admin's stock adjustment links to its entry; moves of orders have none.
ALTER TABLE stock_adjustments ADD COLUMN audit_id uuid REFERENCES audit_log (id);
