-- 0010: PostgreSQL functions of the shopping bot's repositories for the Supabase REST backend
-- (PostgreSQL only; shared/storage/rest/shopping.py and rest/analytics.py call them with `rpc`).
--
-- Each function is the SQL that ShoppingRepo / AnalyticsRepo run in one transaction on a direct
-- connection (shared/storage/shopping.py, analytics.py), ported as is: the same conditions, the
-- caller's clock passed in as p_now. A change and its line in the action log (analytics) are
-- one function, and so is every check-and-change (the publication claim, its later steps, the
-- editor right, a draft per source message, the CTA links of a post, folding a day).
-- Reads that aggregate return one jsonb value or an array (no 1,000-row cap).

-- @postgresql
-- ShoppingRepo.touch_user: create the user on first sight, else refresh names and activity
CREATE OR REPLACE FUNCTION app_shop_touch_user(p_telegram_id bigint, p_username text,
                                               p_first_name text, p_last_name text,
                                               p_now timestamptz) RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
    INSERT INTO users (telegram_id, username, first_name, last_name, is_authorized,
                       last_activity, created_at)
    VALUES (p_telegram_id, p_username, p_first_name, p_last_name, false, p_now, p_now)
    ON CONFLICT (telegram_id) DO UPDATE
       SET username = EXCLUDED.username, first_name = EXCLUDED.first_name,
           last_name = EXCLUDED.last_name, last_activity = EXCLUDED.last_activity
$$;

-- ShoppingRepo.set_editor: grant (creating the user) or take away; true when something changed
CREATE OR REPLACE FUNCTION app_shop_set_editor(p_telegram_id bigint, p_authorized boolean,
                                               p_now timestamptz) RETURNS boolean
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH granted AS (
        INSERT INTO users AS u (telegram_id, is_authorized, created_at)
        SELECT p_telegram_id, true, p_now WHERE p_authorized
        ON CONFLICT (telegram_id) DO UPDATE SET is_authorized = true
         WHERE NOT u.is_authorized
        RETURNING 1
    ), revoked AS (
        UPDATE users SET is_authorized = false
         WHERE NOT p_authorized AND telegram_id = p_telegram_id AND is_authorized
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM granted) + (SELECT count(*) FROM revoked) > 0
$$;

-- ShoppingRepo.count_by_status: {status: posts}
CREATE OR REPLACE FUNCTION app_shop_count_by_status() RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT coalesce(jsonb_object_agg(s.status, s.n), '{}'::jsonb)
      FROM (SELECT status, count(*) AS n FROM posts GROUP BY status) s
$$;

-- ShoppingRepo.create_post: a new draft and its "created" line; the same p_source_key gives
-- the post it created the first time
CREATE OR REPLACE FUNCTION app_shop_create_post(p_created_by bigint, p_post_format text,
                                                p_keywords text, p_text text, p_title text,
                                                p_source_key text, p_now timestamptz)
RETURNS bigint
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    found_id bigint;
BEGIN
    IF p_source_key IS NOT NULL THEN
        SELECT p.id INTO found_id FROM posts p WHERE p.source_key = p_source_key;
        IF found_id IS NOT NULL THEN
            RETURN found_id;
        END IF;
    END IF;
    INSERT INTO posts (title, keywords, text, status, post_format, created_by, created_at,
                       updated_at, separate_text, attempts, source_key)
    VALUES (p_title, p_keywords, p_text, 'draft', p_post_format, p_created_by, p_now, p_now,
            false, 0, p_source_key)
    ON CONFLICT (source_key) DO NOTHING
    RETURNING id INTO found_id;
    IF found_id IS NULL THEN  -- a concurrent call with the same source key created it
        SELECT p.id INTO found_id FROM posts p WHERE p.source_key = p_source_key;
        RETURN found_id;
    END IF;
    INSERT INTO analytics (post_id, action, user_id, metadata, created_at)
    VALUES (found_id, 'created', p_created_by, jsonb_build_object('format', p_post_format),
            p_now);
    RETURN found_id;
END
$$;

-- ShoppingRepo.update_post: the editable fields present in p_fields (a JSON object), and the
-- p_action line (unless NULL) with the sorted field names
CREATE OR REPLACE FUNCTION app_shop_update_post(p_post_id bigint, p_fields jsonb,
                                                p_user_id bigint, p_action text,
                                                p_now timestamptz) RETURNS boolean
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH changed AS (
        UPDATE posts p
           SET (title, keywords, text, media_type, file_id, post_format, buttons,
                separate_text, updated_at)
             = (SELECT f.title, f.keywords, f.text, f.media_type, f.file_id, f.post_format,
                       f.buttons, f.separate_text, p_now
                  FROM jsonb_populate_record(p, p_fields) f)
         WHERE p.id = p_post_id
        RETURNING p.id
    ), logged AS (
        INSERT INTO analytics (post_id, action, user_id, metadata, created_at)
        SELECT c.id, p_action, p_user_id,
               jsonb_build_object('fields', (SELECT coalesce(jsonb_agg(k ORDER BY k COLLATE "C"),
                                                             '[]'::jsonb)
                                               FROM jsonb_object_keys(p_fields) k)),
               p_now
          FROM changed c
         WHERE p_action IS NOT NULL
    )
    SELECT EXISTS (SELECT FROM changed)
$$;

-- ShoppingRepo.schedule_post: (re)schedule a post not published or being published
CREATE OR REPLACE FUNCTION app_shop_schedule_post(p_post_id bigint, p_publish_at timestamptz,
                                                  p_user_id bigint, p_meta jsonb,
                                                  p_now timestamptz) RETURNS boolean
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH changed AS (
        UPDATE posts
           SET status = 'scheduled', publish_at = p_publish_at, attempts = 0, retry_at = NULL,
               last_error = NULL, updated_at = p_now
         WHERE id = p_post_id AND status IN ('draft', 'scheduled', 'failed', 'missed')
        RETURNING id
    ), logged AS (
        INSERT INTO analytics (post_id, action, user_id, metadata, created_at)
        SELECT id, 'scheduled', p_user_id, p_meta, p_now FROM changed
    )
    SELECT EXISTS (SELECT FROM changed)
$$;

-- ShoppingRepo.unschedule_post: a scheduled, failed or missed post back to the drafts
CREATE OR REPLACE FUNCTION app_shop_unschedule_post(p_post_id bigint, p_user_id bigint,
                                                    p_now timestamptz) RETURNS boolean
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH changed AS (
        UPDATE posts SET status = 'draft', publish_at = NULL, retry_at = NULL, updated_at = p_now
         WHERE id = p_post_id AND status IN ('scheduled', 'failed', 'missed')
        RETURNING id
    ), logged AS (
        INSERT INTO analytics (post_id, action, user_id, metadata, created_at)
        SELECT id, 'unscheduled', p_user_id, '{}'::jsonb, p_now FROM changed
    )
    SELECT EXISTS (SELECT FROM changed)
$$;

-- ShoppingRepo.delete_draft: the post's links and log, then the post if it never reached the
-- channel (the same three statements, in one transaction)
CREATE OR REPLACE FUNCTION app_shop_delete_draft(p_post_id bigint) RETURNS boolean
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    -- the post first (locked): its links and log go only with the post itself
    PERFORM 1 FROM posts
     WHERE id = p_post_id AND status IN ('draft', 'scheduled', 'failed', 'missed')
       FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    DELETE FROM post_links WHERE post_id = p_post_id;
    DELETE FROM analytics WHERE post_id = p_post_id;
    DELETE FROM posts
     WHERE id = p_post_id AND status IN ('draft', 'scheduled', 'failed', 'missed');
    RETURN FOUND;
END
$$;

-- ShoppingRepo.due_post_ids: scheduled posts whose time (or retry time) has come, oldest first
CREATE OR REPLACE FUNCTION app_shop_due_posts(p_now timestamptz, p_limit integer)
RETURNS bigint[]
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT coalesce(array_agg(d.id ORDER BY d.due, d.id), '{}')
      FROM (SELECT id, coalesce(retry_at, publish_at) AS due FROM posts
             WHERE status = 'scheduled' AND coalesce(retry_at, publish_at) <= p_now
             ORDER BY coalesce(retry_at, publish_at), id
             LIMIT p_limit) d
$$;

-- ShoppingRepo.claim_post: one post from one of p_statuses to 'publishing' (due by
-- p_due_before unless NULL), in one UPDATE; the claimed row, none when not claimed
CREATE OR REPLACE FUNCTION app_shop_claim_post(p_post_id bigint, p_token text,
                                               p_lease_seconds float8, p_statuses text[],
                                               p_due_before timestamptz, p_now timestamptz)
RETURNS SETOF posts
LANGUAGE sql SET search_path FROM CURRENT AS $$
    UPDATE posts
       SET status = 'publishing', claim_token = p_token,
           claimed_until = p_now + make_interval(secs => p_lease_seconds)
     WHERE id = p_post_id AND status = ANY (p_statuses)
       AND (p_due_before IS NULL OR coalesce(retry_at, publish_at) <= p_due_before)
    RETURNING *
$$;

-- ShoppingRepo.finish_published: the claim's holder marks the post published
CREATE OR REPLACE FUNCTION app_shop_finish_published(p_post_id bigint, p_token text,
                                                     p_user_id bigint, p_now timestamptz)
RETURNS boolean
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH changed AS (
        UPDATE posts
           SET status = 'published', published_at = p_now, claim_token = NULL,
               claimed_until = NULL, retry_at = NULL, last_error = NULL, updated_at = p_now
         WHERE id = p_post_id AND claim_token = p_token AND status = 'publishing'
        RETURNING id
    ), logged AS (
        INSERT INTO analytics (post_id, action, user_id, metadata, created_at)
        SELECT id, 'published', p_user_id, '{}'::jsonb, p_now FROM changed
    )
    SELECT EXISTS (SELECT FROM changed)
$$;

-- ShoppingRepo.release_for_retry: back to 'scheduled' with a retry time; the attempts so far,
-- NULL when p_token does not hold the claim
CREATE OR REPLACE FUNCTION app_shop_release_for_retry(p_post_id bigint, p_token text,
                                                      p_error text, p_retry_at timestamptz,
                                                      p_now timestamptz) RETURNS integer
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH changed AS (
        UPDATE posts
           SET status = 'scheduled', attempts = attempts + 1, retry_at = p_retry_at,
               last_error = left(p_error, 500), claim_token = NULL, claimed_until = NULL
         WHERE id = p_post_id AND claim_token = p_token
        RETURNING id, attempts
    ), logged AS (
        INSERT INTO analytics (post_id, action, user_id, metadata, created_at)
        SELECT id, 'publish_retry', NULL, jsonb_build_object('error', left(p_error, 300)), p_now
          FROM changed
    )
    SELECT attempts FROM changed
$$;

-- ShoppingRepo.mark_failed: a publication given up (p_token NULL: whatever claim it had)
CREATE OR REPLACE FUNCTION app_shop_mark_failed(p_post_id bigint, p_token text, p_error text,
                                                p_now timestamptz) RETURNS boolean
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH changed AS (
        UPDATE posts
           SET status = 'failed', last_error = left(p_error, 500), claim_token = NULL,
               claimed_until = NULL, attempts = attempts + 1, updated_at = p_now
         WHERE id = p_post_id
           AND CASE WHEN p_token IS NOT NULL THEN claim_token = p_token
                    ELSE status IN ('publishing', 'scheduled') END
        RETURNING id
    ), logged AS (
        INSERT INTO analytics (post_id, action, user_id, metadata, created_at)
        SELECT id, 'failed', NULL, jsonb_build_object('error', left(p_error, 300)), p_now
          FROM changed
    )
    SELECT EXISTS (SELECT FROM changed)
$$;

-- ShoppingRepo.mark_missed: a scheduled post whose time (or retry time) is before p_late_before
CREATE OR REPLACE FUNCTION app_shop_mark_missed(p_post_id bigint, p_late_before timestamptz,
                                                p_now timestamptz) RETURNS boolean
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH changed AS (
        UPDATE posts SET status = 'missed', updated_at = p_now
         WHERE id = p_post_id AND status = 'scheduled'
           AND coalesce(retry_at, publish_at) < p_late_before
        RETURNING id
    ), logged AS (
        INSERT INTO analytics (post_id, action, user_id, metadata, created_at)
        SELECT id, 'missed', NULL, '{}'::jsonb, p_now FROM changed
    )
    SELECT EXISTS (SELECT FROM changed)
$$;

-- ShoppingRepo.mark_deleted: a published post deleted from the channel
CREATE OR REPLACE FUNCTION app_shop_mark_deleted(p_post_id bigint, p_user_id bigint,
                                                 p_now timestamptz) RETURNS boolean
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH changed AS (
        UPDATE posts SET status = 'deleted', updated_at = p_now
         WHERE id = p_post_id AND status = 'published'
        RETURNING id
    ), logged AS (
        INSERT INTO analytics (post_id, action, user_id, metadata, created_at)
        SELECT id, 'deleted', p_user_id, '{}'::jsonb, p_now FROM changed
    )
    SELECT EXISTS (SELECT FROM changed)
$$;

-- ShoppingRepo.cleanup_failed: failed posts back to the drafts, each logged; how many
CREATE OR REPLACE FUNCTION app_shop_cleanup_failed(p_user_id bigint, p_now timestamptz)
RETURNS integer
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH changed AS (
        UPDATE posts SET status = 'draft', publish_at = NULL, retry_at = NULL, updated_at = p_now
         WHERE status = 'failed'
        RETURNING id
    ), logged AS (
        INSERT INTO analytics (post_id, action, user_id, metadata, created_at)
        SELECT id, 'cleaned_up', p_user_id, '{}'::jsonb, p_now FROM changed ORDER BY id
    )
    SELECT count(*)::integer FROM changed
$$;

-- ShoppingRepo.replace_links: the post's CTA links become p_links ([{position, label, url,
-- code}]) unless their (position, label, url) are already those; the links, by position
CREATE OR REPLACE FUNCTION app_shop_replace_links(p_post_id bigint, p_links jsonb,
                                                  p_now timestamptz)
RETURNS SETOF post_links
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    current_links jsonb;
    wanted jsonb;
BEGIN
    -- one replacement of a post's links at a time
    PERFORM FROM posts WHERE id = p_post_id FOR UPDATE;
    SELECT coalesce(jsonb_agg(jsonb_build_array(l.position, l.label, l.url)
                              ORDER BY l.position), '[]'::jsonb)
      INTO current_links FROM post_links l WHERE l.post_id = p_post_id;
    SELECT coalesce(jsonb_agg(jsonb_build_array(w.position, w.label, w.url)
                              ORDER BY w.position), '[]'::jsonb)
      INTO wanted
      FROM jsonb_to_recordset(p_links) AS w(position integer, label text, url text);
    IF current_links IS DISTINCT FROM wanted THEN
        DELETE FROM post_links WHERE post_id = p_post_id;
        INSERT INTO post_links (post_id, position, label, url, code, created_at)
        SELECT p_post_id, w.position, w.label, w.url, w.code, p_now
          FROM jsonb_to_recordset(p_links) AS w(position integer, label text, url text,
                                                code text)
         ORDER BY w.position;
    END IF;
    RETURN QUERY SELECT * FROM post_links l WHERE l.post_id = p_post_id ORDER BY l.position;
END
$$;

-- AnalyticsRepo.link: the link behind a redirect code, with its post's status
CREATE OR REPLACE FUNCTION app_analytics_link(p_code text)
RETURNS TABLE (id bigint, post_id bigint, "position" integer, url text, status text)
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT l.id, l.post_id, l.position, l.url, p.status
      FROM post_links l JOIN posts p ON p.id = l.post_id
     WHERE l.code = p_code
$$;

-- AnalyticsRepo.events_by_hour: [[UTC hour, post id, link id, events], ...] of the p_action
-- events in [p_start, p_end)
CREATE OR REPLACE FUNCTION app_analytics_events_by_hour(p_start timestamptz, p_end timestamptz,
                                                        p_action text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_array(
               to_char(h.hour, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'), h.post_id, h.link_id, h.n)
               ORDER BY h.hour, h.post_id, h.link_id), '[]'::jsonb)
      FROM (SELECT date_trunc('hour', a.created_at AT TIME ZONE 'UTC') AS hour, a.post_id,
                   a.link_id, count(*) AS n
              FROM analytics a
             WHERE a.action = p_action AND a.created_at >= p_start AND a.created_at < p_end
             GROUP BY 1, a.post_id, a.link_id) h
$$;

-- AnalyticsRepo.post_clicks: {link id: clicks} of one post, raw and folded (no link: 0)
CREATE OR REPLACE FUNCTION app_analytics_post_clicks(p_post_id bigint) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT coalesce(jsonb_object_agg(c.link_id, c.n), '{}'::jsonb)
      FROM (SELECT coalesce(x.link_id, 0) AS link_id, sum(coalesce(x.n, 0)) AS n
              FROM (SELECT a.link_id, count(*) AS n FROM analytics a
                     WHERE a.post_id = p_post_id AND a.action = 'click'
                     GROUP BY a.link_id
                    UNION ALL
                    SELECT d.link_id, sum(d.events) FROM analytics_daily d
                     WHERE d.post_id = p_post_id AND d.action = 'click'
                     GROUP BY d.link_id) x
             GROUP BY 1) c
$$;

-- AnalyticsRepo.fold_day: every event in [p_start, p_end) (the local day p_day) added to the
-- daily totals and deleted, in one transaction; the events folded. The totals are made of the
-- rows this call deleted, so two concurrent calls never fold an event twice.
CREATE OR REPLACE FUNCTION app_analytics_fold_day(p_day text, p_start timestamptz,
                                                  p_end timestamptz) RETURNS integer
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH gone AS (
        DELETE FROM analytics WHERE created_at >= p_start AND created_at < p_end
        RETURNING post_id, action, link_id, visitor
    ), grouped AS (
        SELECT coalesce(post_id, 0) AS post_id, action, coalesce(link_id, 0) AS link_id,
               count(*) AS events, count(DISTINCT nullif(visitor, '')) AS visitors
          FROM gone GROUP BY 1, 2, 3
    ), added AS (
        INSERT INTO analytics_daily AS d (day, post_id, action, link_id, events, visitors)
        SELECT p_day, g.post_id, g.action, g.link_id, g.events, g.visitors FROM grouped g
        ON CONFLICT (day, post_id, action, link_id) DO UPDATE
           SET events = d.events + EXCLUDED.events, visitors = d.visitors + EXCLUDED.visitors
    )
    SELECT count(*)::integer FROM gone
$$;

CALL app_secure_functions();
-- @end
