-- 0007: security for Supabase (PostgreSQL only; SQLite has no roles and gets nothing).
--
-- Supabase's REST API (PostgREST) lets anyone holding the project's PUBLIC key act as the role
-- `anon` (`authenticated` once signed in), and Supabase grants both roles every right on new
-- tables and functions by default; PostgreSQL lets PUBLIC execute every new function, and a
-- SECURITY DEFINER function bypasses row-level security. So, on every table, view, sequence and
-- function of our schema that the migration role owns:
--   * row-level security is enabled on every table, with NO policy: anon and authenticated see
--     and change no row even if a right were granted again by mistake;
--   * every right of PUBLIC, anon and authenticated is revoked (EXECUTE included);
--   * service_role (the SECRET key: `service_role` JWT or `sb_secret_...`; it has BYPASSRLS on
--     Supabase) is granted what a REST backend needs;
--   * default privileges of the migration role stop granting anything to PUBLIC, anon and
--     authenticated on tables, sequences and functions created later.
-- The migration role owns the tables: row-level security does not restrict the owner (it is not
-- FORCEd), so the server, which connects as that role through DATABASE_URL, keeps working.
--
-- On plain PostgreSQL the three roles are created when missing (service_role with BYPASSRLS
-- only when the migration role is a superuser); a role that cannot be created is skipped.
-- Everything here is idempotent: `python -m shared sql` may be run again.
--
-- A LATER MIGRATION THAT CREATES A TABLE must enable row-level security on it too
-- (`ALTER TABLE name ENABLE ROW LEVEL SECURITY;` in a `-- @postgresql` block): default
-- privileges keep the new table closed to anon, but cannot enable row-level security.
-- tests/shared/test_security.py fails for any table without it.

-- @postgresql
DO $$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
        CONTINUE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = role_name);
        BEGIN
            IF role_name = 'service_role' THEN
                BEGIN
                    EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT BYPASSRLS', role_name);
                EXCEPTION WHEN insufficient_privilege THEN
                    -- BYPASSRLS needs a superuser; the grants below still let it work
                    EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', role_name);
                END;
            ELSE
                EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', role_name);
            END IF;
        EXCEPTION
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'role % is missing and % may not create it: skipped', role_name,
                    current_user;
            WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another session created it meanwhile
        END;
    END LOOP;
END
$$;

DO $$
DECLARE
    nsp_name text := current_schema();
    nsp oid := (SELECT oid FROM pg_namespace WHERE nspname = current_schema());
    closed text := 'PUBLIC';  -- PUBLIC, then anon and authenticated where they exist
    service boolean := EXISTS (SELECT FROM pg_roles WHERE rolname = 'service_role');
    rec record;
BEGIN
    SELECT 'PUBLIC' || coalesce(', ' || string_agg(quote_ident(rolname), ', '), '')
      INTO closed
      FROM pg_roles WHERE rolname IN ('anon', 'authenticated');

    -- tables, views and sequences of the schema that we own (not those of an extension)
    FOR rec IN
        SELECT c.oid::regclass AS rel, c.relkind
          FROM pg_class c
         WHERE c.relnamespace = nsp
           AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
           AND pg_has_role(c.relowner, 'USAGE')
           AND NOT EXISTS (SELECT FROM pg_depend d
                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND d.deptype = 'e')
    LOOP
        IF rec.relkind = 'S' THEN
            EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM %s', rec.rel, closed);
            IF service THEN
                EXECUTE format('GRANT USAGE, SELECT, UPDATE ON SEQUENCE %s TO service_role',
                               rec.rel);
            END IF;
        ELSE
            IF rec.relkind IN ('r', 'p') THEN
                EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', rec.rel);
            END IF;
            EXECUTE format('REVOKE ALL ON TABLE %s FROM %s', rec.rel, closed);
            IF service THEN
                EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO service_role',
                               rec.rel);
            END IF;
        END IF;
    END LOOP;

    -- functions, procedures and aggregates of the schema that we own
    FOR rec IN
        SELECT p.oid::regprocedure AS fn
          FROM pg_proc p
         WHERE p.pronamespace = nsp
           AND pg_has_role(p.proowner, 'USAGE')
           AND NOT EXISTS (SELECT FROM pg_depend d
                            WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                              AND d.deptype = 'e')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON ROUTINE %s FROM %s', rec.fn, closed);
        IF service THEN
            EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO service_role', rec.fn);
        END IF;
    END LOOP;

    -- what the migration role creates later: nothing for PUBLIC, anon or authenticated.
    -- PUBLIC's EXECUTE on new functions is a global default: it is revoked globally.
    EXECUTE 'ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC';
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM %s',
                   nsp_name, closed);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM %s',
                   nsp_name, closed);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON FUNCTIONS FROM %s',
                   nsp_name, closed);
    IF service THEN
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, '
                       'DELETE ON TABLES TO service_role', nsp_name);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT, UPDATE '
                       'ON SEQUENCES TO service_role', nsp_name);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT EXECUTE ON FUNCTIONS '
                       'TO service_role', nsp_name);
        -- the REST backend must see the schema; only its owner may grant that
        IF pg_has_role((SELECT nspowner FROM pg_namespace WHERE oid = nsp), 'USAGE') THEN
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO service_role', nsp_name);
        END IF;
    END IF;
END
$$;
-- @end
