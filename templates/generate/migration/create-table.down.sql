-- Undoes {{file}}.{{indexNote}}
DROP TABLE {{tableSql}};
