-- 0005: engagement: daily tips (sent through the resumable broadcasts), tip opt-outs, the
-- study-partner pool and the pairs made from it.

CREATE TABLE IF NOT EXISTS tips (
    id {id},
    text TEXT NOT NULL,
    file_id TEXT,
    created_by BIGINT,
    source_chat_id BIGINT,
    source_message_id BIGINT,
    created_at {ts} NOT NULL
);
-- the admin's /addtip message: a retried update finds the tip it added the first time
CREATE UNIQUE INDEX IF NOT EXISTS uq_tips_source ON tips (source_chat_id, source_message_id);

-- One row per local day (AVAP_TIMEZONE) whose tip went out: the unique day is the durable
-- "tip of day D sent", so neither a second instance nor a restart sends it twice. The tip's text
-- and photo are kept, so deleting the tip later does not change what the day showed.
CREATE TABLE IF NOT EXISTS tip_days (
    day TEXT PRIMARY KEY,
    tip_id BIGINT,
    text TEXT NOT NULL,
    file_id TEXT,
    broadcast_id BIGINT,
    created_at {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_tip_days_broadcast ON tip_days (broadcast_id);

CREATE TABLE IF NOT EXISTS tip_optouts (
    telegram_id BIGINT PRIMARY KEY,
    created_at {ts} NOT NULL
);

-- Students waiting for a study partner (module NULL: any module).
CREATE TABLE IF NOT EXISTS match_pool (
    telegram_id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    username TEXT,
    module TEXT,
    joined_at {ts} NOT NULL
);

-- Every pair ever made; user_a < user_b, so a pair of two students is one key.
CREATE TABLE IF NOT EXISTS match_pairs (
    id {id},
    user_a BIGINT NOT NULL,
    user_b BIGINT NOT NULL,
    name_a TEXT NOT NULL,
    name_b TEXT NOT NULL,
    username_a TEXT,
    username_b TEXT,
    module TEXT,
    created_at {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_match_pairs_a ON match_pairs (user_a);
CREATE INDEX IF NOT EXISTS idx_match_pairs_b ON match_pairs (user_b);
