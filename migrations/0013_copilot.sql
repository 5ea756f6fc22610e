-- 0013: the support desk's copilot (avap_bot/copilot.py): an FAQ kept by the admins, the
-- suggested answers posted under question cards, the day's OpenAI token use, and the full-text
-- indexes that find past answers and FAQ entries.
--
-- The indexes follow every change by themselves: on SQLite an FTS5 table per source (external
-- content: the text stays in its table) kept by triggers; on PostgreSQL a generated tsvector
-- column with a GIN index. Both stem English words
-- (FTS5's porter tokenizer, PostgreSQL's english configuration); synonyms and the re-ranking
-- are done by the caller (avap_bot/retrieval.py).

CREATE TABLE IF NOT EXISTS faq_entries (
    id {id},
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    created_by BIGINT,
    created_at {ts} NOT NULL
);

-- One suggestion per question. status: ready (posted, waiting for an admin), sent, edited,
-- dismissed, superseded (answered another way), none (nothing good enough), dropped (over the
-- time budget). sendable: false when the model said the sources do not answer the question.
CREATE TABLE IF NOT EXISTS suggestions (
    id {id},
    question_id BIGINT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    draft TEXT,
    source TEXT,
    sendable BOOLEAN NOT NULL DEFAULT FALSE,
    used_model BOOLEAN NOT NULL DEFAULT FALSE,
    chat_id BIGINT,
    message_id BIGINT,
    decided_by BIGINT,
    created_at {ts} NOT NULL,
    decided_at {ts}
);

-- OpenAI tokens used per UTC day (from the API's `usage`), and whether the admins were told
-- that the day's budget is spent.
CREATE TABLE IF NOT EXISTS copilot_usage (
    day TEXT PRIMARY KEY,
    tokens BIGINT NOT NULL DEFAULT 0,
    alerted BOOLEAN NOT NULL DEFAULT FALSE
);

-- @sqlite
CREATE VIRTUAL TABLE IF NOT EXISTS questions_fts USING fts5(
    content, answer, content='questions', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS questions_fts_insert AFTER INSERT ON questions BEGIN
    INSERT INTO questions_fts (rowid, content, answer) VALUES (new.id, new.content, new.answer);
END;
CREATE TRIGGER IF NOT EXISTS questions_fts_delete AFTER DELETE ON questions BEGIN
    INSERT INTO questions_fts (questions_fts, rowid, content, answer)
    VALUES ('delete', old.id, old.content, old.answer);
END;
CREATE TRIGGER IF NOT EXISTS questions_fts_update AFTER UPDATE OF content, answer ON questions
BEGIN
    INSERT INTO questions_fts (questions_fts, rowid, content, answer)
    VALUES ('delete', old.id, old.content, old.answer);
    INSERT INTO questions_fts (rowid, content, answer) VALUES (new.id, new.content, new.answer);
END;
INSERT INTO questions_fts (questions_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE IF NOT EXISTS faq_entries_fts USING fts5(
    question, answer, content='faq_entries', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS faq_entries_fts_insert AFTER INSERT ON faq_entries BEGIN
    INSERT INTO faq_entries_fts (rowid, question, answer)
    VALUES (new.id, new.question, new.answer);
END;
CREATE TRIGGER IF NOT EXISTS faq_entries_fts_delete AFTER DELETE ON faq_entries BEGIN
    INSERT INTO faq_entries_fts (faq_entries_fts, rowid, question, answer)
    VALUES ('delete', old.id, old.question, old.answer);
END;
CREATE TRIGGER IF NOT EXISTS faq_entries_fts_update AFTER UPDATE ON faq_entries BEGIN
    INSERT INTO faq_entries_fts (faq_entries_fts, rowid, question, answer)
    VALUES ('delete', old.id, old.question, old.answer);
    INSERT INTO faq_entries_fts (rowid, question, answer)
    VALUES (new.id, new.question, new.answer);
END;
-- @end

-- @postgresql
ALTER TABLE questions ADD COLUMN IF NOT EXISTS search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', coalesce(content, '')), 'A')
    || setweight(to_tsvector('english', coalesce(answer, '')), 'B')) STORED;
-- fastupdate off: a question is answered a few times an hour, and a search must not wade through
-- a pending list of unmerged entries (17 ms against 0.5 ms measured after 20,000 inserts)
CREATE INDEX IF NOT EXISTS idx_questions_search ON questions USING gin (search)
    WITH (fastupdate = off);

ALTER TABLE faq_entries ADD COLUMN IF NOT EXISTS search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', question), 'A')
    || setweight(to_tsvector('english', answer), 'B')) STORED;
CREATE INDEX IF NOT EXISTS idx_faq_entries_search ON faq_entries USING gin (search)
    WITH (fastupdate = off);

ALTER TABLE faq_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE suggestions ENABLE ROW LEVEL SECURITY;
ALTER TABLE copilot_usage ENABLE ROW LEVEL SECURITY;

-- search: the best answered questions and FAQ entries for any of p_terms (words, OR-ed; each
-- stemmed by the english configuration), p_limit of each, best first; score: higher is better.
-- A word in more than a fifth of the answered questions (PostgreSQL's own statistics of the
-- column, kept by ANALYZE) is left out when rarer ones remain: it tells little, and ranking
-- every row that holds it would cost more than the rest of the search. The GIN index is always
-- the way in: with many OR-ed words the planner's estimate nears the table and it would test
-- every row (measured: 50 ms against 5 ms with 20,000 answered questions).
CREATE OR REPLACE FUNCTION app_copilot_search(p_terms text[], p_exclude bigint, p_limit integer)
RETURNS TABLE (kind text, id bigint, telegram_id bigint, question text, answer text,
               score real)
LANGUAGE sql STABLE SET search_path FROM CURRENT SET enable_seqscan = off AS $$
    WITH lexemes AS (
        SELECT DISTINCT l.lexeme
          FROM unnest(p_terms) w, unnest(to_tsvector('english', w)) l
         WHERE w ~ '^[[:alnum:]]+$'
    ), common AS (
        SELECT e.elem
          FROM pg_stats s,
               unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) e(elem, freq)
         WHERE s.schemaname = current_schema() AND s.tablename = 'questions'
           AND s.attname = 'search' AND e.freq > 0.2
    ), kept AS (
        SELECT lexeme FROM lexemes
         WHERE lexeme NOT IN (SELECT elem FROM common WHERE elem IS NOT NULL)
    ), query AS (
        SELECT coalesce(string_agg(quote_literal(x.lexeme), ' | '), '')::tsquery AS q
          FROM (SELECT lexeme FROM kept
                UNION ALL
                SELECT lexeme FROM lexemes WHERE NOT EXISTS (SELECT FROM kept)) x
    )
    (SELECT 'question'::text, x.id, x.telegram_id, x.content, x.answer,
            ts_rank(x.search, query.q, 1) AS score
       FROM questions x, query
      WHERE x.search @@ query.q AND x.answer IS NOT NULL  -- answered (not x.answered: that
                                                          -- would lead the planner to an index
                                                          -- of the open questions)
        AND x.id <> coalesce(p_exclude, -1)
      ORDER BY score DESC, x.id DESC LIMIT p_limit)
    UNION ALL
    (SELECT 'faq'::text, f.id, NULL::bigint, f.question, f.answer,
            ts_rank(f.search, query.q, 1) AS score
       FROM faq_entries f, query
      WHERE f.search @@ query.q
      ORDER BY score DESC, f.id DESC LIMIT p_limit)
$$;

-- usage: add p_tokens to the day's count; the new total
CREATE OR REPLACE FUNCTION app_copilot_add_usage(p_day text, p_tokens bigint) RETURNS bigint
LANGUAGE sql SET search_path FROM CURRENT AS $$
    INSERT INTO copilot_usage AS u (day, tokens, alerted) VALUES (p_day, p_tokens, false)
    ON CONFLICT (day) DO UPDATE SET tokens = u.tokens + EXCLUDED.tokens
    RETURNING u.tokens
$$;

-- the budget alert: true for the one caller that marks the day alerted
CREATE OR REPLACE FUNCTION app_copilot_mark_alerted(p_day text) RETURNS boolean
LANGUAGE sql SET search_path FROM CURRENT AS $$
    WITH up AS (
        INSERT INTO copilot_usage AS u (day, tokens, alerted) VALUES (p_day, 0, true)
        ON CONFLICT (day) DO UPDATE SET alerted = true WHERE NOT u.alerted
        RETURNING 1
    )
    SELECT EXISTS (SELECT FROM up)
$$;

-- /stats: suggestions by outcome and the answer times (seconds) of answered questions with
-- and without a posted suggestion
CREATE OR REPLACE FUNCTION app_copilot_stats() RETURNS jsonb
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    WITH answered AS (
        SELECT extract(epoch FROM q.answered_at - q.created_at)::float8 AS seconds,
               EXISTS (SELECT FROM suggestions s WHERE s.question_id = q.id
                          AND s.message_id IS NOT NULL) AS suggested
          FROM questions q WHERE q.answered_at IS NOT NULL
    )
    SELECT jsonb_build_object(
        'statuses', (SELECT coalesce(jsonb_object_agg(c.status, c.n), '{}'::jsonb)
                       FROM (SELECT s.status, count(*) AS n FROM suggestions s
                              GROUP BY s.status) c),
        'with', (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a.seconds)
                   FROM answered a WHERE a.suggested),
        'without', (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a.seconds)
                      FROM answered a WHERE NOT a.suggested))
$$;

CALL app_secure_functions();
-- @end
