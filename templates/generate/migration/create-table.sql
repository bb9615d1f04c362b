-- Creates the {{table}} table for the {{Model}} model ({{engine}}).
CREATE TABLE {{tableSql}} (
  id {{primaryKey}}{{columnLines}}
){{tableOptions}};{{indexLines}}
