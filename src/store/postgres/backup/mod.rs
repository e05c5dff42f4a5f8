//! A backup of the PostgreSQL store, in the format the sled store writes
//! (see the sled store's `backup`): the same header, the same records in
//! the same order, each tree in its keys' order, and the closing counts,
//! so that a backup of either store loads into the other. `write` takes
//! one, `read` loads one.

mod read;
mod write;
