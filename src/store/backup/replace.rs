//! Putting a backup in place of a data folder's store: `alliances import`
//! and `alliances restore`.
//!
//! The backup is loaded into a fresh store in `restoring/` inside the data
//! folder. Only once that store is whole, on disk and closed are sled's
//! files swapped: the old ones into `replaced-<time>/` (kept, unless the
//! store held nothing), the new ones into the data folder. So an import
//! that fails — a malformed line, a full disk — leaves the folder as it
//! was, and the store is never half-filled.
//!
//! Why inside the data folder: it may be a mount point (a container's
//! volume), which cannot be renamed, and a rename to another file system
//! is a copy; inside, every move is a rename on one file system. sled
//! leaves folders beside its files alone (see `folder`).
//!
//! The swap is a few renames. Should the process die among them,
//! `restoring/` is still there: it is removed last, and names the backup
//! it holds. [`SledStore::open`] refuses a folder that has it, with the command
//! that runs the restore again.
//!
//! The bot must not run meanwhile. An open store holds its data folder
//! (`sled_files::FolderHold`), and sled locks `db` in it, for the process
//! that opened it; the import takes both for as long as it runs, so it is
//! refused while the bot runs, and a `serve` started meanwhile is refused.

use super::{BackupError, Counts};
use crate::store::sled_files::{
    FolderHold, FolderLock, draw_ids_above, move_sled_entries, remove_entry, sled_entries,
    sync_folder, wait_until_closed,
};
use crate::store::{SledStore, StoreError, StoreOptions, rewrite};
use chrono::{DateTime, Utc};
use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Where the new store is built, inside the data folder.
const RESTORING: &str = "restoring";

/// How the folders of replaced stores start, inside the data folder.
pub(in crate::store) const ASIDE_PREFIX: &str = "replaced-";

/// The file in `restoring/` that names the backup being restored.
const NOTE: &str = "restoring-from";

/// Whether an import may replace a store that holds data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacing {
    /// Only into an empty store (or a folder without one).
    EmptyOnly,
    /// Whatever is there, even a store that will not open: it is kept
    /// aside.
    Anything,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The records loaded, of each tree.
    pub counts: Counts,
    /// When the backup was written.
    pub written_at: DateTime<Utc>,
    /// Where the store it replaced was put, when it held data.
    pub kept_aside: Option<PathBuf>,
}

/// What the data folder holds before an import.
enum Current {
    /// No store, or an empty one: nothing to keep.
    Nothing,
    /// A store with data, in words.
    Data(String),
    /// A store that will not open, and why.
    Unopenable(String),
}

/// Loads the backup file `backup` into a fresh store and puts it in place
/// of the store in `data_dir` (see the module doc). Calls `progress` with
/// the bytes of the backup read so far and its size.
pub fn import_backup(
    data_dir: &Path,
    backup: &Path,
    options: &StoreOptions,
    replacing: Replacing,
    mut progress: impl FnMut(u64, u64),
) -> Result<Imported, BackupError> {
    let file = fs::File::open(backup).map_err(BackupError::file("cannot read", backup))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if let Replacing::EmptyOnly = replacing {
        match inspect(data_dir, options)? {
            Current::Data(what) => {
                return Err(BackupError::NotEmpty {
                    path: data_dir.to_path_buf(),
                    what,
                });
            }
            Current::Unopenable(problem) => {
                return Err(BackupError::Unopenable {
                    path: data_dir.to_path_buf(),
                    problem,
                });
            }
            Current::Nothing => {}
        }
    }
    fs::create_dir_all(data_dir).map_err(BackupError::file("cannot create", data_dir))?;
    let _hold = FolderHold::take(data_dir)?;
    // A rewrite a process died in is finished, or undone, first (once
    // sled has let go of the store `inspect` opened), so that the folder
    // holds one store: left, it would be finished at the next open, over
    // the restored one.
    rewrite::recover(data_dir)?;
    let _lock = FolderLock::take(data_dir)?;
    // Whatever store is there is kept aside, unread: a damaged one is left
    // as it was found, for whoever looks into it. One `EmptyOnly` let
    // through holds nothing to keep.
    let keep_aside = matches!(replacing, Replacing::Anything) && data_dir.join("db").exists();

    let restoring = data_dir.join(RESTORING);
    let loaded = build(&restoring, backup, file, options, |read| {
        progress(read, size)
    });
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            let _ = fs::remove_dir_all(&restoring);
            return Err(error);
        }
    };

    let kept_aside = if keep_aside {
        let aside = aside_folder(data_dir);
        fs::create_dir(&aside).map_err(BackupError::file("cannot create", &aside))?;
        move_sled_entries(data_dir, &aside)?;
        Some(aside)
    } else {
        for entry in sled_entries(data_dir)? {
            remove_entry(&entry)?;
        }
        None
    };
    move_sled_entries(&restoring, data_dir)?;
    let note = restoring.join(NOTE);
    fs::remove_file(&note).map_err(BackupError::file("cannot remove", &note))?;
    fs::remove_dir(&restoring).map_err(BackupError::file("cannot remove", &restoring))?;
    sync_folder(data_dir)?;
    Ok(Imported {
        counts: loaded.counts,
        written_at: loaded.written_at,
        kept_aside,
    })
}

/// The backup a restore into `data_dir` was restoring when it stopped
/// half-way, if one did (see the module doc).
pub(in crate::store) fn unfinished_restore(data_dir: &Path) -> Option<PathBuf> {
    let restoring = data_dir.join(RESTORING);
    restoring.is_dir().then(|| {
        fs::read_to_string(restoring.join(NOTE))
            .map(|note| PathBuf::from(note.trim_end()))
            .unwrap_or_else(|_| PathBuf::from("FILE"))
    })
}

/// What `data_dir` holds now. Refuses a folder the bot holds.
fn inspect(data_dir: &Path, options: &StoreOptions) -> Result<Current, BackupError> {
    // A rewrite that died with its old files moved out leaves no `db`, but
    // a whole copy, which opening the store puts in place.
    let whole_copy = data_dir.join(rewrite::REWRITING).join(rewrite::WHOLE);
    if !data_dir.join("db").exists() && !whole_copy.exists() {
        return Ok(Current::Nothing);
    }
    // Without the check for an unfinished restore: this import finishes it.
    let current =
        match SledStore::open_unchecked(data_dir, options).map_err(|e| e.at_open(data_dir)) {
            Ok(store) => match store.contents()? {
                Some(what) => Current::Data(what),
                None => Current::Nothing,
            },
            Err(in_use @ StoreError::InUse { .. }) => return Err(in_use.into()),
            Err(StoreError::WillNotOpen { problem, .. }) => Current::Unopenable(problem),
            Err(other) => Current::Unopenable(other.to_string()),
        };
    Ok(current)
}

/// Loads `backup` into a fresh store in `restoring` and closes it, ready
/// to be moved in.
fn build(
    restoring: &Path,
    backup: &Path,
    file: fs::File,
    options: &StoreOptions,
    progress: impl FnMut(u64),
) -> Result<super::read::Loaded, BackupError> {
    if restoring.exists() {
        // Left by an import that stopped half-way: this one starts over.
        fs::remove_dir_all(restoring).map_err(BackupError::file("cannot remove", restoring))?;
    }
    fs::create_dir(restoring).map_err(BackupError::file("cannot create", restoring))?;
    let note = restoring.join(NOTE);
    let named = std::path::absolute(backup).unwrap_or_else(|_| backup.to_path_buf());
    fs::write(&note, named.display().to_string())
        .map_err(BackupError::file("cannot write", &note))?;
    let store = SledStore::open_unchecked(restoring, options)?;
    let loaded = store.load_backup(BufReader::with_capacity(1 << 20, file), progress)?;
    drop(store);
    wait_until_closed(restoring)?;
    if let Some(highest) = loaded.highest_id {
        draw_ids_above(restoring, highest)?;
    }
    Ok(loaded)
}

/// A new folder for the store being replaced: `replaced-<time>`, and a
/// number after it should two replaces fall in one minute.
fn aside_folder(data_dir: &Path) -> PathBuf {
    let stamp = Utc::now().format("%Y-%m-%dT%H%MZ").to_string();
    let first = data_dir.join(format!("{ASIDE_PREFIX}{stamp}"));
    std::iter::once(first.clone())
        .chain((2..).map(|n| data_dir.join(format!("{ASIDE_PREFIX}{stamp}-{n}"))))
        .find(|candidate| !candidate.exists())
        .unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::{at_minute, meeting, person, reopen};
    use std::ops::ControlFlow;

    /// A data folder in a temporary folder, and a backup file beside it
    /// holding two people and a meeting.
    struct Folders {
        _root: tempfile::TempDir,
        data: PathBuf,
        backup: PathBuf,
    }

    fn folders() -> Folders {
        let root = tempfile::tempdir().unwrap();
        let (data, backup) = (root.path().join("data"), root.path().join("backup.jsonl"));
        let source = root.path().join("source");
        let store = SledStore::open(&source, &StoreOptions::default()).unwrap();
        store
            .put_people(&[
                person("U1", "Ada", Some("A")),
                person("U2", "Bob", Some("B")),
            ])
            .unwrap();
        store
            .log_interaction(&meeting(at_minute(0), &["U1", "U2"], Some("coffee")))
            .unwrap();
        let mut out = Vec::new();
        store
            .export_backup(&mut out, at_minute(1), |_| ControlFlow::Continue(()))
            .unwrap();
        fs::write(&backup, out).unwrap();
        Folders {
            _root: root,
            data,
            backup,
        }
    }

    fn import(folders: &Folders, replacing: Replacing) -> Result<Imported, BackupError> {
        import_backup(
            &folders.data,
            &folders.backup,
            &StoreOptions::default(),
            replacing,
            |_, _| {},
        )
    }

    use crate::store::fixtures::file_names as names;

    /// The name of the first person in the store in `dir`, reopened.
    fn first_person_in(dir: &Path) -> String {
        reopen(dir).unwrap().people().unwrap().remove(0).name
    }

    #[test]
    fn an_import_fills_a_new_folder_or_an_empty_store() {
        let folders = folders();
        let imported = import(&folders, Replacing::EmptyOnly).unwrap();
        assert_eq!(
            (imported.counts.people, imported.counts.interactions),
            (2, 1)
        );
        assert_eq!(imported.kept_aside, None);
        let store = reopen(&folders.data).unwrap();
        assert_eq!(store.people().unwrap().len(), 2);
        assert_eq!(store.interaction_count(), 1);
        assert_eq!(store.ties().unwrap().len(), 1);
        store.purge_everything().unwrap();
        drop(store);
        // Purged, the store is empty: an import may fill it, and keeps
        // nothing aside.
        assert_eq!(
            import(&folders, Replacing::EmptyOnly).unwrap().kept_aside,
            None
        );
        assert!(
            !names(&folders.data)
                .iter()
                .any(|n| n.starts_with(ASIDE_PREFIX))
        );
        assert_eq!(reopen(&folders.data).unwrap().interaction_count(), 1);
    }

    #[test]
    fn an_import_refuses_a_store_with_data_unless_told_to_replace_it_and_then_keeps_it_aside() {
        let folders = folders();
        let store = SledStore::open(&folders.data, &StoreOptions::default()).unwrap();
        store.put_person(&person("U9", "Zed", None)).unwrap();
        store
            .log_interaction(&meeting(at_minute(5), &["U9", "U8"], None))
            .unwrap();
        store.flush().unwrap();
        drop(store);

        let refused = import(&folders, Replacing::EmptyOnly).unwrap_err();
        assert_eq!(
            refused.to_string(),
            format!(
                "the store in {} already holds data (1 person, 1 interaction and 0 other \
                 records): import loads into an empty store; to replace this data with the \
                 backup, add --replace (the store is kept aside, not deleted)",
                folders.data.display()
            )
        );
        assert_eq!(first_person_in(&folders.data), "Zed");

        let imported = import(&folders, Replacing::Anything).unwrap();
        let aside = imported.kept_aside.expect("the replaced store is kept");
        assert!(aside.starts_with(&folders.data));
        assert_eq!(first_person_in(&folders.data), "Ada");
        assert_eq!(first_person_in(&aside), "Zed");
        assert!(!folders.data.join(RESTORING).exists());
    }

    #[test]
    fn a_failed_import_leaves_the_folder_as_it_was() {
        let folders = folders();
        let text = fs::read_to_string(&folders.backup).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        lines[2] = "{\"tree\":\"people\",\"value\":{}}";
        fs::write(&folders.backup, lines.join("\n")).unwrap();

        // Into a folder with no store, and into one with data.
        let error = import(&folders, Replacing::EmptyOnly).unwrap_err();
        assert!(error.to_string().starts_with("line 3: "), "{error}");
        assert_eq!(
            names(&folders.data),
            Vec::<String>::new(),
            "nothing is left but the folder"
        );
        let store = SledStore::open(&folders.data, &StoreOptions::default()).unwrap();
        store.put_person(&person("U9", "Zed", None)).unwrap();
        store.flush().unwrap();
        drop(store);
        import(&folders, Replacing::Anything).unwrap_err();
        let left = names(&folders.data);
        assert!(
            !left
                .iter()
                .any(|name| name == RESTORING || name.starts_with(ASIDE_PREFIX)),
            "{left:?}"
        );
        assert_eq!(first_person_in(&folders.data), "Zed");
    }

    #[test]
    fn an_import_is_refused_while_the_store_is_open() {
        let folders = folders();
        let store = SledStore::open(&folders.data, &StoreOptions::default()).unwrap();
        let error = import(&folders, Replacing::Anything).unwrap_err();
        assert!(
            matches!(error, BackupError::Store(StoreError::InUse { .. })),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains("only one alliances process may use a data folder at a time")
        );
        drop(store);
    }

    #[test]
    fn a_store_that_will_not_open_is_replaced_only_when_told_and_kept_aside() {
        let folders = folders();
        drop(SledStore::open(&folders.data, &StoreOptions::default()).unwrap());
        let store = reopen(&folders.data).unwrap();
        store
            .trees()
            .unwrap()
            .meta
            .insert(crate::store::meta::SCHEMA_VERSION, &b"\x01"[..])
            .unwrap();
        store.flush().unwrap();
        drop(store);

        let refused = import(&folders, Replacing::EmptyOnly).unwrap_err();
        assert!(
            refused.to_string().contains(
                "does not open (its meta tree holds an unreadable value at `schema_version`"
            ),
            "{refused}"
        );
        let imported = import(&folders, Replacing::Anything).unwrap();
        assert!(imported.kept_aside.is_some());
        assert_eq!(reopen(&folders.data).unwrap().people().unwrap().len(), 2);
    }

    /// Zed's store in `folders`, and a whole copy of it that a rewrite had
    /// made, but not moved in, when its process died; with `moved_out`,
    /// it had moved the old files out of the folder.
    fn a_rewrite_died_in(folders: &Folders, moved_out: bool) -> PathBuf {
        use crate::store::rewrite::{ALL_HERE, REWRITING, REWRITTEN_FROM, WHOLE};
        let zeds = |dir: &Path| {
            let store = SledStore::open(dir, &StoreOptions::default()).unwrap();
            store.put_person(&person("U9", "Zed", None)).unwrap();
            store.flush().unwrap();
        };
        zeds(&folders.data);
        let copy = folders.data.join(REWRITING);
        zeds(&copy);
        fs::write(copy.join(WHOLE), "").unwrap();
        if moved_out {
            let outgoing = folders.data.join(REWRITTEN_FROM);
            fs::create_dir(&outgoing).unwrap();
            wait_until_closed(&folders.data).unwrap();
            move_sled_entries(&folders.data, &outgoing).unwrap();
            fs::write(outgoing.join(ALL_HERE), "").unwrap();
        }
        copy
    }

    #[test]
    fn an_import_into_a_store_whose_rewrite_died_half_way_sees_its_data() {
        let folders = folders();
        a_rewrite_died_in(&folders, true);
        assert!(!folders.data.join("db").exists());
        let refused = import(&folders, Replacing::EmptyOnly).unwrap_err();
        assert!(matches!(refused, BackupError::NotEmpty { .. }), "{refused}");
        assert_eq!(first_person_in(&folders.data), "Zed");
    }

    #[test]
    fn a_restore_puts_its_store_in_place_of_one_whose_rewrite_a_process_died_in() {
        let folders = folders();
        let copy = a_rewrite_died_in(&folders, false);

        let imported = import(&folders, Replacing::Anything).unwrap();
        let aside = imported.kept_aside.expect("Zed's store is kept");
        assert_eq!(first_person_in(&folders.data), "Ada");
        assert_eq!(first_person_in(&aside), "Zed");
        assert!(!copy.exists());
    }

    #[test]
    fn a_store_opened_while_an_import_runs_is_refused_as_in_use() {
        let folders = folders();
        // Mid-import: the folder held, and the backup being loaded.
        let _import = FolderHold::take(&folders.data).unwrap();
        let restoring = folders.data.join(RESTORING);
        fs::create_dir(&restoring).unwrap();
        fs::write(restoring.join(NOTE), folders.backup.display().to_string()).unwrap();

        let refused = SledStore::open(&folders.data, &StoreOptions::default()).unwrap_err();
        assert!(matches!(refused, StoreError::InUse { .. }), "{refused}");
    }

    #[test]
    fn a_restore_stopped_half_way_is_refused_at_open_and_finished_by_running_it_again() {
        let folders = folders();
        import(&folders, Replacing::EmptyOnly).unwrap();
        // As if the process died among the renames.
        let restoring = folders.data.join(RESTORING);
        fs::create_dir(&restoring).unwrap();
        fs::write(restoring.join(NOTE), folders.backup.display().to_string()).unwrap();

        let error = reopen(&folders.data).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "a restore into {} did not finish: run it again with `alliances restore \
                 --data-dir {} {}`",
                folders.data.display(),
                folders.data.display(),
                folders.backup.display()
            )
        );
        import(&folders, Replacing::Anything).unwrap();
        assert_eq!(reopen(&folders.data).unwrap().interaction_count(), 1);
    }
}
