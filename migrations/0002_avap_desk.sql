-- 0002: the AVAP support desk: buyers and claims, admins, verification requests, submissions
-- with their cards, questions, wins, resumable broadcasts.

-- Buyers: emails are stored lower-case and phones in E.164, so that a look-up is an equality.
ALTER TABLE pending_verifications {add_column} source TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE pending_verifications {add_column} added_by BIGINT;
CREATE UNIQUE INDEX IF NOT EXISTS uq_pending_verifications_email
    ON pending_verifications (email) WHERE email IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_pending_verifications_telegram_id
    ON pending_verifications (telegram_id);

ALTER TABLE verified_users {add_column} buyer_id BIGINT;
ALTER TABLE verified_users {add_column} username TEXT;
ALTER TABLE verified_users {add_column} last_active_at {ts};

-- Admins added from the bot by the owners (ADMIN_USER_IDS are owners and always admins).
CREATE TABLE IF NOT EXISTS admins (
    telegram_id BIGINT PRIMARY KEY,
    name TEXT,
    added_by BIGINT,
    created_at {ts} NOT NULL
);

-- A card in the verification group: a match, a manual review, or a second claim of a buyer.
CREATE TABLE IF NOT EXISTS verification_requests (
    id {id},
    telegram_id BIGINT NOT NULL,
    tg_name TEXT NOT NULL,
    tg_username TEXT,
    buyer_id BIGINT,
    kind TEXT NOT NULL,
    identifier TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    card_chat_id BIGINT,
    card_message_id BIGINT,
    decided_by BIGINT,
    decided_at {ts},
    created_at {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_verification_requests_user
    ON verification_requests (telegram_id, status);

CREATE TABLE IF NOT EXISTS verification_attempts (
    id {id},
    telegram_id BIGINT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_verification_attempts_user
    ON verification_attempts (telegram_id, created_at);

-- Submissions keep the student's message (copied by id, never downloaded) and the group card.
ALTER TABLE submissions {add_column} source_chat_id BIGINT;
ALTER TABLE submissions {add_column} source_message_id BIGINT;
ALTER TABLE submissions {add_column} card_chat_id BIGINT;
ALTER TABLE submissions {add_column} card_message_id BIGINT;
ALTER TABLE submissions {add_column} graded_by BIGINT;
ALTER TABLE submissions {add_column} graded_at {ts};
ALTER TABLE submissions {add_column} attempt INTEGER NOT NULL DEFAULT 1;
CREATE INDEX IF NOT EXISTS idx_submissions_card ON submissions (card_chat_id, card_message_id);
CREATE INDEX IF NOT EXISTS idx_submissions_status ON submissions (status, created_at);

ALTER TABLE questions {add_column} source_chat_id BIGINT;
ALTER TABLE questions {add_column} source_message_id BIGINT;
ALTER TABLE questions {add_column} card_chat_id BIGINT;
ALTER TABLE questions {add_column} card_message_id BIGINT;
ALTER TABLE questions {add_column} answered_by BIGINT;
CREATE INDEX IF NOT EXISTS idx_questions_card ON questions (card_chat_id, card_message_id);
CREATE INDEX IF NOT EXISTS idx_questions_open ON questions (answered, created_at);

ALTER TABLE wins {add_column} source_chat_id BIGINT;
ALTER TABLE wins {add_column} source_message_id BIGINT;

-- Broadcasts: the admin's message is copied to each recipient; each delivery is recorded as it
-- succeeds, so that a restart resumes where it stopped.
ALTER TABLE broadcasts {add_column} status TEXT NOT NULL DEFAULT 'done';
ALTER TABLE broadcasts {add_column} audience TEXT NOT NULL DEFAULT 'all';
ALTER TABLE broadcasts {add_column} source_chat_id BIGINT;
ALTER TABLE broadcasts {add_column} source_message_id BIGINT;
ALTER TABLE broadcasts {add_column} total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts {add_column} failed_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts {add_column} blocked_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE broadcasts {add_column} progress_chat_id BIGINT;
ALTER TABLE broadcasts {add_column} progress_message_id BIGINT;
ALTER TABLE broadcasts {add_column} finished_at {ts};

CREATE TABLE IF NOT EXISTS broadcast_deliveries (
    broadcast_id BIGINT NOT NULL,
    chat_id BIGINT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    updated_at {ts} NOT NULL,
    PRIMARY KEY (broadcast_id, chat_id)
);
CREATE INDEX IF NOT EXISTS idx_broadcast_deliveries_status
    ON broadcast_deliveries (broadcast_id, status);
