-- 0005: the TimeToShopping post studio: what a post needs to be published (channel message ids,
-- CTA buttons, the publication claim and retries), the CTA links with their short codes, and
-- editors added by the owners (users.is_authorized).

ALTER TABLE posts {add_column} buttons {json};
ALTER TABLE posts {add_column} separate_text BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE posts {add_column} channel_message_id BIGINT;
ALTER TABLE posts {add_column} text_message_id BIGINT;
ALTER TABLE posts {add_column} published_at {ts};
ALTER TABLE posts {add_column} attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts {add_column} retry_at {ts};
ALTER TABLE posts {add_column} last_error TEXT;
ALTER TABLE posts {add_column} claim_token TEXT;
ALTER TABLE posts {add_column} claimed_until {ts};
-- the editor's message that created the post ("chat:message"): a retried update finds it
ALTER TABLE posts {add_column} source_key TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS uq_posts_source_key ON posts (source_key);
CREATE INDEX IF NOT EXISTS idx_posts_created_by ON posts (created_by);
CREATE INDEX IF NOT EXISTS idx_posts_published_at ON posts (published_at);

-- One row per CTA button of a post: the short unguessable code of its tracking redirect
-- (GET /r/{code}). Replaced whenever the post's buttons change before publication.
CREATE TABLE IF NOT EXISTS post_links (
    id {id},
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    url TEXT NOT NULL,
    code TEXT NOT NULL,
    created_at {ts} NOT NULL,
    CONSTRAINT uq_post_links_code UNIQUE (code)
);
CREATE INDEX IF NOT EXISTS idx_post_links_post ON post_links (post_id);
