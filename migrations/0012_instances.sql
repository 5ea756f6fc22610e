-- 0012: instances announce themselves (shared/instances.py). Each running server process beats
-- here every few seconds; a process whose beat has stopped (kill -9, a lost machine) is dead,
-- and the inbox rows, outbox rows and locks it held are freed at once, instead of when their
-- leases run out. A process that stops gracefully removes its own row and frees what it held.
CREATE TABLE IF NOT EXISTS instances (
    id TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at {ts} NOT NULL,
    beat_at {ts} NOT NULL
);

-- @postgresql
ALTER TABLE instances ENABLE ROW LEVEL SECURITY;
-- @end
