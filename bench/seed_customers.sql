-- Adds :customers customers (companies) with :users customer users spread
-- over them, named :'prefix'00000001@seed.example…, to the first
-- organization of a Gatehouse PostgreSQL database: owned by its first
-- user, on its first website, enabled, confirmed, with the predefined
-- Buyer role and one shared argon2id hash (of "Bench-Passw0rd"). Run
-- against a database Gatehouse has started on:
--
--   psql "$DATABASE_URL" -v customers=1000 -v users=100000 -v prefix=buyer -f bench/seed_customers.sql

INSERT INTO customers (created_at, updated_at, organization_id, parent_id, name, owner_id)
SELECT now(), now(), (SELECT id FROM organizations ORDER BY id LIMIT 1), NULL,
       :'prefix' || ' company ' || lpad(g::text, 6, '0'), (SELECT id FROM users ORDER BY id LIMIT 1)
FROM generate_series(1, :customers) AS g;

INSERT INTO customer_users (
    created_at, updated_at, organization_id, customer_id, website_id, owner_id, enabled, confirmed,
    first_name, last_name, email, email_canonical, password_hash, auth_status, failed_login_count, password_changed_at
)
SELECT now(), now(), c.organization_id, c.first_id + g % :customers,
       (SELECT id FROM websites WHERE organization_id = c.organization_id ORDER BY id LIMIT 1), c.owner_id, true, true,
       'Buyer', 'Number ' || g,
       :'prefix' || lpad(g::text, 8, '0') || '@seed.example', :'prefix' || lpad(g::text, 8, '0') || '@seed.example',
       '$argon2id$v=19$m=19456,t=2,p=1$Z2F0ZWhvdXNlLWJlbmNoIQ$RUa9l2j6ZxwcMpM4wCI/zcfm9ZC23LoZUnOCcmLYmRs',
       'ACTIVE', 0, now()
FROM generate_series(1, :users) AS g
CROSS JOIN (
    -- The customers just added have consecutive ids.
    SELECT min(id) AS first_id, min(organization_id) AS organization_id, min(owner_id) AS owner_id
    FROM customers WHERE name LIKE :'prefix' || ' company %'
) c;

INSERT INTO customer_user_roles (customer_user_id, role_id)
SELECT u.id, (SELECT id FROM customer_roles WHERE name = 'Buyer' AND organization_id IS NULL ORDER BY id LIMIT 1)
FROM customer_users u WHERE u.email_canonical LIKE :'prefix' || '%'
ON CONFLICT DO NOTHING;

ANALYZE customers;
ANALYZE customer_users;
ANALYZE customer_user_roles;
