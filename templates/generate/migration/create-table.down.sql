-- Undoes {{file}}.
DROP TABLE {{tableSql}};
