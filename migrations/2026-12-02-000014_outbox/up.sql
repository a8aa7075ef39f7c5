-- The transactional outbox (spec §8, §13): messages written with the change that causes them,
-- delivered by a worker in every instance. A claim leases a message (moves next_attempt_at)
-- under FOR UPDATE SKIP LOCKED, so instances share one backlog without taking one message twice.
CREATE TABLE outbox (
    id uuid PRIMARY KEY,
    topic text NOT NULL,
    key text NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL,
    last_error text,
    created_at timestamptz NOT NULL,
    delivered_at timestamptz
);

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_newest ON outbox (created_at DESC, id DESC);
