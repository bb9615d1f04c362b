-- Creates the {{table}} table for the {{Model}} model ({{engine}}).
CREATE TABLE {{table}} (
  id {{primaryKey}}{{columnLines}}
);
