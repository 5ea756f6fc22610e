-- 0008: PostgreSQL functions for the Supabase REST backend (PostgreSQL only).
--
-- Over PostgREST every request is its own transaction, so each operation that must check and
-- change in one step is a function here, called with `rpc`: the same SQL the repositories run
-- on a direct connection (shared/storage/platform.py), with the caller's clock passed in as
-- p_now so that both backends decide expiry by the same clock. All functions are SECURITY
-- INVOKER (they run with the caller's rights: service_role) and pin their search_path.
-- `app_secure_functions()` closes every app_ function to PUBLIC, anon and authenticated and
-- opens it to service_role; each migration that creates functions calls it at its end.

-- @postgresql
CREATE OR REPLACE FUNCTION app_schema_version() RETURNS integer
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT coalesce(max(version), 0)::integer FROM schema_migrations
$$;

CREATE OR REPLACE PROCEDURE app_secure_functions()
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    closed text;
    service boolean := EXISTS (SELECT FROM pg_roles WHERE rolname = 'service_role');
    rec record;
BEGIN
    SELECT 'PUBLIC' || coalesce(', ' || string_agg(quote_ident(rolname), ', '), '')
      INTO closed FROM pg_roles WHERE rolname IN ('anon', 'authenticated');
    FOR rec IN
        SELECT p.oid::regprocedure AS fn
          FROM pg_proc p
         WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
           AND p.proname LIKE 'app\_%'
           AND pg_has_role(p.proowner, 'USAGE')
    LOOP
        EXECUTE format('REVOKE ALL ON ROUTINE %s FROM %s', rec.fn, closed);
        IF service THEN
            EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO service_role', rec.fn);
        END IF;
    END LOOP;
END
$$;

-- inbox: store updates, a repeated (bot, update_id) ignored; the number of new rows
CREATE OR REPLACE FUNCTION app_inbox_add(p_rows jsonb, p_now timestamptz) RETURNS integer
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH added AS (
        INSERT INTO inbox (bot, update_id, chat_key, payload, status, attempts,
                           next_attempt_at, received_at)
        SELECT r.bot, r.update_id, r.chat_key, r.payload, 'pending', 0, p_now, p_now
          FROM jsonb_to_recordset(p_rows)
               AS r(bot text, update_id bigint, chat_key text, payload text)
        ON CONFLICT (bot, update_id) DO NOTHING
        RETURNING 1
    )
    SELECT count(*)::integer FROM added
$$;

-- inbox: lease up to p_limit due rows, at most the oldest pending one of each chat
CREATE OR REPLACE FUNCTION app_inbox_claim(p_owner text, p_limit integer, p_lease_seconds float8,
                                           p_now timestamptz, p_bots text[] DEFAULT NULL)
RETURNS TABLE (id bigint, bot text, update_id bigint, chat_key text, payload text,
               attempts integer)
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH candidates AS (
        SELECT i.id FROM inbox i
         WHERE i.status = 'pending' AND i.next_attempt_at <= p_now
           AND (i.lease_until IS NULL OR i.lease_until < p_now)
           AND (p_bots IS NULL OR i.bot = ANY (p_bots))
           AND (i.chat_key = '' OR NOT EXISTS (
                SELECT FROM inbox e
                 WHERE e.bot = i.bot AND e.chat_key = i.chat_key AND e.status = 'pending'
                   AND e.id < i.id))
         ORDER BY i.id
         LIMIT p_limit
         FOR UPDATE SKIP LOCKED
    )
    UPDATE inbox u
       SET lease_owner = p_owner,
           lease_until = p_now + make_interval(secs => p_lease_seconds),
           attempts = u.attempts + 1
      FROM candidates c
     WHERE u.id = c.id AND u.status = 'pending'
       AND (u.lease_until IS NULL OR u.lease_until < p_now)
    RETURNING u.id, u.bot, u.update_id, u.chat_key, u.payload, u.attempts
$$;

-- outbox: lease up to p_limit due rows
CREATE OR REPLACE FUNCTION app_outbox_claim(p_owner text, p_limit integer,
                                            p_lease_seconds float8, p_now timestamptz)
RETURNS TABLE (id bigint, kind text, payload jsonb, attempts integer, dedupe_key text)
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH candidates AS (
        SELECT o.id FROM outbox o
         WHERE o.status = 'pending' AND o.next_attempt_at <= p_now
           AND (o.lease_until IS NULL OR o.lease_until < p_now)
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

-- locks: the token when the lock was free or expired, else NULL
CREATE OR REPLACE FUNCTION app_lock_acquire(p_key text, p_token text, p_ttl_seconds float8,
                                            p_now timestamptz) RETURNS text
LANGUAGE sql SET search_path FROM CURRENT AS $$
    INSERT INTO locks AS l (key, token, expires_at, created_at)
    VALUES (p_key, p_token, p_now + make_interval(secs => p_ttl_seconds), p_now)
    ON CONFLICT (key) DO UPDATE
       SET token = EXCLUDED.token, expires_at = EXCLUDED.expires_at,
           created_at = EXCLUDED.created_at
     WHERE l.expires_at <= p_now OR l.token = EXCLUDED.token  -- a retried call: still ours
    RETURNING token
$$;

CREATE OR REPLACE FUNCTION app_lock_renew(p_key text, p_token text, p_ttl_seconds float8,
                                          p_now timestamptz) RETURNS boolean
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH renewed AS (
        UPDATE locks SET expires_at = p_now + make_interval(secs => p_ttl_seconds)
         WHERE key = p_key AND token = p_token AND expires_at > p_now
        RETURNING 1
    )
    SELECT count(*) = 1 FROM renewed
$$;

CREATE OR REPLACE FUNCTION app_lock_release(p_key text, p_token text) RETURNS boolean
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH released AS (
        DELETE FROM locks WHERE key = p_key AND token = p_token RETURNING 1
    )
    SELECT count(*) = 1 FROM released
$$;

-- cooldowns: start (or extend) one; start only when none is active (true when this call did)
CREATE OR REPLACE FUNCTION app_cooldown_start(p_key text, p_seconds float8, p_now timestamptz,
                                              p_only_if_inactive boolean DEFAULT false)
RETURNS boolean
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH started AS (
        INSERT INTO cooldown_states AS c (key, cooldown_until, created_at, updated_at)
        VALUES (p_key, p_now + make_interval(secs => p_seconds), p_now, p_now)
        ON CONFLICT (key) DO UPDATE
           SET cooldown_until = EXCLUDED.cooldown_until, updated_at = p_now
         WHERE NOT p_only_if_inactive OR c.cooldown_until <= p_now
        RETURNING 1
    )
    SELECT count(*) = 1 FROM started
$$;

-- the inbox's and the outbox's figures for /health, in one call
CREATE OR REPLACE FUNCTION app_queue_counts(p_stuck_after integer) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT jsonb_build_object(
        'inbox_pending', (SELECT count(*) FROM inbox WHERE status = 'pending'),
        'inbox_dead', (SELECT count(*) FROM inbox WHERE status = 'dead'),
        'outbox_pending', (SELECT count(*) FROM outbox WHERE status = 'pending'),
        'outbox_stuck', (SELECT count(*) FROM outbox
                          WHERE status = 'pending' AND attempts >= p_stuck_after),
        'outbox_failed', (SELECT count(*) FROM outbox WHERE status = 'failed'))
$$;

-- several inserts/upserts committed together (the REST backend's unit of work: the rows a
-- handler queues — outbox rows, flow state — commit all at once when its block ends, and not at
-- all when it fails). p_ops: [{"table", "rows": [{...}], "on_conflict": [cols],
-- "resolution": "ignore"|"merge"|null}]; every row of one op has the same keys. Only tables of
-- this schema; identifiers are quoted, values travel as JSON (never spliced into the SQL).
CREATE OR REPLACE FUNCTION app_apply_writes(p_ops jsonb) RETURNS integer
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    op jsonb;
    tbl text;
    col_list text;
    target text;
    updates text;
    conflict text;
    written integer := 0;
    n integer;
BEGIN
    FOR op IN SELECT value FROM jsonb_array_elements(p_ops) LOOP
        tbl := op->>'table';
        IF NOT EXISTS (SELECT FROM pg_class c
                        WHERE c.relname = tbl AND c.relkind IN ('r', 'p')
                          AND c.relnamespace = current_schema()::regnamespace) THEN
            RAISE EXCEPTION 'unknown table %', tbl USING ERRCODE = '42P01';
        END IF;
        SELECT string_agg(format('%I', k), ', ' ORDER BY k) INTO col_list
          FROM jsonb_object_keys(op->'rows'->0) AS k;
        SELECT string_agg(format('%I', x), ', ') INTO target
          FROM jsonb_array_elements_text(coalesce(op->'on_conflict', '[]'::jsonb)) AS x;
        SELECT string_agg(format('%I = EXCLUDED.%I', k, k), ', ' ORDER BY k) INTO updates
          FROM jsonb_object_keys(op->'rows'->0) AS k
         WHERE NOT coalesce(op->'on_conflict', '[]'::jsonb) ? k;
        conflict := CASE
            WHEN op->>'resolution' = 'ignore' OR (op->>'resolution' = 'merge' AND updates IS NULL)
                THEN format(' ON CONFLICT (%s) DO NOTHING', target)
            WHEN op->>'resolution' = 'merge'
                THEN format(' ON CONFLICT (%s) DO UPDATE SET %s', target, updates)
            ELSE '' END;
        EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM jsonb_populate_recordset(NULL::%I, $1)%s',
                       tbl, col_list, col_list, tbl, conflict)
          USING op->'rows';
        GET DIAGNOSTICS n = ROW_COUNT;
        written := written + n;
    END LOOP;
    RETURN written;
END
$$;

CALL app_secure_functions();
-- @end
