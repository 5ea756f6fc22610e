-- 0006: analytics of the shopping channel. CTA clicks are analytics events (action 'click') with
-- the link clicked and, at most, a salted one-day hash of the clicker for counting unique
-- clickers per day (no address, no personal data). Events older than ANALYTICS_RETENTION_DAYS
-- are folded into daily totals (one row per local day, post, action and link) and deleted, so
-- that dashboards of old periods still add up.

ALTER TABLE analytics {add_column} link_id BIGINT;
ALTER TABLE analytics {add_column} visitor TEXT;
CREATE INDEX IF NOT EXISTS idx_analytics_action_created ON analytics (action, created_at);

CREATE TABLE IF NOT EXISTS analytics_daily (
    day TEXT NOT NULL,
    post_id BIGINT NOT NULL DEFAULT 0,
    action TEXT NOT NULL,
    link_id BIGINT NOT NULL DEFAULT 0,
    events INTEGER NOT NULL DEFAULT 0,
    visitors INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, post_id, action, link_id)
);
