-- 0009: PostgreSQL functions of the support bot's repositories for the Supabase REST backend
-- (PostgreSQL only; shared/storage/rest/avap.py and rest/engagement.py call them with `rpc`).
--
-- Each function is the SQL that AvapRepo / EngagementRepo run in one transaction on a direct
-- connection (shared/storage/avap.py, engagement.py), ported as is: the same conditions, the
-- same order, the caller's clock passed in as p_now. A method whose statements must be
-- all-or-nothing (a change and its Google Sheets report, a delivery and its counter, a day's tip
-- and its broadcast, a pool entry and its pair) is one function. p_report: queue the
-- "sheets.upsert" outbox row of the changed row, in the same transaction (AvapRepo._report).
-- Reads that join tables return jsonb (one value: no 1,000-row cap); the unbounded ones are
-- paged by the caller with p_after (the last key of the previous page) and p_limit.
-- Timestamps of jsonb rows come out in ISO 8601 with their offset; the caller decodes them.

-- @postgresql
-- AvapRepo._report: the Sheets mirror of one row, queued in the caller's transaction
CREATE OR REPLACE FUNCTION app_avap_report(p_table text, p_id bigint, p_now timestamptz)
RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
    INSERT INTO outbox (kind, payload, dedupe_key, status, attempts, next_attempt_at, alerted,
                        created_at)
    VALUES ('sheets.upsert', jsonb_build_object('table', p_table, 'id', p_id), NULL, 'pending',
            0, p_now, false, p_now)
    ON CONFLICT (dedupe_key) DO NOTHING
$$;

-- report_rows: a page of submissions / wins / questions (by id, after p_after), each row with
-- its student's name as "student"; p_ids NULL: every row
CREATE OR REPLACE FUNCTION app_avap_report_rows(p_table text, p_ids bigint[], p_after bigint,
                                                p_limit integer) RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path FROM CURRENT AS $$
DECLARE
    page jsonb;
BEGIN
    IF p_table IS NULL OR p_table NOT IN ('submissions', 'wins', 'questions') THEN
        RAISE EXCEPTION 'not a reported table with students: %', p_table
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format(
        'SELECT coalesce(jsonb_agg(to_jsonb(r) || jsonb_build_object(''student'', v.name) '
        '                          ORDER BY r.id), ''[]''::jsonb) '
        '  FROM (SELECT * FROM %I x '
        '         WHERE ($1 IS NULL OR x.id = ANY ($1)) AND ($2 IS NULL OR x.id > $2) '
        '         ORDER BY x.id LIMIT $3) r '
        '  LEFT JOIN verified_users v ON v.telegram_id = r.telegram_id', p_table)
      INTO page USING p_ids, p_after, p_limit;
    RETURN page;
END
$$;

-- buyers: add one, or update the one with the same email (else phone); {outcome, id}
CREATE OR REPLACE FUNCTION app_avap_upsert_buyer(p_name text, p_email text, p_phone text,
                                                 p_source text, p_added_by bigint,
                                                 p_now timestamptz) RETURNS jsonb
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    match_id bigint;
BEGIN
    IF coalesce(p_email, '') <> '' THEN
        SELECT p.id INTO match_id FROM pending_verifications p WHERE p.email = p_email;
    END IF;
    IF match_id IS NULL AND coalesce(p_phone, '') <> '' THEN
        SELECT p.id INTO match_id FROM pending_verifications p WHERE p.phone = p_phone
         ORDER BY p.id LIMIT 1;
    END IF;
    IF match_id IS NOT NULL THEN
        UPDATE pending_verifications p
           SET name = p_name, updated_at = p_now,
               email = CASE WHEN coalesce(p_email, '') <> '' THEN p_email ELSE p.email END,
               phone = CASE WHEN coalesce(p_phone, '') <> '' THEN p_phone ELSE p.phone END
         WHERE p.id = match_id;
        RETURN jsonb_build_object('outcome', 'updated', 'id', match_id);
    END IF;
    INSERT INTO pending_verifications (name, email, phone, status, source, added_by, created_at,
                                       updated_at)
    VALUES (p_name, p_email, p_phone, 'pending', p_source, p_added_by, p_now, p_now)
    RETURNING id INTO match_id;
    RETURN jsonb_build_object('outcome', 'added', 'id', match_id);
END
$$;

-- verify: the buyer is claimed by p_telegram_id, who gets (or gets back) a verified student row
CREATE OR REPLACE FUNCTION app_avap_verify(p_buyer_id bigint, p_telegram_id bigint,
                                           p_username text, p_now timestamptz,
                                           p_report boolean DEFAULT false)
RETURNS SETOF verified_users
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    buyer pending_verifications;
    student verified_users;
BEGIN
    SELECT * INTO buyer FROM pending_verifications p WHERE p.id = p_buyer_id;
    IF NOT FOUND THEN
        -- 22023 (HTTP 400 over PostgREST, not retried); the caller raises NoResultFound
        RAISE EXCEPTION 'no buyer with id %', p_buyer_id
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE pending_verifications p
       SET telegram_id = p_telegram_id, status = 'verified', updated_at = p_now
     WHERE p.id = p_buyer_id;
    INSERT INTO verified_users AS v (telegram_id, name, email, phone, status, buyer_id, username,
                                     last_active_at, created_at, updated_at)
    VALUES (p_telegram_id, buyer.name, buyer.email, buyer.phone, 'verified', p_buyer_id,
            p_username, p_now, p_now, p_now)
    ON CONFLICT (telegram_id) DO UPDATE
       SET name = EXCLUDED.name, email = EXCLUDED.email, phone = EXCLUDED.phone,
           status = 'verified', buyer_id = EXCLUDED.buyer_id, username = EXCLUDED.username,
           updated_at = EXCLUDED.updated_at
    RETURNING * INTO student;
    IF p_report THEN
        PERFORM app_avap_report('verified_users', student.id, p_now);
    END IF;
    RETURN NEXT student;
END
$$;

-- revoke_student (p_reset false) / reset_verification (p_reset true): close a verified
-- student's access; their buyer is revoked, or put back on the pending list unclaimed
CREATE OR REPLACE FUNCTION app_avap_revoke_student(p_telegram_id bigint, p_now timestamptz,
                                                   p_report boolean DEFAULT false,
                                                   p_reset boolean DEFAULT false)
RETURNS TABLE (id bigint, buyer_id bigint, name text, email text)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
#variable_conflict use_column
DECLARE
    revoked record;
BEGIN
    UPDATE verified_users v SET status = 'revoked', updated_at = p_now
     WHERE v.telegram_id = p_telegram_id AND v.status = 'verified'
    RETURNING v.id, v.buyer_id, v.name, v.email INTO revoked;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_report THEN
        PERFORM app_avap_report('verified_users', revoked.id, p_now);
    END IF;
    IF revoked.buyer_id IS NOT NULL THEN
        UPDATE pending_verifications p SET status = 'revoked', updated_at = p_now
         WHERE p.id = revoked.buyer_id;
        IF p_reset THEN
            UPDATE pending_verifications p
               SET status = 'pending', telegram_id = NULL, updated_at = p_now
             WHERE p.id = revoked.buyer_id;
        END IF;
    END IF;
    RETURN QUERY SELECT revoked.id, revoked.buyer_id, revoked.name, revoked.email;
END
$$;

-- audience: a page of verified students who have not blocked the bot (of one module: who
-- submitted in it), by Telegram id after p_after
CREATE OR REPLACE FUNCTION app_avap_audience(p_module text, p_after bigint, p_limit integer)
RETURNS bigint[]
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT ARRAY(
        SELECT v.telegram_id
          FROM verified_users v
          LEFT JOIN bot_chats b ON b.bot = 'avap' AND b.chat_id = v.telegram_id
         WHERE v.status = 'verified' AND (b.active IS NULL OR b.active IS TRUE)
           AND (p_module IS NULL OR v.telegram_id IN (
                SELECT s.telegram_id FROM submissions s WHERE s.module = p_module))
           AND (p_after IS NULL OR v.telegram_id > p_after)
         ORDER BY v.telegram_id
         LIMIT p_limit)
$$;

-- verification requests: a student has one open request at a time; a new one replaces it
CREATE OR REPLACE FUNCTION app_avap_create_request(p_telegram_id bigint, p_tg_name text,
                                                   p_tg_username text, p_buyer_id bigint,
                                                   p_kind text, p_identifier text,
                                                   p_now timestamptz) RETURNS bigint
LANGUAGE sql SET search_path FROM CURRENT AS $$
    UPDATE verification_requests SET status = 'replaced', decided_at = p_now
     WHERE telegram_id = p_telegram_id AND status = 'open';
    INSERT INTO verification_requests (telegram_id, tg_name, tg_username, buyer_id, kind,
                                       identifier, status, created_at)
    VALUES (p_telegram_id, p_tg_name, p_tg_username, p_buyer_id, p_kind, p_identifier, 'open',
            p_now)
    RETURNING id
$$;

-- submissions: numbered per student and module (attempt), reported to Sheets
CREATE OR REPLACE FUNCTION app_avap_create_submission(p_telegram_id bigint, p_module text,
                                                      p_kind text, p_content text,
                                                      p_file_id text, p_source_chat_id bigint,
                                                      p_source_message_id bigint,
                                                      p_now timestamptz,
                                                      p_report boolean DEFAULT false)
RETURNS SETOF submissions
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    earlier integer;
    added submissions;
BEGIN
    SELECT count(*) INTO earlier FROM submissions s
     WHERE s.telegram_id = p_telegram_id AND s.module = p_module;
    INSERT INTO submissions (telegram_id, module, type, content, file_id, status, source_chat_id,
                             source_message_id, attempt, created_at, updated_at)
    VALUES (p_telegram_id, p_module, p_kind, p_content, p_file_id, 'submitted',
            p_source_chat_id, p_source_message_id, earlier + 1, p_now, p_now)
    RETURNING * INTO added;
    IF p_report THEN
        PERFORM app_avap_report('submissions', added.id, p_now);
    END IF;
    RETURN NEXT added;
END
$$;

-- the oldest p_limit submissions waiting for a grade, with the student's name
CREATE OR REPLACE FUNCTION app_avap_ungraded(p_limit integer) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT coalesce(jsonb_agg(to_jsonb(s) || jsonb_build_object('name', v.name)
                              ORDER BY s.created_at, s.id), '[]'::jsonb)
      FROM (SELECT * FROM submissions x WHERE x.status = 'submitted'
             ORDER BY x.created_at, x.id LIMIT p_limit) s
      LEFT JOIN verified_users v ON v.telegram_id = s.telegram_id
$$;

-- questions: a new one, reported to Sheets
CREATE OR REPLACE FUNCTION app_avap_create_question(p_telegram_id bigint, p_kind text,
                                                    p_content text, p_file_id text,
                                                    p_source_chat_id bigint,
                                                    p_source_message_id bigint,
                                                    p_now timestamptz,
                                                    p_report boolean DEFAULT false)
RETURNS SETOF questions
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    added questions;
BEGIN
    INSERT INTO questions (telegram_id, type, content, file_id, status, answered, source_chat_id,
                           source_message_id, created_at)
    VALUES (p_telegram_id, p_kind, p_content, p_file_id, 'open', false, p_source_chat_id,
            p_source_message_id, p_now)
    RETURNING * INTO added;
    IF p_report THEN
        PERFORM app_avap_report('questions', added.id, p_now);
    END IF;
    RETURN NEXT added;
END
$$;

-- the oldest p_limit unanswered questions, with the student's name
CREATE OR REPLACE FUNCTION app_avap_unanswered(p_limit integer) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT coalesce(jsonb_agg(to_jsonb(q) || jsonb_build_object('name', v.name)
                              ORDER BY q.created_at, q.id), '[]'::jsonb)
      FROM (SELECT * FROM questions x WHERE x.answered IS FALSE
             ORDER BY x.created_at, x.id LIMIT p_limit) q
      LEFT JOIN verified_users v ON v.telegram_id = q.telegram_id
$$;

-- broadcasts: draft -> sending with one delivery row per recipient; false if not a draft
CREATE OR REPLACE FUNCTION app_avap_start_broadcast(p_broadcast_id bigint, p_recipients bigint[],
                                                    p_progress_chat_id bigint,
                                                    p_progress_message_id bigint,
                                                    p_now timestamptz) RETURNS boolean
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE broadcasts b
       SET status = 'sending', total = cardinality(p_recipients),
           progress_chat_id = p_progress_chat_id, progress_message_id = p_progress_message_id
     WHERE b.id = p_broadcast_id AND b.status = 'draft';
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    INSERT INTO broadcast_deliveries (broadcast_id, chat_id, status, updated_at)
    SELECT p_broadcast_id, r.chat_id, 'pending', p_now
      FROM unnest(p_recipients) WITH ORDINALITY AS r(chat_id, n)
     ORDER BY r.n;
    RETURN true;
END
$$;

-- broadcasts: one recipient's outcome, recorded once (a pending row only), with its counter
CREATE OR REPLACE FUNCTION app_avap_record_delivery(p_broadcast_id bigint, p_chat_id bigint,
                                                    p_status text, p_now timestamptz)
RETURNS boolean
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF p_status IS NULL OR p_status NOT IN ('sent', 'failed', 'blocked') THEN
        RAISE EXCEPTION 'not a delivery outcome: %', p_status
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE broadcast_deliveries d SET status = p_status, updated_at = p_now
     WHERE d.broadcast_id = p_broadcast_id AND d.chat_id = p_chat_id AND d.status = 'pending';
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE broadcasts b
       SET sent_count = b.sent_count + (p_status = 'sent')::integer,
           failed_count = b.failed_count + (p_status = 'failed')::integer,
           blocked_count = b.blocked_count + (p_status = 'blocked')::integer
     WHERE b.id = p_broadcast_id;
    RETURN true;
END
$$;

-- statistics of /stats and the admin endpoint; the answer times as the count and the two
-- middle values (microseconds), so that the caller computes the median as the SQL path does
CREATE OR REPLACE FUNCTION app_avap_stats(p_since timestamptz) RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    WITH times AS (
        SELECT (extract(epoch FROM q.answered_at - q.created_at) * 1000000)::bigint AS us
          FROM questions q WHERE q.answered_at IS NOT NULL
    ), counted AS (
        SELECT count(*) AS n FROM times
    )
    SELECT jsonb_build_object(
        'verified', (SELECT count(*) FROM verified_users v WHERE v.status = 'verified'),
        'pending', (SELECT count(*) FROM pending_verifications p WHERE p.status = 'pending'),
        'submissions', (SELECT jsonb_build_object(
                            'total', count(*),
                            'waiting', count(*) FILTER (WHERE s.status = 'submitted'),
                            'graded', count(*) FILTER (WHERE s.status = 'graded'),
                            'revision', count(*) FILTER (WHERE s.status = 'revision'))
                          FROM submissions s),
        'per_module', (SELECT coalesce(jsonb_agg(jsonb_build_object(
                                  'module', m.module, 'n', m.n, 'avg', m.avg::text)
                                  ORDER BY m.module), '[]'::jsonb)
                         FROM (SELECT s.module, count(*) AS n,
                                      avg(CASE WHEN s.status = 'graded' THEN s.grade END) AS avg
                                 FROM submissions s GROUP BY s.module) m),
        'questions', (SELECT jsonb_build_object(
                          'open', count(*) FILTER (WHERE q.answered IS FALSE),
                          'answered', count(*) FILTER (WHERE q.answered IS TRUE))
                        FROM questions q),
        'answer_us', (SELECT jsonb_build_object(
                          'n', c.n,
                          'low', (SELECT t.us FROM times t ORDER BY t.us
                                  OFFSET greatest(c.n - 1, 0) / 2 LIMIT 1),
                          'high', (SELECT t.us FROM times t ORDER BY t.us
                                   OFFSET c.n / 2 LIMIT 1))
                        FROM counted c),
        'wins', (SELECT count(*) FROM wins w),
        'active_7d', (SELECT count(*) FROM verified_users v
                       WHERE v.status = 'verified' AND v.last_active_at >= p_since))
$$;

-- questions: the first answer (first = true), or a follow-up appended to it; row NULL when
-- there is no such question
CREATE OR REPLACE FUNCTION app_avap_record_answer(p_question_id bigint, p_answer text,
                                                  p_by bigint, p_now timestamptz,
                                                  p_report boolean DEFAULT false)
RETURNS jsonb
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    changed questions;
BEGIN
    UPDATE questions q
       SET answered = true, status = 'answered', answer = p_answer, answered_by = p_by,
           answered_at = p_now
     WHERE q.id = p_question_id AND q.answered IS FALSE
    RETURNING * INTO changed;
    IF FOUND THEN
        IF p_report THEN
            PERFORM app_avap_report('questions', changed.id, p_now);
        END IF;
        RETURN jsonb_build_object('row', to_jsonb(changed), 'first', true);
    END IF;
    UPDATE questions q SET answer = coalesce(q.answer || E'\n\n', '') || p_answer
     WHERE q.id = p_question_id
    RETURNING * INTO changed;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('row', NULL, 'first', false);
    END IF;
    IF p_report THEN
        PERFORM app_avap_report('questions', changed.id, p_now);
    END IF;
    RETURN jsonb_build_object('row', to_jsonb(changed), 'first', false);
END
$$;

-- wins: stored once per source message; no row when it is stored already (a retry)
CREATE OR REPLACE FUNCTION app_avap_share_win(p_telegram_id bigint, p_kind text, p_content text,
                                              p_file_id text, p_source_chat_id bigint,
                                              p_source_message_id bigint, p_now timestamptz,
                                              p_report boolean DEFAULT false)
RETURNS SETOF wins
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    added wins;
BEGIN
    PERFORM FROM wins w
     WHERE w.source_chat_id = p_source_chat_id AND w.source_message_id = p_source_message_id;
    IF FOUND THEN
        RETURN;
    END IF;
    INSERT INTO wins (telegram_id, type, content, file_id, status, source_chat_id,
                      source_message_id, created_at)
    VALUES (p_telegram_id, p_kind, p_content, p_file_id, 'shared', p_source_chat_id,
            p_source_message_id, p_now)
    RETURNING * INTO added;
    IF p_report THEN
        PERFORM app_avap_report('wins', added.id, p_now);
    END IF;
    RETURN NEXT added;
END
$$;

-- grading: a grade (unless graded already and not p_replace), reported to Sheets
CREATE OR REPLACE FUNCTION app_avap_record_grade(p_submission_id bigint, p_score integer,
                                                 p_comment text, p_by bigint,
                                                 p_replace boolean, p_now timestamptz,
                                                 p_report boolean DEFAULT false)
RETURNS SETOF submissions
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    changed submissions;
BEGIN
    UPDATE submissions s
       SET status = 'graded', grade = p_score, comment = p_comment, graded_by = p_by,
           graded_at = p_now, updated_at = p_now
     WHERE s.id = p_submission_id AND (p_replace OR s.status <> 'graded')
    RETURNING * INTO changed;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_report THEN
        PERFORM app_avap_report('submissions', changed.id, p_now);
    END IF;
    RETURN NEXT changed;
END
$$;

-- grading: ask for a revision once, reported to Sheets
CREATE OR REPLACE FUNCTION app_avap_record_revision(p_submission_id bigint, p_comment text,
                                                    p_by bigint, p_now timestamptz,
                                                    p_report boolean DEFAULT false)
RETURNS SETOF submissions
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    changed submissions;
BEGIN
    UPDATE submissions s
       SET status = 'revision', comment = p_comment, graded_by = p_by, graded_at = p_now,
           updated_at = p_now
     WHERE s.id = p_submission_id AND s.status <> 'revision'
    RETURNING * INTO changed;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_report THEN
        PERFORM app_avap_report('submissions', changed.id, p_now);
    END IF;
    RETURN NEXT changed;
END
$$;

-- engagement: delete the tip at position p_number (1-based, as /tips lists them)
CREATE OR REPLACE FUNCTION app_tip_delete(p_number integer) RETURNS SETOF tips
LANGUAGE sql SET search_path FROM CURRENT AS $$
    DELETE FROM tips t
     WHERE t.id = (SELECT x.id FROM tips x ORDER BY x.id OFFSET greatest(p_number - 1, 0)
                    LIMIT 1)
       AND p_number >= 1
    RETURNING t.*
$$;

-- engagement: a page of the tip's audience (verified, not blocked, tips not turned off), by
-- Telegram id after p_after; p_limit NULL: all of it
CREATE OR REPLACE FUNCTION app_tip_audience(p_after bigint, p_limit integer) RETURNS bigint[]
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT ARRAY(
        SELECT v.telegram_id
          FROM verified_users v
          LEFT JOIN bot_chats b ON b.bot = 'avap' AND b.chat_id = v.telegram_id
         WHERE v.status = 'verified' AND (b.active IS NULL OR b.active IS TRUE)
           AND v.telegram_id NOT IN (SELECT o.telegram_id FROM tip_optouts o)
           AND (p_after IS NULL OR v.telegram_id > p_after)
         ORDER BY v.telegram_id
         LIMIT p_limit)
$$;

-- engagement: claim p_day and queue its tip (the one after the last sent, around to the first)
-- as a broadcast in 'sending' state with one delivery row per recipient. The broadcast's id;
-- NULL when the day was claimed already or there is no tip at all.
CREATE OR REPLACE FUNCTION app_tip_start_day(p_day text, p_now timestamptz) RETURNS bigint
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    last_tip bigint;
    tip tips;
    got boolean := false;
    recipients bigint[];
    made bigint;
BEGIN
    PERFORM FROM tip_days d WHERE d.day = p_day;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    SELECT d.tip_id INTO last_tip FROM tip_days d ORDER BY d.day DESC LIMIT 1;
    IF last_tip IS NOT NULL THEN
        SELECT * INTO tip FROM tips x WHERE x.id > last_tip ORDER BY x.id LIMIT 1;
        got := FOUND;
    END IF;
    IF NOT got THEN
        SELECT * INTO tip FROM tips x ORDER BY x.id LIMIT 1;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO tip_days (day, tip_id, text, file_id, created_at)
    VALUES (p_day, tip.id, tip.text, tip.file_id, p_now)
    ON CONFLICT (day) DO NOTHING;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    recipients := app_tip_audience(NULL, NULL);
    INSERT INTO broadcasts (content, type, sent_count, created_by, status, audience, total,
                            failed_count, blocked_count, created_at)
    VALUES (tip.text, 'tip', 0, NULL, 'sending', 'all', cardinality(recipients), 0, 0, p_now)
    RETURNING id INTO made;
    UPDATE tip_days d SET broadcast_id = made WHERE d.day = p_day;
    INSERT INTO broadcast_deliveries (broadcast_id, chat_id, status, updated_at)
    SELECT made, r.chat_id, 'pending', p_now FROM unnest(recipients) AS r(chat_id);
    RETURN made;
END
$$;

-- engagement: put a student in the partner pool, or pair them at once with the longest-waiting
-- compatible student never paired with them (a former partner only when nobody else at all
-- waits). The new pair; no row when the student now waits.
CREATE OR REPLACE FUNCTION app_pool_join(p_telegram_id bigint, p_name text, p_username text,
                                         p_module text, p_now timestamptz)
RETURNS SETOF match_pairs
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    waiting integer;
    partner match_pool;
    me_first boolean;
    made match_pairs;
BEGIN
    -- the same lock as EngagementRepo.join_pool: two students joining at once see each other
    PERFORM pg_advisory_xact_lock(7240055);
    DELETE FROM match_pool w WHERE w.telegram_id = p_telegram_id;
    SELECT count(*) INTO waiting FROM match_pool;
    SELECT * INTO partner FROM match_pool w
     WHERE (p_module IS NULL OR w.module IS NULL OR w.module = p_module)
       AND NOT EXISTS (SELECT FROM match_pairs m
                        WHERE (m.user_a = p_telegram_id AND m.user_b = w.telegram_id)
                           OR (m.user_b = p_telegram_id AND m.user_a = w.telegram_id))
     ORDER BY w.joined_at, w.telegram_id LIMIT 1;
    IF NOT FOUND AND waiting = 1 THEN
        SELECT * INTO partner FROM match_pool w
         WHERE (p_module IS NULL OR w.module IS NULL OR w.module = p_module);
    END IF;
    IF partner.telegram_id IS NULL THEN
        INSERT INTO match_pool (telegram_id, name, username, module, joined_at)
        VALUES (p_telegram_id, p_name, p_username, p_module, p_now);
        RETURN;
    END IF;
    DELETE FROM match_pool w WHERE w.telegram_id = partner.telegram_id;
    me_first := p_telegram_id < partner.telegram_id;
    INSERT INTO match_pairs (user_a, user_b, name_a, name_b, username_a, username_b, module,
                             created_at)
    VALUES (least(p_telegram_id, partner.telegram_id),
            greatest(p_telegram_id, partner.telegram_id),
            CASE WHEN me_first THEN p_name ELSE partner.name END,
            CASE WHEN me_first THEN partner.name ELSE p_name END,
            CASE WHEN me_first THEN p_username ELSE partner.username END,
            CASE WHEN me_first THEN partner.username ELSE p_username END,
            coalesce(p_module, partner.module), p_now)
    RETURNING * INTO made;
    RETURN NEXT made;
END
$$;

-- the admins' digest: submissions waiting for a grade since before p_before, oldest first
CREATE OR REPLACE FUNCTION app_digest_submissions(p_before timestamptz, p_limit integer)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', s.id, 'telegram_id', s.telegram_id, 'module', s.module,
               'attempt', s.attempt, 'created_at', s.created_at, 'name', v.name)
               ORDER BY s.created_at, s.id), '[]'::jsonb)
      FROM (SELECT * FROM submissions x
             WHERE x.status = 'submitted' AND x.created_at < p_before
             ORDER BY x.created_at, x.id LIMIT p_limit) s
      LEFT JOIN verified_users v ON v.telegram_id = s.telegram_id
$$;

-- the admins' digest: questions without an answer since before p_before, oldest first
CREATE OR REPLACE FUNCTION app_digest_questions(p_before timestamptz, p_limit integer)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'id', q.id, 'telegram_id', q.telegram_id, 'type', q.type,
               'content', q.content, 'created_at', q.created_at, 'name', v.name)
               ORDER BY q.created_at, q.id), '[]'::jsonb)
      FROM (SELECT * FROM questions x
             WHERE x.answered IS FALSE AND x.created_at < p_before
             ORDER BY x.created_at, x.id LIMIT p_limit) q
      LEFT JOIN verified_users v ON v.telegram_id = q.telegram_id
$$;

CALL app_secure_functions();
-- @end
