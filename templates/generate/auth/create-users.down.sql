-- Undoes {{file}}.
DROP TABLE users;
