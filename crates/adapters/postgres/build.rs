//! `embed_migrations!` reads migrations/ when this crate compiles; a new migration folder must
//! make it compile again, or the binary would lack that migration.
fn main() {
    println!("cargo:rerun-if-changed=../../../migrations");
}
