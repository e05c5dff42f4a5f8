//! Rebuilds the bot when a PostgreSQL migration is added.
//!
//! `refinery::embed_migrations!` reads the migrations' folder while the
//! crate compiles, but Cargo learns of no file it reads: a migration added
//! later would be left out of the next build until some source file
//! changed (refinery's issue 309). Naming the folder here makes Cargo
//! rebuild whenever anything in it changes.

fn main() {
    println!("cargo::rerun-if-changed=src/store/postgres/migrations");
}
