-- 0003: Systeme.io. Signed webhooks are re-sent by Systeme.io until they are acknowledged:
-- each processed X-Webhook-Message-Id is stored once (the primary key), in the transaction of
-- the change it caused, so that a repeated message changes nothing.
CREATE TABLE IF NOT EXISTS systeme_webhook_messages (
    message_id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    outcome TEXT NOT NULL,
    received_at {ts} NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_systeme_webhook_messages_received
    ON systeme_webhook_messages (received_at);
