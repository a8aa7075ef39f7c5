ALTER TABLE stock_adjustments DROP COLUMN audit_id;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
