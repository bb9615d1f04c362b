-- Creates the users table for `tina4 generate auth` ({{engine}}). Emails are unique.
CREATE TABLE users (
  id {{primaryKey}},
  email VARCHAR(255) NOT NULL UNIQUE,
  name VARCHAR(255),
  password_hash VARCHAR(255) NOT NULL,
  created_at {{datetime}}
){{tableOptions}};
