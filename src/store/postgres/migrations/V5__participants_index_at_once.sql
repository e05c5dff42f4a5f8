-- The participants' index takes each interaction into its tree as it is
-- written. With GIN's default (`fastupdate`), entries gather in a pending
-- list, and the insert that finds the list full (`gin_pending_list_limit`,
-- 4 MB) folds all of it into the tree inside its own transaction: with
-- `/met`'s group commit, every meeting waits tens of milliseconds behind
-- that one write, every few thousand meetings. Each insert now costs a
-- little more log instead, and none waits for others'.
ALTER INDEX interactions_by_participant SET (fastupdate = off);
-- What an older schema left in the list, folded in once now.
SELECT gin_clean_pending_list('interactions_by_participant');
