-- Adds :count back-office users named :'prefix'00000001… to the first
-- organization of a Gatehouse PostgreSQL database, with the Read-only role,
-- the organization and its root business unit, and one shared argon2id hash
-- (of "Bench-Passw0rd"). Run against a database Gatehouse has started on:
--
--   psql "$DATABASE_URL" -v count=100000 -v prefix=bulk -f bench/seed_users.sql
--
-- The tests run the same file (tests/support/seed.rs).

INSERT INTO users (
    created_at, updated_at, username, username_canonical, password_hash, first_name, last_name,
    email, email_canonical, enabled, auth_status, failed_login_count, owner_business_unit_id, password_changed_at
)
SELECT now(), now(),
       :'prefix' || lpad(g::text, 8, '0'), :'prefix' || lpad(g::text, 8, '0'),
       '$argon2id$v=19$m=19456,t=2,p=1$Z2F0ZWhvdXNlLWJlbmNoIQ$RUa9l2j6ZxwcMpM4wCI/zcfm9ZC23LoZUnOCcmLYmRs',
       'Bulk', 'User ' || g,
       :'prefix' || lpad(g::text, 8, '0') || '@seed.example', :'prefix' || lpad(g::text, 8, '0') || '@seed.example',
       true, 'ACTIVE', 0,
       (SELECT id FROM business_units WHERE parent_id IS NULL ORDER BY id LIMIT 1), now()
FROM generate_series(1, :count) AS g;

INSERT INTO user_organizations (user_id, organization_id)
SELECT u.id, (SELECT id FROM organizations ORDER BY id LIMIT 1)
FROM users u WHERE u.username_canonical LIKE :'prefix' || '%'
ON CONFLICT DO NOTHING;

INSERT INTO user_roles (user_id, role_id)
SELECT u.id, (SELECT id FROM roles WHERE name = 'Read-only' AND organization_id IS NULL)
FROM users u WHERE u.username_canonical LIKE :'prefix' || '%'
ON CONFLICT DO NOTHING;

ANALYZE users;
ANALYZE user_organizations;
ANALYZE user_roles;
