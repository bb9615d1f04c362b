-- Undoes {{file}}.
DROP TABLE {{table}};
