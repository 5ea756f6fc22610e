-- 0011: the outbox is claimed per lane (shared/outbox.py): messages to people (Telegram) in
-- one, calls to other services (Google Sheets, Systeme.io) in another, so that a slow or
-- hanging service never holds a student's message back. A lane claims the kinds it names
-- (p_kinds), or every kind but those (p_exclude: the catch-all lane, which also takes kinds
-- that only a newer version knows).
-- (PostgreSQL only: the SQL backends build the same claim with SQLAlchemy.)

-- @postgresql
DROP FUNCTION IF EXISTS app_outbox_claim(text, integer, float8, timestamptz);

CREATE OR REPLACE FUNCTION app_outbox_claim(p_owner text, p_limit integer,
                                            p_lease_seconds float8, p_now timestamptz,
                                            p_kinds text[] DEFAULT NULL,
                                            p_exclude boolean DEFAULT false)
RETURNS TABLE (id bigint, kind text, payload jsonb, attempts integer, dedupe_key text)
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH candidates AS (
        SELECT o.id FROM outbox o
         WHERE o.status = 'pending' AND o.next_attempt_at <= p_now
           AND (o.lease_until IS NULL OR o.lease_until < p_now)
           AND (p_kinds IS NULL
                OR (NOT p_exclude AND o.kind = ANY (p_kinds))
                OR (p_exclude AND o.kind <> ALL (p_kinds)))
         ORDER BY o.next_attempt_at, o.id
         LIMIT p_limit
         FOR UPDATE SKIP LOCKED
    )
    UPDATE outbox u
       SET lease_owner = p_owner,
           lease_until = p_now + make_interval(secs => p_lease_seconds),
           attempts = u.attempts + 1
      FROM candidates c
     WHERE u.id = c.id AND u.status = 'pending'
       AND (u.lease_until IS NULL OR u.lease_until < p_now)
    RETURNING u.id, u.kind, u.payload::jsonb, u.attempts, u.dedupe_key
$$;

CALL app_secure_functions();
-- @end
