-- Undoes {{file}}: reverse every statement of the up migration, newest first.

