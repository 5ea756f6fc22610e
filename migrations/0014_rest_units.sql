-- 0014: on the Supabase REST backend, a write block's held rows go with its next rpc call
-- (PostgreSQL only).
--
-- A write block holds the inserts whose rows nobody reads back (the outbox rows a handler
-- queues) and commits them when it ends (shared/storage/rest/db.py); a change the block makes
-- with an rpc function is a request, and a transaction, of its own. app_rpc_after_writes applies
-- the rows held so far (as app_apply_writes) and then calls that function, in one transaction:
-- what the block queued before the change commits with it, or not at all, as on a direct
-- connection. Its answer is the function's, shaped as PostgREST would send it: the rows of a
-- set-returning function as an array of objects, any other result as its JSON value.
-- Only the app_ functions of this schema can be called, with the caller's rights.

-- @postgresql
CREATE OR REPLACE FUNCTION app_rpc_after_writes(p_ops jsonb, p_function text, p_args jsonb)
RETURNS jsonb
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    fn oid;
    retset boolean;
    nothing boolean;
    args text;
    result jsonb;
BEGIN
    -- the function named, with a parameter for every argument given (an overload may have more)
    SELECT p.oid, p.proretset, p.prorettype = 'void'::regtype INTO fn, retset, nothing
      FROM pg_proc p
     WHERE p.proname = p_function AND p.proname LIKE 'app\_%'
       AND p.proname NOT IN ('app_rpc_after_writes', 'app_apply_writes')
       AND p.prokind = 'f' AND p.pronamespace = current_schema()::regnamespace
       AND NOT EXISTS (SELECT FROM jsonb_object_keys(p_args) AS k
                        WHERE k <> ALL (coalesce(p.proargnames, '{}'::text[])))
     ORDER BY p.pronargs
     LIMIT 1;
    IF fn IS NULL THEN
        RAISE EXCEPTION 'no function % taking %', p_function,
              (SELECT string_agg(k, ', ') FROM jsonb_object_keys(p_args) AS k)
              USING ERRCODE = '42883';
    END IF;
    -- named arguments, each cast from its JSON value to the parameter's type
    SELECT string_agg(CASE
               WHEN a.kind IN ('jsonb'::regtype, 'json'::regtype)
                   THEN format('%I => ($1->%L)::%s', a.name, a.name, a.kind)
               WHEN a.kind::text LIKE '%[]'
                   THEN format('%I => CASE WHEN jsonb_typeof($1->%L) = ''array'' THEN '
                               'ARRAY(SELECT jsonb_array_elements_text($1->%L))::%s END',
                               a.name, a.name, a.name, a.kind)
               ELSE format('%I => ($1->>%L)::%s', a.name, a.name, a.kind) END, ', ')
      INTO args
      FROM pg_proc p,
           unnest(p.proargnames[1:p.pronargs], p.proargtypes::regtype[]) AS a(name, kind)
     WHERE p.oid = fn AND p_args ? a.name;
    args := coalesce(args, '');

    PERFORM app_apply_writes(p_ops);
    IF retset THEN
        EXECUTE format('SELECT coalesce(jsonb_agg(to_jsonb(r)), ''[]''::jsonb) FROM %I(%s) AS r',
                       p_function, args) INTO result USING p_args;
    ELSIF nothing THEN
        EXECUTE format('SELECT %I(%s)', p_function, args) USING p_args;
    ELSE
        EXECUTE format('SELECT to_jsonb(%I(%s))', p_function, args) INTO result USING p_args;
    END IF;
    RETURN result;
END
$$;

CALL app_secure_functions();
-- @end
