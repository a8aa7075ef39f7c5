//! The checkout flows' decisions, on mocked ports: what each flow asks of the stores and the
//! payment provider, and what it refuses before touching them.

mod order_lifecycle;
mod orders_first;
mod sessions;
mod support;
