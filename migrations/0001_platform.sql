-- 0001: the platform tables (inbox, outbox, flow state, scheduler claims, locks, cooldowns)
-- and the tables of both seeds. Placeholders in braces are filled per database: {id} an
-- identity primary key, {ts} a time stamp with time zone, {json} a JSON document.

-- Every update Telegram delivers, stored before it is acknowledged; unique per bot and update.
CREATE TABLE IF NOT EXISTS inbox (
    id {id},
    bot TEXT NOT NULL,
    update_id BIGINT NOT NULL,
    chat_key TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {ts} NOT NULL,
    lease_owner TEXT,
    lease_until {ts},
    last_error TEXT,
    received_at {ts} NOT NULL,
    done_at {ts},
    CONSTRAINT uq_inbox_bot_update UNIQUE (bot, update_id)
);
CREATE INDEX IF NOT EXISTS idx_inbox_status_next ON inbox (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS idx_inbox_chat ON inbox (bot, chat_key, status, id);
CREATE INDEX IF NOT EXISTS idx_inbox_done_at ON inbox (done_at);
-- the worker takes the oldest pending rows: without this it would scan the whole backlog
CREATE INDEX IF NOT EXISTS idx_inbox_pending ON inbox (id) WHERE status = 'pending';

-- Side effects on other systems, written in the transaction of the change that causes them.
CREATE TABLE IF NOT EXISTS outbox (
    id {id},
    kind TEXT NOT NULL,
    payload {json} NOT NULL,
    dedupe_key TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {ts} NOT NULL,
    lease_owner TEXT,
    lease_until {ts},
    last_error TEXT,
    alerted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {ts} NOT NULL,
    done_at {ts},
    CONSTRAINT uq_outbox_dedupe UNIQUE (dedupe_key)
);
CREATE INDEX IF NOT EXISTS idx_outbox_status_next ON outbox (status, next_attempt_at);

-- The step of a multi-step flow, per bot, chat and user.
CREATE TABLE IF NOT EXISTS flow_state (
    bot TEXT NOT NULL,
    chat_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    step TEXT,
    data {json} NOT NULL,
    updated_at {ts} NOT NULL,
    PRIMARY KEY (bot, chat_id, user_id)
);

-- One row per (job, scheduled fire time): the instance that inserts it runs the job.
CREATE TABLE IF NOT EXISTS job_runs (
    id {id},
    job_id TEXT NOT NULL,
    fire_time {ts} NOT NULL,
    instance TEXT NOT NULL,
    started_at {ts} NOT NULL,
    finished_at {ts},
    outcome TEXT,
    CONSTRAINT uq_job_runs UNIQUE (job_id, fire_time)
);
CREATE INDEX IF NOT EXISTS idx_job_runs_started ON job_runs (started_at);

CREATE TABLE IF NOT EXISTS locks (
    key TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    expires_at {ts} NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_locks_expires_at ON locks (expires_at);

CREATE TABLE IF NOT EXISTS cooldown_states (
    key TEXT PRIMARY KEY,
    cooldown_until {ts} NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_cooldown_states_cooldown_until ON cooldown_states (cooldown_until);

-- Private chats and groups a bot talks to; a user who blocked the bot is inactive.
CREATE TABLE IF NOT EXISTS bot_chats (
    bot TEXT NOT NULL,
    chat_id BIGINT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    blocked_at {ts},
    updated_at {ts} NOT NULL,
    PRIMARY KEY (bot, chat_id)
);

-- A group upgraded to a supergroup gets a new id; settings keep the old one until updated.
CREATE TABLE IF NOT EXISTS chat_migrations (
    old_chat_id BIGINT PRIMARY KEY,
    new_chat_id BIGINT NOT NULL,
    bot TEXT NOT NULL,
    migrated_at {ts} NOT NULL
);

-- ---- AVAP support bot (seed 000) ---------------------------------------------------------
CREATE TABLE IF NOT EXISTS pending_verifications (
    id {id},
    telegram_id BIGINT,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_pending_verifications_email ON pending_verifications (email);
CREATE INDEX IF NOT EXISTS idx_pending_verifications_phone ON pending_verifications (phone);

CREATE TABLE IF NOT EXISTS verified_users (
    id {id},
    telegram_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    status TEXT NOT NULL DEFAULT 'verified',
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    CONSTRAINT uq_verified_users_telegram_id UNIQUE (telegram_id)
);
CREATE INDEX IF NOT EXISTS idx_verified_users_telegram_id ON verified_users (telegram_id);

CREATE TABLE IF NOT EXISTS submissions (
    id {id},
    telegram_id BIGINT NOT NULL,
    module TEXT NOT NULL,
    type TEXT NOT NULL,
    content TEXT,
    file_id TEXT,
    status TEXT NOT NULL DEFAULT 'submitted',
    grade INTEGER,
    comment TEXT,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_submissions_telegram_id ON submissions (telegram_id);

CREATE TABLE IF NOT EXISTS wins (
    id {id},
    telegram_id BIGINT NOT NULL,
    type TEXT NOT NULL,
    content TEXT,
    file_id TEXT,
    status TEXT NOT NULL DEFAULT 'shared',
    created_at {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_wins_telegram_id ON wins (telegram_id);

CREATE TABLE IF NOT EXISTS questions (
    id {id},
    telegram_id BIGINT NOT NULL,
    type TEXT NOT NULL,
    content TEXT,
    file_id TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    answered BOOLEAN NOT NULL DEFAULT FALSE,
    answer TEXT,
    created_at {ts} NOT NULL,
    answered_at {ts}
);
CREATE INDEX IF NOT EXISTS idx_questions_telegram_id ON questions (telegram_id);

CREATE TABLE IF NOT EXISTS broadcasts (
    id {id},
    content TEXT NOT NULL,
    type TEXT NOT NULL DEFAULT 'text',
    sent_count INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT,
    created_at {ts} NOT NULL
);

-- ---- TimeToShopping bot (seed 002) -------------------------------------------------------
CREATE TABLE IF NOT EXISTS users (
    id {id},
    telegram_id BIGINT NOT NULL,
    username TEXT,
    first_name TEXT,
    last_name TEXT,
    is_authorized BOOLEAN NOT NULL DEFAULT FALSE,
    last_activity {ts},
    created_at {ts} NOT NULL,
    CONSTRAINT uq_users_telegram_id UNIQUE (telegram_id)
);

CREATE TABLE IF NOT EXISTS posts (
    id {id},
    title TEXT,
    keywords TEXT,
    text TEXT,
    media_type TEXT,
    file_id TEXT,
    status TEXT NOT NULL DEFAULT 'draft',
    post_format TEXT,
    publish_at {ts},
    created_by BIGINT,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_posts_status_publish_at ON posts (status, publish_at);

CREATE TABLE IF NOT EXISTS analytics (
    id {id},
    post_id BIGINT REFERENCES posts (id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    user_id BIGINT,
    metadata {json},
    created_at {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_analytics_post_id ON analytics (post_id);
CREATE INDEX IF NOT EXISTS idx_analytics_created_at ON analytics (created_at);
