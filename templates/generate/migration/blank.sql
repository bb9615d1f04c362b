-- Migration: {{description}}
-- Write the change here; statements are separated by ";".

