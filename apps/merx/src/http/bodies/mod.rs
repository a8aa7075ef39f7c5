//! Request and response bodies more than one route module shows, each in a file named for
//! it, so no route imports another; and the documented shapes of inputs a domain crate reads
//! itself (`pricing_inputs`).

pub mod address;
pub mod audit_entry;
pub mod cart;
pub mod loose_items;
pub mod order;
pub mod pricing_inputs;
pub mod refund;
pub mod review;
pub mod saved_address;
pub mod user;
